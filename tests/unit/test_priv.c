// SPDX-License-Identifier: Apache-2.0
/*
 * test_priv.c - choosing the user to forward as (the pure part of priv.c),
 * and resolving --user against the system's accounts.
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
static const struct priv_account nobody = {65534, 65534};
static const struct priv_account alice = {1001, 1002};

/* priv_select() on the given input. */
static int
select_full(const char *sudo_uid, const char *sudo_gid, uid_t ruid, uid_t euid, gid_t rgid,
            const struct priv_account *user, const struct priv_account *fallback, bool allow_root)
{
	struct priv_input in = {sudo_uid, sudo_gid, ruid, euid, rgid, user, fallback, allow_root};

	reason = NULL;
	memset(&t, 0xff, sizeof(t));
	return priv_select(&in, &t, &reason);
}

/* As select_full(), without --user and with nobody as the fallback. */
static int
select_as(const char *sudo_uid, const char *sudo_gid, uid_t ruid, uid_t euid, gid_t rgid,
          bool allow_root)
{
	return select_full(sudo_uid, sudo_gid, ruid, euid, rgid, NULL, &nobody, allow_root);
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
test_root_caller_drops_to_fallback(void **state)
{
	(void)state;
	/* Root itself (no SUDO_*, or sudo run by root): the default account. */
	assert_int_equal(select_as(NULL, NULL, 0, 0, 0, false), 0);
	assert_true(t.drop);
	assert_int_equal(t.uid, 65534);
	assert_int_equal(t.gid, 65534);
	assert_int_equal(select_as("0", "0", 0, 0, 0, false), 0);
	assert_int_equal(t.uid, 65534);
	/* SUDO_UID=0 marks a root caller whatever SUDO_GID says. */
	assert_int_equal(select_as("0", NULL, 0, 0, 0, false), 0);
	assert_int_equal(t.uid, 65534);
	/* No such account: an error naming the way out. */
	assert_int_equal(select_full(NULL, NULL, 0, 0, 0, NULL, NULL, false), -1);
	assert_non_null(strstr(reason, "--user"));
	assert_non_null(strstr(reason, PRIV_DEFAULT_USER));
}

static void
test_root_caller_with_user(void **state)
{
	const struct priv_account root = {0, 0};

	(void)state;
	assert_int_equal(select_full(NULL, NULL, 0, 0, 0, &alice, &nobody, false), 0);
	assert_true(t.drop);
	assert_int_equal(t.uid, 1001);
	assert_int_equal(t.gid, 1002);
	/* --user wins over --allow-root; --user root needs --allow-root. */
	assert_int_equal(select_full(NULL, NULL, 0, 0, 0, &alice, &nobody, true), 0);
	assert_int_equal(t.uid, 1001);
	assert_int_equal(select_full(NULL, NULL, 0, 0, 0, &root, &nobody, false), -1);
	assert_non_null(strstr(reason, "--allow-root"));
	assert_int_equal(select_full(NULL, NULL, 0, 0, 0, &root, &nobody, true), 0);
	assert_int_equal(t.uid, 0);
	/* The fallback is not needed when --user names an account. */
	assert_int_equal(select_full(NULL, NULL, 0, 0, 0, &alice, NULL, false), 0);
	assert_int_equal(t.uid, 1001);
}

static void
test_user_refused_where_it_does_not_choose(void **state)
{
	(void)state;
	/* Through sudo: the user who ran it, never an account of their choice. */
	assert_int_equal(select_full("501", "20", 0, 0, 0, &alice, &nobody, false), -1);
	assert_non_null(strstr(reason, "sudo"));
	/* setuid root: the real user. */
	assert_int_equal(select_full(NULL, NULL, 501, 0, 20, &alice, &nobody, false), -1);
	/* Without root there is nothing to switch. */
	assert_int_equal(select_full(NULL, NULL, 501, 501, 20, &alice, &nobody, false), -1);
	assert_non_null(strstr(reason, "needs root"));
}

static void
test_allow_root_keeps_root(void **state)
{
	(void)state;
	assert_int_equal(select_as(NULL, NULL, 0, 0, 0, true), 0);
	assert_int_equal(t.uid, 0);
	assert_int_equal(t.gid, 0);
	assert_int_equal(select_as("0", "0", 0, 0, 0, true), 0);
	assert_int_equal(t.uid, 0);
	/* A sudo user is still dropped to: --allow-root does not keep root then. */
	assert_int_equal(select_as("501", "20", 0, 0, 0, true), 0);
	assert_int_equal(t.uid, 501);
}

static void
test_lookup(void **state)
{
	struct priv_account a;

	(void)state;
	/* root is uid 0, group 0 on every system the tests run on. */
	assert_int_equal(priv_lookup("root", &a, &reason), 0);
	assert_int_equal(a.uid, 0);
	assert_int_equal(a.gid, 0);
	assert_int_equal(priv_lookup("0", &a, &reason), 0);
	assert_int_equal(a.uid, 0);
	assert_int_equal(a.gid, 0);
	assert_int_equal(priv_lookup("root:7", &a, &reason), 0);
	assert_int_equal(a.uid, 0);
	assert_int_equal(a.gid, 7);
	assert_int_equal(priv_lookup("0:root", &a, &reason), 0);
	assert_int_equal(a.gid, 0);
	/* UID:GID needs no account; a bare uid without one does. */
	assert_int_equal(priv_lookup("4000000:4000001", &a, &reason), 0);
	assert_int_equal(a.uid, 4000000);
	assert_int_equal(a.gid, 4000001);
	assert_int_equal(priv_lookup("4000000", &a, &reason), -1);
	assert_non_null(strstr(reason, ":GID"));
}

static void
test_lookup_invalid(void **state)
{
	static const char *const bad[] = {
	    "",
	    ":",
	    ":0",
	    "root:",
	    "no-such-user-vmnet",
	    "root:no-such-group-vmnet",
	    "4294967295:0",
	    "0:4294967295",
	    "-1:0",
	};
	struct priv_account a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reason = NULL;
		assert_int_equal(priv_lookup(bad[i], &a, &reason), -1);
		assert_non_null(reason);
	}
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
	    cmocka_unit_test(test_root_caller_drops_to_fallback),
	    cmocka_unit_test(test_root_caller_with_user),
	    cmocka_unit_test(test_user_refused_where_it_does_not_choose),
	    cmocka_unit_test(test_allow_root_keeps_root),
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_lookup_invalid),
	    cmocka_unit_test(test_not_root),
	    cmocka_unit_test(test_verify_without_drop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
