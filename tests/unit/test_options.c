// SPDX-License-Identifier: Apache-2.0
/*
 * test_options.c - option parsing, value checks and rules between options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sys/un.h>

#include "options.h"

static char error[OPTIONS_ERROR_MAX];
static struct options opts;

/* Parse the given arguments after a program name. */
#define PARSE(...) parse_args((char *[]){"vmnet-helper", __VA_ARGS__, NULL})

static int
parse_args(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return options_parse(argc, argv, &opts, error);
}

static void
expect_error(const char *needle)
{
	assert_non_null(strstr(error, needle));
}

static void
test_fd_minimal(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd", "3"), 0);
	assert_int_equal(opts.action, OPTIONS_RUN);
	assert_int_equal(opts.fd, 3);
	assert_null(opts.socket_path);
	assert_int_equal(opts.mode, OPTIONS_MODE_SHARED);
	assert_false(opts.has_interface_id);
	assert_false(opts.has_dhcp_range);
	assert_int_equal(opts.stats_interval, 0);
	assert_false(opts.verbose);
	assert_false(opts.allow_root);
}

static void
test_fd_forms(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd=7"), 0);
	assert_int_equal(opts.fd, 7);
	assert_int_equal(PARSE("-f", "8"), 0);
	assert_int_equal(opts.fd, 8);
	assert_int_equal(PARSE("-f9"), 0);
	assert_int_equal(opts.fd, 9);
	assert_int_equal(PARSE("-vf", "10"), 0);
	assert_int_equal(opts.fd, 10);
	assert_true(opts.verbose);
}

static void
test_fd_invalid(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd", "abc"), -1);
	expect_error("--fd: invalid value 'abc': not a decimal number");
	assert_int_equal(PARSE("--fd", "-3"), -1);
	expect_error("--fd");
	assert_int_equal(PARSE("--fd", "3x"), -1);
	assert_int_equal(PARSE("--fd", " 3"), -1);
	assert_int_equal(PARSE("--fd", ""), -1);
	assert_int_equal(PARSE("--fd", "2147483648"), -1);
	expect_error("out of range");
	/* Too many digits and then a letter: not a number, not out of range. */
	assert_int_equal(PARSE("--fd", "99999999999999999999x"), -1);
	expect_error("not a decimal number");
	assert_int_equal(PARSE("--fd", "0"), -1);
	expect_error("standard");
	assert_int_equal(PARSE("--fd", "1"), -1);
	expect_error("standard");
	assert_int_equal(PARSE("--fd", "2"), -1);
	expect_error("standard");
	assert_int_equal(PARSE("--fd"), -1);
	expect_error("--fd: requires an argument");
	assert_int_equal(PARSE("-f"), -1);
	expect_error("--fd: requires an argument");
}

static void
test_connection_rules(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-v"), -1);
	expect_error("one of them is required");
	assert_int_equal(PARSE("--fd", "3", "--socket", "/tmp/s"), -1);
	expect_error("only one of them may be given");
	assert_int_equal(PARSE("--fd", "3", "--serve-stream", "/tmp/s"), -1);
	expect_error("only one of them may be given");
	assert_int_equal(PARSE("--socket", "/tmp/a", "--serve-stream", "/tmp/s"), -1);
	expect_error("only one of them may be given");
	assert_int_equal(PARSE("--serve-stream", "/tmp/s", "--serve-group", "vmnet"), 0);
	assert_string_equal(opts.serve_path, "/tmp/s");
	assert_string_equal(opts.serve_group, "vmnet");
	assert_int_equal(PARSE("--fd", "3", "--serve-group", "vmnet"), -1);
	expect_error("--serve-group: only valid with --serve-stream");
	assert_int_equal(
	    PARSE("--serve-stream", "/tmp/s", "-i", "6F1E0A52-3C4D-4E5F-8A9B-0C1D2E3F4A5B"), -1);
	expect_error("--interface-id: not valid with --serve-stream");
	assert_int_equal(PARSE("--serve-stream", "/tmp/s", "--user", "nobody"), -1);
	expect_error("--user: not valid with --serve-stream");
	assert_int_equal(PARSE("--serve-stream", ""), -1);
	expect_error("--serve-stream: invalid value '': empty path");
	assert_int_equal(PARSE("--socket", "/tmp/vm.sock"), 0);
	assert_string_equal(opts.socket_path, "/tmp/vm.sock");
	assert_int_equal(opts.fd, -1);
}

