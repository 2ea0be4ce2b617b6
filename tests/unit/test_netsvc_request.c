// SPDX-License-Identifier: Apache-2.0
/*
 * test_netsvc_request.c - the network service's answers (vmnet-broker's
 * protocol) with a fake network backend: success, every error code, and
 * creation once per network while it is held.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <xpc/xpc.h>

#include "netsvc_proto.h"
#include "netsvc_request.h"

static int created, released;
static bool fail_create;
static int network_obj;

static void *
fake_create(const struct netsvc_network *def, const char **why)
{
	(void)def;
	if (fail_create) {
		*why = "refused by the test";
		return NULL;
	}
	created++;
	return &network_obj;
}

static xpc_object_t
fake_serialize(void *network)
{
	xpc_object_t d = xpc_dictionary_create_empty();

	assert_ptr_equal(network, &network_obj);
	xpc_dictionary_set_string(d, "opaque", "network");
	return d;
}

static void
fake_release(void *network)
{
	assert_ptr_equal(network, &network_obj);
	released++;
}

static const struct netsvc_backend fake = {fake_create, fake_serialize, fake_release};

static struct netsvc_config cfg;
static struct netsvc_state st;

static int
setup(void **state)
{
	char error[NETSVC_ERROR_MAX];

	(void)state;
	created = released = 0;
	fail_create = false;
	if (netsvc_config_parse("release-delay = 1\n[lab]\noperation-mode = host\n", &cfg, error))
		return -1;
	st.cfg = &cfg;
	st.backend = &fake;
	st.euid = 501;
	netsvc_refs_init(&st.refs, 1000, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	netsvc_refs_fini(&st.refs);
	netsvc_config_free(&cfg);
	return 0;
}

static xpc_object_t
req(const char *command, const char *name)
{
	xpc_object_t d = xpc_dictionary_create_empty();

	if (command)
		xpc_dictionary_set_string(d, NETSVC_KEY_COMMAND, command);
	if (name)
		xpc_dictionary_set_string(d, NETSVC_KEY_NETWORK_NAME, name);
	return d;
}

/* Answer @r from @client as @euid; return the reply's status, check its shape. */
static int64_t
answer(xpc_object_t r, const void *client, uid_t euid)
{
	xpc_object_t reply = xpc_dictionary_create_empty();
	int64_t status = netsvc_request(&st, r, client, euid, 0, reply);

	if (status == NETSVC_SUCCESS) {
		assert_non_null(xpc_dictionary_get_value(reply, NETSVC_KEY_NETWORK));
		assert_null(xpc_dictionary_get_value(reply, NETSVC_KEY_ERROR));
	} else {
		assert_null(xpc_dictionary_get_value(reply, NETSVC_KEY_NETWORK));
		assert_int_equal(xpc_dictionary_get_int64(reply, NETSVC_KEY_ERROR), status);
	}
	xpc_release(reply);
	xpc_release(r);
	return status;
}

static void
test_acquire_creates_once(void **state)
{
	int a, b;

	(void)state;
	assert_int_equal(answer(req("acquire", "shared"), &a, 501), NETSVC_SUCCESS);
	assert_int_equal(answer(req("acquire", "shared"), &b, 501), NETSVC_SUCCESS);
	assert_int_equal(created, 1);
	netsvc_refs_leave(&st.refs, &a, 0);
	netsvc_refs_leave(&st.refs, &b, 0);
	netsvc_release_expired(&st, 999);
	assert_int_equal(released, 0);
	netsvc_release_expired(&st, 1000);
	assert_int_equal(released, 1);
}

static void
test_error_codes(void **state)
{
	int c;
	xpc_object_t wrong = req("acquire", NULL);

	(void)state;
	assert_int_equal(answer(req("acquire", "shared"), &c, 0), NETSVC_NOT_ALLOWED);
	assert_int_equal(answer(req("acquire", "nosuch"), &c, 501), NETSVC_NOT_FOUND);
	assert_int_equal(answer(req("get", "shared"), &c, 501), NETSVC_INVALID_REQUEST);
	assert_int_equal(answer(req(NULL, "shared"), &c, 501), NETSVC_INVALID_REQUEST);
	assert_int_equal(answer(req("acquire", NULL), &c, 501), NETSVC_INVALID_REQUEST);
	assert_int_equal(answer(req("acquire", "../etc"), &c, 501), NETSVC_INVALID_REQUEST);
	/* A name of the wrong type. */
	xpc_dictionary_set_int64(wrong, NETSVC_KEY_NETWORK_NAME, 5);
	assert_int_equal(answer(wrong, &c, 501), NETSVC_INVALID_REQUEST);
	/* Not a dictionary at all. */
	assert_int_equal(answer(xpc_string_create("acquire"), &c, 501), NETSVC_INVALID_REQUEST);
	assert_int_equal(created, 0);
	assert_true(netsvc_refs_idle(&st.refs));
	fail_create = true;
	assert_int_equal(answer(req("acquire", "lab"), &c, 501), NETSVC_CREATE_FAILURE);
	assert_true(netsvc_refs_idle(&st.refs));
	assert_string_equal(netsvc_status_text(NETSVC_NOT_FOUND), "no network of that name");
	assert_string_equal(netsvc_status_text(99), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_acquire_creates_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_error_codes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
