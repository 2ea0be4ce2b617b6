// SPDX-License-Identifier: Apache-2.0
/*
 * test_xpc.c - the Linux XPC objects: reference counts, types, dictionary
 * and array semantics of vmnet-api.md section 4.1, descriptions.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xpc/xpc.h>

#include "../../src/linux/xpc_internal.h"

static const uuid_t test_uuid = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                                 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

static void
test_scalars(void **state)
{
	xpc_object_t b = xpc_bool_create(true);
	xpc_object_t i = xpc_int64_create(-42);
	xpc_object_t u = xpc_uint64_create(UINT64_MAX);
	xpc_object_t s = xpc_string_create("en0");
	xpc_object_t id = xpc_uuid_create(test_uuid);

	(void)state;
	assert_ptr_equal(xpc_get_type(b), XPC_TYPE_BOOL);
	assert_ptr_equal(xpc_get_type(i), XPC_TYPE_INT64);
	assert_ptr_equal(xpc_get_type(u), XPC_TYPE_UINT64);
	assert_ptr_equal(xpc_get_type(s), XPC_TYPE_STRING);
	assert_ptr_equal(xpc_get_type(id), XPC_TYPE_UUID);
	assert_true(xpc_bool_get_value(b));
	assert_int_equal(xpc_int64_get_value(i), -42);
	assert_true(xpc_uint64_get_value(u) == UINT64_MAX);
	assert_string_equal(xpc_string_get_string_ptr(s), "en0");
	assert_int_equal(xpc_string_get_length(s), 3);
	assert_memory_equal(xpc_uuid_get_bytes(id), test_uuid, sizeof(test_uuid));

	/* Accessors of another type return the empty value. */
	assert_false(xpc_bool_get_value(u));
	assert_int_equal(xpc_int64_get_value(u), 0);
	assert_int_equal(xpc_uint64_get_value(i), 0);
	assert_null(xpc_string_get_string_ptr(b));
	assert_int_equal(xpc_string_get_length(i), 0);
	assert_null(xpc_uuid_get_bytes(s));
	assert_null(xpc_get_type(NULL));

	xpc_release(b);
	xpc_release(i);
	xpc_release(u);
	xpc_release(s);
	xpc_release(id);
}

static void
test_string_is_copied(void **state)
{
	char buf[] = "bridge100";
	xpc_object_t s = xpc_string_create(buf);

	(void)state;
	buf[0] = 'X';
	assert_string_equal(xpc_string_get_string_ptr(s), "bridge100");
	xpc_release(s);
}

static void
test_retain_release_counts(void **state)
{
	xpc_object_t u = xpc_uint64_create(5);

	(void)state;
	assert_int_equal(xpc_refcount(u), 1);
	assert_ptr_equal(xpc_retain(u), u);
	assert_int_equal(xpc_refcount(u), 2);
	xpc_release(u);
	assert_int_equal(xpc_refcount(u), 1);
	xpc_release(u);
	assert_null(xpc_retain(NULL));
	xpc_release(NULL);
}

static void
test_dictionary_set_value_retains(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	xpc_object_t v = xpc_uint64_create(7);

	(void)state;
	xpc_dictionary_set_value(d, "k", v);
	assert_int_equal(xpc_refcount(v), 2);
	/* Getters borrow. */
	assert_ptr_equal(xpc_dictionary_get_value(d, "k"), v);
	assert_int_equal(xpc_refcount(v), 2);
	/* Setting the same object again keeps one reference for the dict. */
	xpc_dictionary_set_value(d, "k", v);
	assert_int_equal(xpc_refcount(v), 2);
	xpc_release(d);
	assert_int_equal(xpc_refcount(v), 1);
	assert_int_equal(xpc_uint64_get_value(v), 7);
	xpc_release(v);
}

