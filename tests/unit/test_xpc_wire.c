// SPDX-License-Identifier: Apache-2.0
/*
 * test_xpc_wire.c - the Linux platform's XPC wire format: every type round
 * trips, and truncated, oversized and hostile input is refused without a
 * crash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xpc/xpc.h>

#include "../../src/linux/xpc_internal.h"
#include "../../src/linux/xpc_wire.h"

/* Encode @o, decode the result, expect an equal object. */
static void
round_trip(xpc_object_t o)
{
	xpc_object_t back;
	uint8_t *buf;
	size_t len;

	buf = xpc_wire_encode(o, &len);
	assert_non_null(buf);
	back = xpc_wire_decode(buf, len);
	assert_non_null(back);
	assert_true(xpc_equal(o, back));
	assert_ptr_equal(xpc_get_type(back), xpc_get_type(o));
	xpc_release(back);
	free(buf);
}

static void
test_scalars(void **state)
{
	static const uuid_t u = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	static const uint8_t bytes[] = {0, 1, 2, 0xff, 0};
	xpc_object_t objs[] = {
	    xpc_bool_create(true),
	    xpc_bool_create(false),
	    xpc_int64_create(INT64_MIN),
	    xpc_int64_create(-1),
	    xpc_int64_create(INT64_MAX),
	    xpc_uint64_create(0),
	    xpc_uint64_create(UINT64_MAX),
	    xpc_string_create(""),
	    xpc_string_create("shared"),
	    xpc_string_create("caf\xc3\xa9 \"quoted\""),
	    xpc_uuid_create(u),
	    xpc_data_create(bytes, sizeof(bytes)),
	    xpc_data_create(NULL, 0),
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		round_trip(objs[i]);
		xpc_release(objs[i]);
	}
}

/* Values survive, not just equality: check a few by their getters. */
static void
test_values_after_decode(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty(), back;
	const uint8_t *u;
	const void *data;
	uint8_t *buf;
	size_t len, dlen = 0;
	uuid_t id = {0xde, 0xad, 0xbe, 0xef};

	(void)state;
	xpc_dictionary_set_int64(d, "error", 5);
	xpc_dictionary_set_uint64(d, "mtu", 9000);
	xpc_dictionary_set_string(d, "command", "acquire");
	xpc_dictionary_set_bool(d, "nat44", false);
	xpc_dictionary_set_uuid(d, "id", id);
	xpc_dictionary_set_data(d, "blob", "abc", 3);
	buf = xpc_wire_encode(d, &len);
	assert_non_null(buf);
	back = xpc_wire_decode(buf, len);
	assert_non_null(back);
	assert_int_equal(xpc_dictionary_get_count(back), 6);
	assert_int_equal(xpc_dictionary_get_int64(back, "error"), 5);
	assert_int_equal(xpc_dictionary_get_uint64(back, "mtu"), 9000);
	assert_string_equal(xpc_dictionary_get_string(back, "command"), "acquire");
	assert_non_null(xpc_dictionary_get_value(back, "nat44"));
	assert_false(xpc_dictionary_get_bool(back, "nat44"));
	u = xpc_dictionary_get_uuid(back, "id");
	assert_non_null(u);
	assert_memory_equal(u, id, 16);
	data = xpc_dictionary_get_data(back, "blob", &dlen);
	assert_int_equal(dlen, 3);
	assert_memory_equal(data, "abc", 3);
	xpc_release(back);
	xpc_release(d);
	free(buf);
}

static xpc_object_t
nested_message(void)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	xpc_object_t net = xpc_dictionary_create_empty();
	xpc_object_t arr = xpc_array_create_empty();
	xpc_object_t empty_arr = xpc_array_create_empty();
	xpc_object_t empty_dict = xpc_dictionary_create_empty();

	xpc_dictionary_set_string(net, "bridge", "vmnet-br3");
	xpc_dictionary_set_uint64(net, "mode", 1001);
	xpc_array_set_string(arr, XPC_ARRAY_APPEND, "52:54:00:00:00:01=192.168.105.10");
	xpc_array_append_value(arr, empty_dict);
	xpc_array_append_value(arr, empty_arr);
	xpc_dictionary_set_value(net, "reservations", arr);
	xpc_dictionary_set_value(d, "network", net);
	xpc_release(net);
	xpc_release(arr);
	xpc_release(empty_arr);
	xpc_release(empty_dict);
	return d;
}

