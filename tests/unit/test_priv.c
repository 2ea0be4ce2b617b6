// SPDX-License-Identifier: Apache-2.0
/*
 * test_priv.c - choosing the user to forward as (the pure part of priv.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "priv.h"

static struct priv_target t;
static const char *reason;

static int
select_as(const char *sudo_uid, const char *sudo_gid, uid_t ruid, uid_t euid, gid_t rgid,
          bool allow_root)
{
	struct priv_input in = {sudo_uid, sudo_gid, ruid, euid, rgid, allow_root};

	reason = NULL;
	memset(&t, 0xff, sizeof(t));
	return priv_select(&in, &t, &reason);
}

static void
test_sudo(void **state)
{
	(void)state;
	assert_int_equal(select_as("501", "20", 0, 0, 0, false), 0);
	assert_true(t.drop);
	assert_int_equal(t.uid, 501);
	assert_int_equal(t.gid, 20);
	assert_int_equal(select_as("65534", "65534", 0, 0, 0, false), 0);
	assert_int_equal(t.uid, 65534);
	assert_int_equal(select_as("4294967294", "4294967294", 0, 0, 0, false), 0);
	assert_int_equal(t.uid, 4294967294u);
	assert_int_equal(t.gid, 4294967294u);
}

/* Group root is refused like user root: it opens root-group files. */
static void
test_root_group(void **state)
{
	(void)state;
	assert_int_equal(select_as("501", "0", 0, 0, 0, false), -1);
	assert_non_null(strstr(reason, "group root"));
	assert_non_null(strstr(reason, "--allow-root"));
	assert_int_equal(select_as(NULL, NULL, 501, 0, 0, false), -1);
	assert_non_null(strstr(reason, "group root"));
	assert_int_equal(select_as("501", "0", 0, 0, 0, true), 0);
	assert_int_equal(t.gid, 0);
	/* Not root: there is no drop, so nothing to choose. */
	assert_int_equal(select_as(NULL, NULL, 501, 501, 0, false), 0);
	assert_false(t.drop);
}

static void
test_sudo_invalid(void **state)
{
	(void)state;
	assert_int_equal(select_as("501", NULL, 0, 0, 0, false), -1);
	assert_non_null(strstr(reason, "together"));
	assert_int_equal(select_as(NULL, "20", 0, 0, 0, false), -1);
	assert_int_equal(select_as("abc", "20", 0, 0, 0, false), -1);
	assert_non_null(strstr(reason, "SUDO_UID"));
	assert_int_equal(select_as("501x", "20", 0, 0, 0, false), -1);
	assert_int_equal(select_as("-1", "20", 0, 0, 0, false), -1);
	assert_int_equal(select_as("", "20", 0, 0, 0, false), -1);
	assert_int_equal(select_as(" 501", "20", 0, 0, 0, false), -1);
	assert_int_equal(select_as("4294967295", "20", 0, 0, 0, false), -1);
	assert_int_equal(select_as("99999999999999999999", "20", 0, 0, 0, false), -1);
	assert_int_equal(select_as("501", "2O", 0, 0, 0, false), -1);
	assert_non_null(strstr(reason, "SUDO_GID"));
}

static void
test_real_ids(void **state)
{
	(void)state;
	/* A setuid-root install: root effective, the user real. */
	assert_int_equal(select_as(NULL, NULL, 501, 0, 20, false), 0);
	assert_true(t.drop);
	assert_int_equal(t.uid, 501);
	assert_int_equal(t.gid, 20);
}

static void
test_root_target(void **state)
{
	(void)state;
	assert_int_equal(select_as(NULL, NULL, 0, 0, 0, false), -1);
	assert_non_null(strstr(reason, "--allow-root"));
	assert_int_equal(select_as("0", "0", 0, 0, 0, false), -1);
	assert_int_equal(select_as(NULL, NULL, 0, 0, 0, true), 0);
	assert_int_equal(t.uid, 0);
	assert_int_equal(select_as("0", "0", 0, 0, 0, true), 0);
}

static void
test_not_root(void **state)
{
	(void)state;
	/* Without root nothing is dropped; SUDO_* from an outer sudo are ignored. */
	assert_int_equal(select_as("0", "0", 501, 501, 20, false), 0);
	assert_false(t.drop);
	assert_int_equal(t.uid, 501);
	assert_int_equal(t.gid, 20);
	assert_int_equal(select_as("garbage", NULL, 501, 501, 20, false), 0);
}

static void
test_verify_without_drop(void **state)
{
	struct priv_target none = {.drop = false};

	(void)state;
	assert_int_equal(priv_drop(&none), 0);
	assert_int_equal(priv_verify(&none, &reason), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sudo),
	    cmocka_unit_test(test_root_group),
	    cmocka_unit_test(test_sudo_invalid),
	    cmocka_unit_test(test_real_ids),
	    cmocka_unit_test(test_root_target),
	    cmocka_unit_test(test_not_root),
	    cmocka_unit_test(test_verify_without_drop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