static void
test_dictionary_replace_releases_old(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	xpc_object_t old = xpc_string_create("old");
	xpc_object_t new = xpc_string_create("new");

	(void)state;
	xpc_dictionary_set_value(d, "k", old);
	xpc_dictionary_set_value(d, "k", new);
	assert_int_equal(xpc_refcount(old), 1);
	assert_int_equal(xpc_refcount(new), 2);
	assert_int_equal(xpc_dictionary_get_count(d), 1);
	assert_string_equal(xpc_dictionary_get_string(d, "k"), "new");
	/* A typed setter replaces and releases too. */
	xpc_dictionary_set_uint64(d, "k", 3);
	assert_int_equal(xpc_refcount(new), 1);
	assert_int_equal(xpc_dictionary_get_uint64(d, "k"), 3);
	xpc_release(d);
	xpc_release(old);
	xpc_release(new);
}

static void
test_dictionary_null_removes(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	xpc_object_t v = xpc_bool_create(true);

	(void)state;
	xpc_dictionary_set_value(d, "a", v);
	xpc_dictionary_set_uint64(d, "b", 1);
	xpc_dictionary_set_uint64(d, "c", 2);
	xpc_dictionary_set_value(d, "a", NULL);
	assert_int_equal(xpc_refcount(v), 1);
	assert_int_equal(xpc_dictionary_get_count(d), 2);
	assert_null(xpc_dictionary_get_value(d, "a"));
	assert_int_equal(xpc_dictionary_get_uint64(d, "b"), 1);
	assert_int_equal(xpc_dictionary_get_uint64(d, "c"), 2);
	/* Removing a missing key is a no-op. */
	xpc_dictionary_set_value(d, "missing", NULL);
	assert_int_equal(xpc_dictionary_get_count(d), 2);
	xpc_release(d);
	xpc_release(v);
}

static void
test_value_survives_dictionary(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	xpc_object_t s;

	(void)state;
	xpc_dictionary_set_string(d, "name", "vmnet0");
	s = xpc_retain(xpc_dictionary_get_value(d, "name"));
	xpc_release(d);
	assert_int_equal(xpc_refcount(s), 1);
	assert_string_equal(xpc_string_get_string_ptr(s), "vmnet0");
	xpc_release(s);
}

static void
test_dictionary_typed_getters(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	const uint8_t *u;

	(void)state;
	xpc_dictionary_set_bool(d, "bool", true);
	xpc_dictionary_set_int64(d, "int64", -1);
	xpc_dictionary_set_uint64(d, "uint64", 1500);
	xpc_dictionary_set_string(d, "string", "255.255.255.0");
	xpc_dictionary_set_uuid(d, "uuid", test_uuid);
	assert_int_equal(xpc_dictionary_get_count(d), 5);

	assert_true(xpc_dictionary_get_bool(d, "bool"));
	assert_int_equal(xpc_dictionary_get_int64(d, "int64"), -1);
	assert_int_equal(xpc_dictionary_get_uint64(d, "uint64"), 1500);
	assert_string_equal(xpc_dictionary_get_string(d, "string"), "255.255.255.0");
	u = xpc_dictionary_get_uuid(d, "uuid");
	assert_non_null(u);
	assert_memory_equal(u, test_uuid, sizeof(test_uuid));
	assert_ptr_equal(xpc_get_type(xpc_dictionary_get_value(d, "uint64")), XPC_TYPE_UINT64);

	/* Missing keys. */
	assert_false(xpc_dictionary_get_bool(d, "nope"));
	assert_int_equal(xpc_dictionary_get_int64(d, "nope"), 0);
	assert_int_equal(xpc_dictionary_get_uint64(d, "nope"), 0);
	assert_null(xpc_dictionary_get_string(d, "nope"));
	assert_null(xpc_dictionary_get_uuid(d, "nope"));
	assert_null(xpc_dictionary_get_value(d, "nope"));

	/* Wrong types. */
	assert_false(xpc_dictionary_get_bool(d, "uint64"));
	assert_int_equal(xpc_dictionary_get_int64(d, "uint64"), 0);
	assert_int_equal(xpc_dictionary_get_uint64(d, "int64"), 0);
	assert_int_equal(xpc_dictionary_get_uint64(d, "bool"), 0);
	assert_null(xpc_dictionary_get_string(d, "uuid"));
	assert_null(xpc_dictionary_get_uuid(d, "string"));
	xpc_release(d);
}