static void
test_socket_path_length(void **state)
{
	char path[200];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(PARSE("--socket", path), -1);
	expect_error("--socket: invalid value");
	expect_error("path longer than");
	assert_int_equal(PARSE("--socket", ""), -1);
	expect_error("empty path");
	/* The longest path that fits sun_path with its NUL. */
	path[sizeof(((struct sockaddr_un *)0)->sun_path) - 1] = '\0';
	assert_int_equal(PARSE("-s", path), 0);
}

static void
test_unknown_and_positional(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd", "3", "--bogus"), -1);
	assert_string_equal(error, "--bogus: unknown option");
	assert_int_equal(PARSE("--fd", "3", "-x"), -1);
	assert_string_equal(error, "-x: unknown option");
	assert_int_equal(PARSE("--fd", "3", "extra"), -1);
	assert_string_equal(error, "'extra': unexpected argument");
	assert_int_equal(PARSE("--fd", "3", "--"), -1);
	assert_int_equal(PARSE("--fd", "3", "-"), -1);
	/* No abbreviations. */
	assert_int_equal(PARSE("--fd", "3", "--verb"), -1);
	assert_int_equal(PARSE("--fd", "3", "--verbose=yes"), -1);
	assert_string_equal(error, "--verbose: takes no argument");
}

static void
test_repeated(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd", "3", "--fd", "4"), -1);
	assert_string_equal(error, "--fd: given more than once");
	assert_int_equal(PARSE("--fd", "3", "-v", "--verbose"), -1);
}

static void
test_actions(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--help"), 0);
	assert_int_equal(opts.action, OPTIONS_HELP);
	assert_int_equal(PARSE("-h"), 0);
	assert_int_equal(opts.action, OPTIONS_HELP);
	assert_int_equal(PARSE("--version"), 0);
	assert_int_equal(opts.action, OPTIONS_VERSION);
	assert_int_equal(PARSE("--list-shared-interfaces"), 0);
	assert_int_equal(opts.action, OPTIONS_LIST_SHARED_INTERFACES);
	/* An error before the action still counts. */
	assert_int_equal(PARSE("--bogus", "--help"), -1);
}

static void
test_interface_id(void **state)
{
	static const uint8_t want[16] = {0xc0, 0xff, 0xee, 0x00, 0x12, 0x34, 0x56, 0x78,
	                                 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67};

	(void)state;
	assert_int_equal(PARSE("--fd", "3", "-i", "C0FFEE00-1234-5678-9abc-def001234567"), 0);
	assert_true(opts.has_interface_id);
	assert_memory_equal(opts.interface_id, want, 16);
	assert_int_equal(PARSE("--fd", "3", "--interface-id", "not-a-uuid"), -1);
	expect_error("--interface-id: invalid value 'not-a-uuid'");
}

static void
test_modes(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd", "3", "--operation-mode", "host"), 0);
	assert_int_equal(opts.mode, OPTIONS_MODE_HOST);
	assert_int_equal(PARSE("--fd", "3", "--operation-mode=shared"), 0);
	assert_int_equal(opts.mode, OPTIONS_MODE_SHARED);
	assert_int_equal(PARSE("--fd", "3", "--operation-mode", "nat"), -1);
	expect_error("expected shared, host or bridged");
	assert_int_equal(PARSE("--fd", "3", "--operation-mode", "Shared"), -1);
}

static void
test_bridged(void **state)
{
	(void)state;
	assert_int_equal(
	    PARSE("--fd", "3", "--operation-mode", "bridged", "--shared-interface", "en0"), 0);
	assert_int_equal(opts.mode, OPTIONS_MODE_BRIDGED);
	assert_string_equal(opts.shared_interface, "en0");
	assert_int_equal(PARSE("--fd", "3", "--operation-mode", "bridged"), -1);
	expect_error("requires --shared-interface");
	assert_int_equal(PARSE("--fd", "3", "--shared-interface", "en0"), -1);
	expect_error("--shared-interface: only valid with --operation-mode bridged");
	assert_int_equal(
	    PARSE("--fd", "3", "--operation-mode", "host", "--shared-interface", "en0"), -1);
	assert_int_equal(PARSE("--fd", "3", "--operation-mode", "bridged", "--shared-interface",
	                       "en0", "--enable-isolation"),
	                 -1);
	expect_error("--enable-isolation: not valid in bridged mode");
	assert_int_equal(PARSE("--fd", "3", "--operation-mode", "bridged", "--shared-interface",
	                       "en0", "--start-address", "192.168.5.1", "--end-address",
	                       "192.168.5.254", "--subnet-mask", "255.255.255.0"),
	                 -1);
	expect_error("not valid in bridged mode");
}