static void
test_containers(void **state)
{
	xpc_object_t d = nested_message();

	(void)state;
	round_trip(d);
	xpc_release(d);
}

/* Every proper prefix of a valid encoding is refused. */
static void
test_truncated(void **state)
{
	xpc_object_t d = nested_message(), back;
	uint8_t *buf;
	size_t len, i;

	(void)state;
	buf = xpc_wire_encode(d, &len);
	assert_non_null(buf);
	for (i = 0; i < len; i++) {
		errno = 0;
		back = xpc_wire_decode(buf, i);
		assert_null(back);
		assert_int_equal(errno, EBADMSG);
	}
	xpc_release(d);
	free(buf);
}

/* Trailing bytes after one object are refused. */
static void
test_trailing_bytes(void **state)
{
	xpc_object_t s = xpc_string_create("x");
	uint8_t *buf, *longer;
	size_t len;

	(void)state;
	buf = xpc_wire_encode(s, &len);
	longer = calloc(1, len + 1);
	memcpy(longer, buf, len);
	assert_null(xpc_wire_decode(longer, len + 1));
	xpc_release(s);
	free(buf);
	free(longer);
}

/* Every single-bit flip decodes to something or to nothing, never a crash. */
static void
test_bit_flips(void **state)
{
	xpc_object_t d = nested_message(), back;
	uint8_t *buf;
	size_t len, i;
	int bit;

	(void)state;
	buf = xpc_wire_encode(d, &len);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1 << bit);
			back = xpc_wire_decode(buf, len);
			xpc_release(back);
			buf[i] ^= (uint8_t)(1 << bit);
		}
	}
	back = xpc_wire_decode(buf, len);
	assert_true(xpc_equal(d, back));
	xpc_release(back);
	xpc_release(d);
	free(buf);
}

static void
expect_refused(const uint8_t *buf, size_t len)
{
	errno = 0;
	assert_null(xpc_wire_decode(buf, len));
	assert_int_equal(errno, EBADMSG);
}

static void
test_hostile(void **state)
{
	/* tag 4 = string, 7 = array, 8 = dictionary, 1 = bool */
	static const uint8_t bad_bool[] = {1, 2};
	static const uint8_t unknown_tag[] = {42};
	static const uint8_t zero_tag[] = {0};
	static const uint8_t string_too_long[] = {4, 5, 0, 0, 0, 'a', 'b'};
	static const uint8_t string_huge[] = {4, 0xff, 0xff, 0xff, 0xff, 'a'};
	static const uint8_t string_nul[] = {4, 3, 0, 0, 0, 'a', 0, 'b'};
	static const uint8_t array_lies[] = {7, 0xff, 0xff, 0xff, 0x7f, 1, 1};
	static const uint8_t array_too_many[] = {7, 0x01, 0x04, 0, 0};
	static const uint8_t dict_dup[] = {8, 2, 0, 0, 0, 1, 0,   0, 0, 'k',
	                                   1, 1, 1, 0, 0, 0, 'k', 1, 0};
	static const uint8_t dict_empty_key[] = {8, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1};
	static const uint8_t dict_nul_key[] = {8, 1, 0, 0, 0, 2, 0, 0, 0, 'k', 0, 1, 1};
	static const uint8_t dict_missing_value[] = {8, 1, 0, 0, 0, 1, 0, 0, 0, 'k'};
	static const uint8_t uuid_short[] = {5, 1, 2, 3};
	uint8_t deep[2 * (XPC_WIRE_MAX_DEPTH + 1) * 5];
	xpc_object_t shallower;
	size_t i, n = 0;

	(void)state;
	expect_refused(bad_bool, sizeof(bad_bool));
	expect_refused(unknown_tag, sizeof(unknown_tag));
	expect_refused(zero_tag, sizeof(zero_tag));
	expect_refused(string_too_long, sizeof(string_too_long));
	expect_refused(string_huge, sizeof(string_huge));
	expect_refused(string_nul, sizeof(string_nul));
	expect_refused(array_lies, sizeof(array_lies));
	expect_refused(array_too_many, sizeof(array_too_many));
	expect_refused(dict_dup, sizeof(dict_dup));
	expect_refused(dict_empty_key, sizeof(dict_empty_key));
	expect_refused(dict_nul_key, sizeof(dict_nul_key));
	expect_refused(dict_missing_value, sizeof(dict_missing_value));
	expect_refused(uuid_short, sizeof(uuid_short));
	expect_refused(NULL, 0);
	/* One array deeper than allowed, each holding the next. */
	for (i = 0; i <= XPC_WIRE_MAX_DEPTH; i++) {
		deep[n++] = 7;
		deep[n++] = 1;
		deep[n++] = 0;
		deep[n++] = 0;
		deep[n++] = 0;
	}
	deep[n++] = 1;
	deep[n++] = 1;
	expect_refused(deep, n);
	/* The same, one level shallower, is fine. */
	shallower = xpc_wire_decode(deep + 5, n - 5);
	assert_non_null(shallower);
	xpc_release(shallower);
	expect_refused(deep, XPC_WIRE_MAX_BODY + 1);
}

