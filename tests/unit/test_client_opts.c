// SPDX-License-Identifier: Apache-2.0
/*
 * test_client_opts.c - vmnet-client's command line: client options,
 * pass-through of helper options, refused options, the command.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client_opts.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static struct client_opts opts;
static char error[OPTIONS_ERROR_MAX];

static int
teardown(void **state)
{
	(void)state;
	client_opts_free(&opts);
	return 0;
}

static void
test_passes_helper_options_in_order(void **state)
{
	char *argv[] = {"vmnet-client",
	                "--operation-mode",
	                "host",
	                "--start-address=192.168.5.1",
	                "--end-address",
	                "192.168.5.100",
	                "--subnet-mask",
	                "255.255.255.0",
	                "-vi",
	                "6d2e8b6e-4c8f-4e32-a4f4-1b2d3e4f5a6b",
	                "--enable-tso",
	                "--",
	                "qemu",
	                "-x",
	                NULL};
	const char *want[] = {
	    "--operation-mode", "host",          "--start-address=192.168.5.1",
	    "--end-address",    "192.168.5.100", "--subnet-mask",
	    "255.255.255.0",    "-vi",           "6d2e8b6e-4c8f-4e32-a4f4-1b2d3e4f5a6b",
	    "--enable-tso"};

	(void)state;
	assert_int_equal(client_opts_parse(ARGC(argv), argv, &opts, error), 0);
	assert_int_equal(opts.helper_argc, 10);
	for (int i = 0; i < 10; i++)
		assert_string_equal(opts.helper_args[i], want[i]);
	assert_null(opts.helper_args[10]);
	assert_string_equal(opts.command[0], "qemu");
	assert_string_equal(opts.command[1], "-x");
	assert_null(opts.command[2]);
	assert_true(opts.helper_opts.verbose);
	assert_true(opts.helper_opts.enable_tso);
	assert_int_equal(opts.helper_opts.mode, OPTIONS_MODE_HOST);
}

static void
test_client_options_are_not_passed(void **state)
{
	char *argv[] = {"vmnet-client",
	                "--helper",
	                "/x/vmnet-helper",
	                "--info-file=/t/i",
	                "--grace-period",
	                "7",
	                "--",
	                "cmd",
	                NULL};

	(void)state;
	assert_int_equal(client_opts_parse(ARGC(argv), argv, &opts, error), 0);
	assert_int_equal(opts.helper_argc, 0);
	assert_string_equal(opts.helper, "/x/vmnet-helper");
	assert_string_equal(opts.info_file, "/t/i");
	assert_int_equal(opts.grace, 7);
	assert_false(opts.helper_opts.verbose);
}

static void
test_defaults(void **state)
{
	char *argv[] = {"vmnet-client", "--", "cmd", NULL};

	(void)state;
	assert_int_equal(client_opts_parse(ARGC(argv), argv, &opts, error), 0);
	assert_null(opts.helper);
	assert_null(opts.info_file);
	assert_int_equal(opts.grace, CLIENT_OPTS_GRACE_DEFAULT);
	assert_int_equal(opts.helper_opts.mode, OPTIONS_MODE_SHARED);
}

/* Parse @argv expecting failure with @needle in the message. */
static void
expect_error(char **argv, int argc, const char *needle)
{
	assert_int_equal(client_opts_parse(argc, argv, &opts, error), -1);
	if (strstr(error, needle) == NULL)
		fail_msg("error '%s' does not mention '%s'", error, needle);
	client_opts_free(&opts);
}

static void
test_refuses_connection_and_action_options(void **state)
{
	char *fd[] = {"c", "--fd", "3", "--", "cmd", NULL};
	char *fd_eq[] = {"c", "--fd=3", "--", "cmd", NULL};
	char *fd_short[] = {"c", "-f3", "--", "cmd", NULL};
	char *sock[] = {"c", "--socket", "/tmp/s", "--", "cmd", NULL};
	char *sock_short[] = {"c", "-vs", "/tmp/s", "--", "cmd", NULL};
	char *list[] = {"c", "--list-shared-interfaces", "--", "cmd", NULL};

	(void)state;
	expect_error(fd, ARGC(fd), "--fd");
	expect_error(fd_eq, ARGC(fd_eq), "--fd");
	expect_error(fd_short, ARGC(fd_short), "--fd");
	expect_error(sock, ARGC(sock), "--socket");
	expect_error(sock_short, ARGC(sock_short), "--socket");
	expect_error(list, ARGC(list), "--list-shared-interfaces");
}