static void
test_dhcp_range(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd", "3", "--start-address", "192.168.5.1", "--end-address",
	                       "192.168.5.254", "--subnet-mask", "255.255.255.0"),
	                 0);
	assert_true(opts.has_dhcp_range);
	assert_string_equal(opts.start_address, "192.168.5.1");
	assert_string_equal(opts.end_address, "192.168.5.254");
	assert_string_equal(opts.subnet_mask, "255.255.255.0");
	assert_int_equal(PARSE("--fd", "3", "--operation-mode", "host", "--start-address",
	                       "10.1.0.1", "--end-address", "10.1.255.200", "--subnet-mask",
	                       "255.255.0.0"),
	                 0);
	assert_int_equal(
	    PARSE("--fd", "3", "--start-address", "192.168.5.1", "--end-address", "192.168.5.254"),
	    -1);
	expect_error("give all three or none");
	assert_int_equal(PARSE("--fd", "3", "--subnet-mask", "255.255.255.0"), -1);
	assert_int_equal(PARSE("--fd", "3", "--start-address", "192.168.5.300"), -1);
	expect_error("--start-address: invalid value '192.168.5.300'");
	assert_int_equal(PARSE("--fd", "3", "--start-address", "8.8.8.1", "--end-address",
	                       "8.8.8.254", "--subnet-mask", "255.255.255.0"),
	                 -1);
	expect_error("RFC 1918");
	assert_int_equal(PARSE("--fd", "3", "--start-address", "192.168.5.9", "--end-address",
	                       "192.168.5.2", "--subnet-mask", "255.255.255.0"),
	                 -1);
	expect_error("lower than end");
}

static void
test_nat66(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd", "3", "--nat66-prefix", "fd12:3456:789a:1::"), 0);
	assert_true(opts.has_nat66_prefix);
	assert_string_equal(opts.nat66_prefix, "fd12:3456:789a:1::");
	assert_int_equal(PARSE("--fd", "3", "--nat66-prefix", "FD12:3456:789A:0001::/64"), 0);
	assert_string_equal(opts.nat66_prefix, "fd12:3456:789a:1::");
	assert_int_equal(
	    PARSE("--fd", "3", "--operation-mode", "host", "--nat66-prefix", "fd12:3456:789a:1::"),
	    -1);
	expect_error("--nat66-prefix: only valid in shared mode");
	assert_int_equal(PARSE("--fd", "3", "--nat66-prefix", "2001:db8::/64"), -1);
	expect_error("unique local");
}

static void
test_flags(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd", "3", "--enable-tso", "--enable-checksum-offload",
	                       "--enable-isolation", "--allow-root", "--verbose"),
	                 0);
	assert_true(opts.enable_tso);
	assert_true(opts.enable_checksum_offload);
	assert_true(opts.enable_isolation);
	assert_true(opts.allow_root);
	assert_true(opts.verbose);
	assert_int_equal(PARSE("--fd", "3", "--operation-mode", "host", "--enable-isolation"), 0);
}

static void
test_stats_interval(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--fd", "3", "--stats-interval", "5"), 0);
	assert_int_equal(opts.stats_interval, 5);
	assert_int_equal(PARSE("--fd", "3", "--stats-interval", "0"), -1);
	expect_error("at least 1");
	assert_int_equal(PARSE("--fd", "3", "--stats-interval", "1.5"), -1);
	expect_error("not a decimal number");
	assert_int_equal(PARSE("--fd", "3", "--stats-interval", "2147483647"), 0);
	assert_int_equal(opts.stats_interval, 2147483647u);
	assert_int_equal(PARSE("--fd", "3", "--stats-interval", "2147483648"), -1);
	expect_error("--stats-interval: invalid value '2147483648': must be at most 2147483647 "
	             "seconds");
	assert_int_equal(PARSE("--fd", "3", "--stats-interval", "99999999999999999999"), -1);
	expect_error("must be at most");
}

static void
test_lookup(void **state)
{
	const struct options_spec *s;

	(void)state;
	s = options_lookup_long("fd=3", 2);
	assert_non_null(s);
	assert_true(s->has_arg);
	assert_true(s->flags & OPTIONS_F_CONNECTION);
	s = options_lookup_long("enable-tso", strlen("enable-tso"));
	assert_non_null(s);
	assert_false(s->has_arg);
	assert_int_equal(s->flags, 0);
	s = options_lookup_short('i');
	assert_non_null(s);
	assert_string_equal(s->name, "interface-id");
	assert_null(options_lookup_long("fdx", 3));
	assert_null(options_lookup_long("f", 1));
	assert_null(options_lookup_short('z'));
	assert_null(options_lookup_short('\0'));
	assert_true(options_lookup_long("help", 4)->flags & OPTIONS_F_ACTION);
}