static void
test_encode_refuses(void **state)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	xpc_object_t a = xpc_array_create_empty(), inner;
	xpc_connection_t c = xpc_connection_create_mach_service("test.encode", NULL, 0);
	uint8_t *big;
	size_t len, i;

	(void)state;
	errno = 0;
	assert_null(xpc_wire_encode(XPC_ERROR_CONNECTION_INVALID, &len));
	assert_int_equal(errno, EINVAL);
	xpc_dictionary_set_value(d, "conn", c);
	errno = 0;
	assert_null(xpc_wire_encode(d, &len));
	assert_int_equal(errno, EINVAL);
	xpc_release(d);
	xpc_release(c);

	/* Too deep. */
	for (i = 0; i < XPC_WIRE_MAX_DEPTH; i++) {
		inner = xpc_array_create_empty();
		xpc_array_append_value(inner, a);
		xpc_release(a);
		a = inner;
	}
	errno = 0;
	assert_null(xpc_wire_encode(a, &len));
	assert_int_equal(errno, EINVAL);
	xpc_release(a);

	/* Too long. */
	big = calloc(1, XPC_WIRE_MAX_BODY);
	d = xpc_data_create(big, XPC_WIRE_MAX_BODY);
	errno = 0;
	assert_null(xpc_wire_encode(d, &len));
	assert_int_equal(errno, EMSGSIZE);
	xpc_release(d);
	free(big);
}

static void
test_header(void **state)
{
	struct xpc_wire_header h = {.length = 12, .flags = XPC_WIRE_F_WANTS_REPLY, .id = 7}, back;
	uint8_t buf[XPC_WIRE_HEADER_SIZE];

	(void)state;
	xpc_wire_header_pack(buf, &h);
	assert_int_equal(xpc_wire_header_parse(buf, &back), 0);
	assert_int_equal(back.length, 12);
	assert_int_equal(back.flags, XPC_WIRE_F_WANTS_REPLY);
	assert_int_equal(back.id, 7);

	h.flags = XPC_WIRE_F_WANTS_REPLY | XPC_WIRE_F_REPLY;
	xpc_wire_header_pack(buf, &h);
	assert_int_equal(xpc_wire_header_parse(buf, &back), -1);
	assert_int_equal(errno, EBADMSG);
	h.flags = 1 << 5;
	xpc_wire_header_pack(buf, &h);
	assert_int_equal(xpc_wire_header_parse(buf, &back), -1);
	h.flags = XPC_WIRE_F_REPLY;
	h.id = 0;
	xpc_wire_header_pack(buf, &h);
	assert_int_equal(xpc_wire_header_parse(buf, &back), -1);
	h.flags = 0;
	h.id = 3;
	xpc_wire_header_pack(buf, &h);
	assert_int_equal(xpc_wire_header_parse(buf, &back), -1);
	h.id = 0;
	h.length = XPC_WIRE_MAX_BODY + 1;
	xpc_wire_header_pack(buf, &h);
	assert_int_equal(xpc_wire_header_parse(buf, &back), -1);
	assert_int_equal(errno, EMSGSIZE);
	h.length = XPC_WIRE_MAX_BODY;
	xpc_wire_header_pack(buf, &h);
	assert_int_equal(xpc_wire_header_parse(buf, &back), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),        cmocka_unit_test(test_values_after_decode),
	    cmocka_unit_test(test_containers),     cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_trailing_bytes), cmocka_unit_test(test_bit_flips),
	    cmocka_unit_test(test_hostile),        cmocka_unit_test(test_encode_refuses),
	    cmocka_unit_test(test_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