static void
test_errors(void **state)
{
	char *unknown[] = {"c", "--bogus", "--", "cmd", NULL};
	char *unknown_short[] = {"c", "-q", "--", "cmd", NULL};
	char *no_command[] = {"c", "--enable-tso", "--", NULL};
	char *no_dashes[] = {"c", "--enable-tso", NULL};
	char *positional[] = {"c", "qemu", NULL};
	char *missing_arg[] = {"c", "--start-address", "--", "cmd", NULL};
	char *missing_client_arg[] = {"c", "--helper", NULL};
	char *flag_with_arg[] = {"c", "--enable-tso=1", "--", "cmd", NULL};
	char *bad_mode[] = {"c", "--operation-mode", "nat", "--", "cmd", NULL};
	char *partial_range[] = {"c", "--start-address", "192.168.5.1", "--", "cmd", NULL};
	char *bad_grace[] = {"c", "--grace-period", "5s", "--", "cmd", NULL};
	char *big_grace[] = {"c", "--grace-period", "3601", "--", "cmd", NULL};

	(void)state;
	expect_error(unknown, ARGC(unknown), "--bogus");
	expect_error(unknown_short, ARGC(unknown_short), "-q");
	expect_error(no_command, ARGC(no_command), "missing command");
	expect_error(no_dashes, ARGC(no_dashes), "missing command");
	expect_error(positional, ARGC(positional), "qemu");
	expect_error(missing_arg, ARGC(missing_arg), "requires an argument");
	expect_error(missing_client_arg, ARGC(missing_client_arg), "requires an argument");
	expect_error(flag_with_arg, ARGC(flag_with_arg), "no argument");
	/* Helper values are checked by the helper's own parser. */
	expect_error(bad_mode, ARGC(bad_mode), "operation-mode");
	expect_error(partial_range, ARGC(partial_range), "address");
	expect_error(bad_grace, ARGC(bad_grace), "--grace-period");
	expect_error(big_grace, ARGC(big_grace), "--grace-period");
}

/* Network options pass through, repeatable ones too, and get the helper's checks. */
static void
test_network_options(void **state)
{
	char *argv[] = {"c",
	                "--port-forward",
	                "tcp:8080:[fd00::5]:80",
	                "--port-forward",
	                "udp:5353:[fd00::5]:53",
	                "--disable-dhcp",
	                "--",
	                "cmd",
	                NULL};
	char *bad[] = {"c", "--mtu", "10", "--", "cmd", NULL};

	(void)state;
	assert_int_equal(client_opts_parse(ARGC(argv), argv, &opts, error), 0);
	assert_int_equal(opts.helper_argc, 5);
	assert_string_equal(opts.helper_args[3], "udp:5353:[fd00::5]:53");
	assert_int_equal(opts.helper_opts.net.nforwards, 2);
	assert_true(opts.helper_opts.net.disable_dhcp);
	client_opts_free(&opts);
	expect_error(bad, ARGC(bad), "--mtu");
}

static void
test_help_and_version(void **state)
{
	char *help[] = {"c", "-h", NULL};
	char *help_long[] = {"c", "--enable-tso", "--help", NULL};
	char *version[] = {"c", "--version", NULL};

	(void)state;
	assert_int_equal(client_opts_parse(ARGC(help), help, &opts, error), 0);
	assert_true(opts.help);
	client_opts_free(&opts);
	assert_int_equal(client_opts_parse(ARGC(help_long), help_long, &opts, error), 0);
	assert_true(opts.help);
	client_opts_free(&opts);
	assert_int_equal(client_opts_parse(ARGC(version), version, &opts, error), 0);
	assert_true(opts.version);
	assert_false(opts.help);
}

/* Each client option may be given once, as each helper option may. */
static void
test_client_options_once(void **state)
{
	char *helper[] = {"c", "--helper", "/a", "--helper=/b", "--", "cmd", NULL};
	char *info[] = {"c", "--info-file", "/a", "--info-file", "/b", "--", "cmd", NULL};
	char *grace[] = {"c", "--grace-period", "1", "--grace-period", "2", "--", "cmd", NULL};
	char *help[] = {"c", "-h", "--help", NULL};

	(void)state;
	expect_error(helper, ARGC(helper), "--helper: given more than once");
	expect_error(info, ARGC(info), "--info-file: given more than once");
	expect_error(grace, ARGC(grace), "--grace-period: given more than once");
	expect_error(help, ARGC(help), "--help: given more than once");
}

static void
test_helper_path_checked(void **state)
{
	char long_path[PATH_MAX + 1];
	char *empty[] = {"c", "--helper", "", "--", "cmd", NULL};
	char *empty_eq[] = {"c", "--helper=", "--", "cmd", NULL};
	char *too_long[] = {"c", "--helper", long_path, "--", "cmd", NULL};

	(void)state;
	memset(long_path, 'x', PATH_MAX);
	long_path[PATH_MAX] = '\0';
	expect_error(empty, ARGC(empty), "--helper: invalid value '': empty path");
	expect_error(empty_eq, ARGC(empty_eq), "empty path");
	expect_error(too_long, ARGC(too_long), "--helper: path longer than");
}

/* Options after "--" belong to the command, even helper-looking ones. */
static void
test_command_keeps_its_options(void **state)
{
	char *argv[] = {"c", "--", "vfkit", "--fd", "3", "--help", NULL};

	(void)state;
	assert_int_equal(client_opts_parse(ARGC(argv), argv, &opts, error), 0);
	assert_false(opts.help);
	assert_int_equal(opts.helper_argc, 0);
	assert_string_equal(opts.command[1], "--fd");
	assert_string_equal(opts.command[3], "--help");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_client_options_once),
	    cmocka_unit_test(test_helper_path_checked),
	    cmocka_unit_test_teardown(test_passes_helper_options_in_order, teardown),
	    cmocka_unit_test_teardown(test_client_options_are_not_passed, teardown),
	    cmocka_unit_test_teardown(test_defaults, teardown),
	    cmocka_unit_test_teardown(test_refuses_connection_and_action_options, teardown),
	    cmocka_unit_test_teardown(test_errors, teardown),
	    cmocka_unit_test_teardown(test_network_options, teardown),
	    cmocka_unit_test_teardown(test_help_and_version, teardown),
	    cmocka_unit_test_teardown(test_command_keeps_its_options, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