static void
test_wrong_object_type_is_harmless(void **state)
{
	xpc_object_t u = xpc_uint64_create(1);
	xpc_object_t s = xpc_string_create("x");

	(void)state;
	/* Dictionary calls on a uint64, array calls on a string. */
	xpc_dictionary_set_uint64(u, "k", 2);
	xpc_dictionary_set_value(u, "k", s);
	assert_int_equal(xpc_refcount(s), 1);
	assert_null(xpc_dictionary_get_value(u, "k"));
	assert_int_equal(xpc_dictionary_get_count(u), 0);
	assert_true(xpc_dictionary_apply(u, ^bool(const char *key, xpc_object_t value) {
		(void)key;
		(void)value;
		return false;
	}));
	xpc_array_append_value(s, u);
	assert_int_equal(xpc_refcount(u), 1);
	assert_int_equal(xpc_array_get_count(s), 0);
	assert_null(xpc_array_get_value(s, 0));
	assert_int_equal(xpc_uint64_get_value(u), 1);
	assert_null(xpc_dictionary_get_value(NULL, "k"));
	xpc_release(u);
	xpc_release(s);
}

static void
test_dictionary_create_with_values(void **state)
{
	const char *keys[] = {"a", "b"};
	xpc_object_t values[] = {xpc_uint64_create(1), xpc_string_create("two")};
	xpc_object_t d = xpc_dictionary_create(keys, values, 2);
	xpc_object_t e = xpc_dictionary_create(NULL, NULL, 0);

	(void)state;
	assert_int_equal(xpc_refcount(values[0]), 2);
	assert_int_equal(xpc_dictionary_get_uint64(d, "a"), 1);
	assert_string_equal(xpc_dictionary_get_string(d, "b"), "two");
	assert_int_equal(xpc_dictionary_get_count(e), 0);
	xpc_release(values[0]);
	xpc_release(values[1]);
	xpc_release(d);
	xpc_release(e);
}

static void
test_dictionary_apply(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	__block int seen = 0;
	__block uint64_t sum = 0;

	(void)state;
	xpc_dictionary_set_uint64(d, "one", 1);
	xpc_dictionary_set_uint64(d, "two", 2);
	xpc_dictionary_set_uint64(d, "four", 4);

	assert_true(xpc_dictionary_apply(d, ^bool(const char *key, xpc_object_t value) {
		assert_ptr_equal(xpc_dictionary_get_value(d, key), value);
		sum += xpc_uint64_get_value(value);
		seen++;
		return true;
	}));
	assert_int_equal(seen, 3);
	assert_int_equal(sum, 7);

	/* Stops at the first false and reports that it stopped. */
	seen = 0;
	assert_false(xpc_dictionary_apply(d, ^bool(const char *key, xpc_object_t value) {
		(void)key;
		(void)value;
		seen++;
		return seen < 2;
	}));
	assert_int_equal(seen, 2);
	xpc_release(d);
}

static void
test_array(void **state)
{
	xpc_object_t a = xpc_array_create_empty();
	xpc_object_t v = xpc_uint64_create(9);
	xpc_object_t w = xpc_uint64_create(10);
	xpc_object_t objs[] = {v};
	xpc_object_t b = xpc_array_create(objs, 1);
	__block size_t visits = 0;

	(void)state;
	assert_ptr_equal(xpc_get_type(a), XPC_TYPE_ARRAY);
	assert_int_equal(xpc_refcount(v), 2);
	assert_ptr_equal(xpc_array_get_value(b, 0), v);

	xpc_array_set_string(a, XPC_ARRAY_APPEND, "en0");
	xpc_array_append_value(a, v);
	xpc_array_set_string(a, XPC_ARRAY_APPEND, "en1");
	assert_int_equal(xpc_array_get_count(a), 3);
	assert_int_equal(xpc_refcount(v), 3);
	assert_string_equal(xpc_array_get_string(a, 0), "en0");
	assert_null(xpc_array_get_string(a, 1));
	assert_string_equal(xpc_array_get_string(a, 2), "en1");
	assert_null(xpc_array_get_value(a, 3));

	/* Replacing an element releases the old one. */
	xpc_array_set_value(a, 1, w);
	assert_int_equal(xpc_refcount(v), 2);
	assert_int_equal(xpc_refcount(w), 2);
	/* Out of range: ignored. */
	xpc_array_set_value(a, 7, w);
	assert_int_equal(xpc_array_get_count(a), 3);
	assert_int_equal(xpc_refcount(w), 2);

	assert_false(xpc_array_apply(a, ^bool(size_t index, xpc_object_t value) {
		assert_ptr_equal(xpc_array_get_value(a, index), value);
		visits++;
		return index < 1;
	}));
	assert_int_equal(visits, 2);
	visits = 0;
	assert_true(xpc_array_apply(a, ^bool(size_t index, xpc_object_t value) {
		(void)index;
		(void)value;
		visits++;
		return true;
	}));
	assert_int_equal(visits, 3);

	xpc_release(a);
	assert_int_equal(xpc_refcount(w), 1);
	xpc_release(b);
	assert_int_equal(xpc_refcount(v), 1);
	xpc_release(v);
	xpc_release(w);
}