static void
test_network(void **state)
{
	static char *conflicts[][2] = {
	    {"--operation-mode", "host"},
	    {"--start-address", "10.0.0.1"},
	    {"--mtu", "9000"},
	    {"--nat66-prefix", "fd00:1:2:3::"},
	    {"--interface-id", "5b4c3a1e-0f2d-4e6a-9b8c-7d6e5f4a3b2c"},
	    {"--disable-dhcp", NULL},
	};
	size_t i;

	(void)state;
	assert_int_equal(PARSE("--fd", "3", "--network", "lab"), 0);
	assert_string_equal(opts.network_name, "lab");
	assert_null(opts.network_service);
	assert_int_equal(PARSE("--fd", "3", "--network", "shared", "--network-service",
	                       "com.github.nirs.vmnet-broker", "--enable-tso",
	                       "--enable-isolation"),
	                 0);
	assert_string_equal(opts.network_service, "com.github.nirs.vmnet-broker");
	assert_true(opts.enable_tso);
	for (i = 0; i < sizeof(conflicts) / sizeof(conflicts[0]); i++) {
		if (conflicts[i][1])
			assert_int_equal(
			    PARSE("--fd", "3", "--network", "x", conflicts[i][0], conflicts[i][1]),
			    -1);
		else
			assert_int_equal(PARSE("--fd", "3", "--network", "x", conflicts[i][0]), -1);
		expect_error("--network and ");
		expect_error(conflicts[i][0] + 2);
		expect_error("cannot be used together");
	}
	assert_int_equal(PARSE("--fd", "3", "--network", ""), -1);
	expect_error("--network: invalid value '': empty network name");
	assert_int_equal(PARSE("--network", "x"), -1);
	expect_error("--fd, --socket or --serve-stream: one of them is required");
	assert_int_equal(PARSE("--fd", "3", "--network-service", "x"), -1);
	expect_error("--network-service: only valid with --network or --serve-networks");
	assert_int_equal(PARSE("--fd", "3", "--network-config", "/x"), -1);
	expect_error("--network-config: only valid with --network or --serve-networks");
}

static void
test_serve_networks(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--serve-networks"), 0);
	assert_true(opts.serve_networks);
	assert_int_equal(PARSE("--serve-networks", "--network-config", "/etc/n.conf", "-v",
	                       "--network-service", "a.b"),
	                 0);
	assert_string_equal(opts.network_config, "/etc/n.conf");
	assert_true(opts.verbose);
	assert_int_equal(PARSE("--serve-networks", "--fd", "3"), -1);
	expect_error("--serve-networks and --fd: cannot be used together");
	assert_int_equal(PARSE("--serve-networks", "--mtu", "1500"), -1);
	expect_error("--serve-networks and --mtu");
	assert_int_equal(PARSE("--serve-networks", "--network", "x"), -1);
	expect_error("--serve-networks and --network");
}

static void
test_describes_network(void **state)
{
	(void)state;
	assert_true(options_describes_network(options_lookup_long("operation-mode", 14)));
	assert_true(options_describes_network(options_lookup_long("mtu", 3)));
	assert_true(options_describes_network(options_lookup_long("port-forward", 12)));
	assert_false(options_describes_network(options_lookup_long("fd", 2)));
	assert_false(options_describes_network(options_lookup_long("enable-tso", 10)));
	assert_false(options_describes_network(options_lookup_long("network", 7)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_network),
	    cmocka_unit_test(test_serve_networks),
	    cmocka_unit_test(test_describes_network),
	    cmocka_unit_test(test_fd_minimal),
	    cmocka_unit_test(test_fd_forms),
	    cmocka_unit_test(test_fd_invalid),
	    cmocka_unit_test(test_connection_rules),
	    cmocka_unit_test(test_socket_path_length),
	    cmocka_unit_test(test_unknown_and_positional),
	    cmocka_unit_test(test_repeated),
	    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_interface_id),
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_bridged),
	    cmocka_unit_test(test_dhcp_range),
	    cmocka_unit_test(test_nat66),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_stats_interval),
	    cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
