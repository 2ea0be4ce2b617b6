// SPDX-License-Identifier: Apache-2.0
/*
 * test_client_launch.c - the helper's argv in each launch mode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "client_launch.h"
#include "vmnet_if.h"

#define HELPER "/opt/vmnet-helper/bin/vmnet-helper"

static char *opts[] = {"--operation-mode", "host", "-v"};

static void
expect_argv(const char **got, int n, const char *const *want)
{
	int i;

	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < n);
		assert_string_equal(got[i], want[i]);
	}
	assert_int_equal(n, i);
	assert_null(got[n]);
}

static void
test_direct(void **state)
{
	struct client_launch l = {.helper = HELPER, .mode = CLIENT_LAUNCH_DIRECT};
	const char *want[] = {HELPER, "--fd", "3", "--operation-mode", "host", "-v", NULL};
	const char *argv[16];

	(void)state;
	expect_argv(argv, client_launch_argv(&l, NULL, opts, 3, argv, 16), want);
}

static void
test_sudo_fd_never_prompts(void **state)
{
	struct client_launch l = {.helper = HELPER, .mode = CLIENT_LAUNCH_SUDO_FD};
	const char *want[] = {"sudo", "--non-interactive", "--close-from=4", HELPER, "--fd",
	                      "3",    "--operation-mode",  "host",           "-v",   NULL};
	const char *argv[16];

	(void)state;
	expect_argv(argv, client_launch_argv(&l, NULL, opts, 3, argv, 16), want);
	/* The real start never prompts, even on a terminal: the probe did. */
	l.interactive = true;
	expect_argv(argv, client_launch_argv(&l, NULL, opts, 3, argv, 16), want);
}

static void
test_sudo_socket(void **state)
{
	struct client_launch l = {.helper = HELPER, .mode = CLIENT_LAUNCH_SUDO_SOCKET};
	const char *want[] = {"sudo",
	                      "--non-interactive",
	                      HELPER,
	                      "--socket",
	                      "/tmp/d/helper.sock",
	                      "--operation-mode",
	                      "host",
	                      "-v",
	                      NULL};
	const char *argv[16];

	(void)state;
	expect_argv(argv, client_launch_argv(&l, "/tmp/d/helper.sock", opts, 3, argv, 16), want);
}

static void
test_probes(void **state)
{
	struct client_launch l = {.helper = HELPER, .mode = CLIENT_LAUNCH_SUDO_FD};
	const char *fd_batch[] = {"sudo", "--non-interactive", "--close-from=4",
	                          HELPER, "--version",         NULL};
	const char *fd_tty[] = {"sudo", "--close-from=4", HELPER, "--version", NULL};
	const char *socket_tty[] = {"sudo", HELPER, "--version", NULL};
	const char *argv[16];

	(void)state;
	expect_argv(argv, client_launch_argv(&l, NULL, NULL, 0, argv, 16), fd_batch);
	/* On a terminal the probe may ask for a password. */
	l.interactive = true;
	expect_argv(argv, client_launch_argv(&l, NULL, NULL, 0, argv, 16), fd_tty);
	l.mode = CLIENT_LAUNCH_SUDO_SOCKET;
	expect_argv(argv, client_launch_argv(&l, NULL, NULL, 0, argv, 16), socket_tty);
}

static void
test_too_small(void **state)
{
	struct client_launch l = {.helper = HELPER, .mode = CLIENT_LAUNCH_SUDO_FD};
	const char *argv[9];

	(void)state;
	/* 9 arguments and the NULL need 10 slots. */
	assert_int_equal(client_launch_argv(&l, NULL, opts, 3, argv, 9), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(client_launch_argv(&l, NULL, opts, 3, argv, 0), -1);
}

/* A direct start refused for lack of authorization is tried once with sudo. */
static void
test_fall_back_to_sudo(void **state)
{
	struct client_launch l = {.helper = HELPER, .mode = CLIENT_LAUNCH_DIRECT};
	int refused = VMNET_IF_EXIT_NOT_AUTHORIZED << 8; /* wait status: exited 77 */

	(void)state;
	assert_true(WIFEXITED(refused) && WEXITSTATUS(refused) == VMNET_IF_EXIT_NOT_AUTHORIZED);
	assert_false(client_launch_fall_back(&l, true, refused));
	assert_false(client_launch_fall_back(&l, false, 1 << 8));
	assert_false(client_launch_fall_back(&l, false, SIGKILL));
	assert_false(l.direct_refused);
	assert_true(client_launch_fall_back(&l, false, refused));
	assert_true(l.direct_refused);
	/* Only once, and never from sudo. */
	assert_false(client_launch_fall_back(&l, false, refused));
	l.direct_refused = false;
	l.mode = CLIENT_LAUNCH_SUDO_FD;
	assert_false(client_launch_fall_back(&l, false, refused));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_direct),      cmocka_unit_test(test_sudo_fd_never_prompts),
	    cmocka_unit_test(test_sudo_socket), cmocka_unit_test(test_probes),
	    cmocka_unit_test(test_too_small),   cmocka_unit_test(test_fall_back_to_sudo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