static void
test_array_grows(void **state)
{
	xpc_object_t a = xpc_array_create_empty();
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		xpc_object_t v = xpc_uint64_create(i);

		xpc_array_append_value(a, v);
		xpc_release(v);
	}
	assert_int_equal(xpc_array_get_count(a), 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(xpc_uint64_get_value(xpc_array_get_value(a, i)), i);
	xpc_release(a);
}

static void
test_description(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	xpc_object_t a = xpc_array_create_empty();
	char *desc;

	(void)state;
	xpc_dictionary_set_uint64(d, "vmnet_mtu", 1500);
	xpc_dictionary_set_string(d, "name", "a\"b");
	xpc_dictionary_set_bool(d, "tso", false);
	xpc_dictionary_set_int64(d, "delta", -3);
	xpc_dictionary_set_uuid(d, "id", test_uuid);
	xpc_array_set_string(a, XPC_ARRAY_APPEND, "en0");
	xpc_dictionary_set_value(d, "list", a);
	desc = xpc_copy_description(d);
	assert_string_equal(desc, "<dictionary: { \"vmnet_mtu\" => <uint64: 1500>, "
	                          "\"name\" => <string: \"a\\\"b\">, "
	                          "\"tso\" => <bool: false>, \"delta\" => <int64: -3>, "
	                          "\"id\" => <uuid: 12345678-9ABC-DEF0-0123-456789ABCDEF>, "
	                          "\"list\" => <array: [ <string: \"en0\"> ]> }>");
	free(desc);
	xpc_release(a);
	xpc_release(d);

	d = xpc_dictionary_create_empty();
	desc = xpc_copy_description(d);
	assert_string_equal(desc, "<dictionary: {}>");
	free(desc);
	xpc_release(d);
}

#define REF_THREADS 4
#define REF_ROUNDS  100000

static void *
ref_worker(void *arg)
{
	int i;

	for (i = 0; i < REF_ROUNDS; i++) {
		xpc_retain(arg);
		xpc_release(arg);
		xpc_retain(arg);
	}
	return NULL;
}

static void
test_refcount_threads(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	pthread_t t[REF_THREADS];
	int i, j;

	(void)state;
	for (i = 0; i < REF_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, ref_worker, d), 0);
	for (i = 0; i < REF_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(xpc_refcount(d), 1 + REF_THREADS * REF_ROUNDS);
	for (i = 0; i < REF_THREADS; i++) {
		for (j = 0; j < REF_ROUNDS; j++)
			xpc_release(d);
	}
	assert_int_equal(xpc_refcount(d), 1);
	xpc_release(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_string_is_copied),
	    cmocka_unit_test(test_retain_release_counts),
	    cmocka_unit_test(test_dictionary_set_value_retains),
	    cmocka_unit_test(test_dictionary_replace_releases_old),
	    cmocka_unit_test(test_dictionary_null_removes),
	    cmocka_unit_test(test_value_survives_dictionary),
	    cmocka_unit_test(test_dictionary_typed_getters),
	    cmocka_unit_test(test_wrong_object_type_is_harmless),
	    cmocka_unit_test(test_dictionary_create_with_values),
	    cmocka_unit_test(test_dictionary_apply),
	    cmocka_unit_test(test_array),
	    cmocka_unit_test(test_array_grows),
	    cmocka_unit_test(test_description),
	    cmocka_unit_test(test_refcount_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
