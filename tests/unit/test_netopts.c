// SPDX-License-Identifier: Apache-2.0
/*
 * test_netopts.c - the network options: each value valid and invalid, the
 * rules between them, and which API (if any) serves them on a given macOS.
 * Parsed through options_parse(), so the option table's wiring is covered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "netopts.h"
#include "options.h"

static char error[OPTIONS_ERROR_MAX];
static struct options opts;

#define RANGE                                                                                      \
	"--start-address", "192.168.70.1", "--end-address", "192.168.70.254", "--subnet-mask",     \
	    "255.255.255.0"

/* Parse "--fd 3" and the given arguments. */
#define PARSE(...) parse_args((char *[]){"vmnet-helper", "--fd", "3", __VA_ARGS__, NULL})

static int
parse_args(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return options_parse(argc, argv, &opts, error);
}

/* The argument list fails with a message containing @needle. */
#define FAILS(needle, ...)                                                                         \
	do {                                                                                       \
		assert_int_equal(PARSE(__VA_ARGS__), -1);                                          \
		if (!strstr(error, needle))                                                        \
			fail_msg("'%s' not in '%s'", needle, error);                               \
	} while (0)

static enum netopts_api
plan(bool have_26)
{
	char msg[NETOPTS_ERROR_MAX];
	enum netopts_api api = NETOPTS_API_CLASSIC;

	assert_int_equal(netopts_plan(&opts.net, have_26, &api, msg), 0);
	return api;
}

static void
needs_26(const char *option)
{
	char msg[NETOPTS_ERROR_MAX], want[64];
	enum netopts_api api;

	assert_int_equal(netopts_plan(&opts.net, false, &api, msg), -1);
	snprintf(want, sizeof(want), "--%s needs macOS 26", option);
	assert_string_equal(msg, want);
	assert_int_equal(plan(true), NETOPTS_API_NETWORK);
}

static void
test_mtu(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--mtu", "9000"), 0);
	assert_true(opts.net.has_mtu);
	assert_int_equal(opts.net.mtu, 9000);
	/* The 26 network API where it exists, else the classic description. */
	assert_int_equal(plan(true), NETOPTS_API_NETWORK);
	assert_int_equal(plan(false), NETOPTS_API_CLASSIC);
	assert_int_equal(PARSE("--mtu=576"), 0);
	FAILS("--mtu: invalid value '575'", "--mtu", "575");
	FAILS("--mtu: invalid value '9001'", "--mtu", "9001");
	FAILS("--mtu: invalid value '1500x'", "--mtu", "1500x");
	FAILS("given more than once", "--mtu", "1500", "--mtu", "1500");
	FAILS("not valid in bridged mode", "--mtu", "1500", "--operation-mode", "bridged",
	      "--shared-interface", "br0");
	/* What only the classic interface honours keeps --mtu there. */
	assert_int_equal(
	    PARSE("--mtu", "9000", "--interface-id", "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60"), 0);
	assert_int_equal(plan(true), NETOPTS_API_CLASSIC);
	assert_int_equal(PARSE("--mtu", "9000", "--start-address", "192.168.70.1", "--end-address",
	                       "192.168.70.100", "--subnet-mask", "255.255.255.0"),
	                 0);
	assert_int_equal(plan(true), NETOPTS_API_CLASSIC);
	FAILS("--interface-id and --disable-dhcp", "--mtu", "1500", "--disable-dhcp",
	      "--interface-id", "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60");
}

static void
test_no_network_options_stay_classic(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--operation-mode", "host"), 0);
	assert_int_equal(plan(true), NETOPTS_API_CLASSIC);
	assert_int_equal(plan(false), NETOPTS_API_CLASSIC);
}

static void
test_ipv6_prefix(void **state)
{
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(PARSE("--ipv6-prefix", "fd12:3456:789a:1::/64"), 0);
	assert_string_equal(inet_ntop(AF_INET6, &opts.net.ipv6_prefix, buf, sizeof(buf)),
	                    "fd12:3456:789a:1::");
	assert_int_equal(opts.net.ipv6_prefix_len, 64);
	needs_26("ipv6-prefix");
	assert_int_equal(PARSE("--ipv6-prefix", "fd12::/48"), 0);
	FAILS("expected PREFIX/LEN", "--ipv6-prefix", "fd12::");
	FAILS("unique local", "--ipv6-prefix", "2001:db8::/64");
	FAILS("prefix length", "--ipv6-prefix", "fd12::/65");
	FAILS("bits set after", "--ipv6-prefix", "fd12::1/64");
	FAILS("not an IPv6 address", "--ipv6-prefix", "fdxx::/64");
	FAILS("--ipv6-prefix and --nat66-prefix", "--ipv6-prefix", "fd12::/64", "--nat66-prefix",
	      "fd00:1:2:3::");
}

static void
test_disable_flags(void **state)
{
	static const char *const flags[] = {"disable-dhcp", "disable-dns-proxy", "disable-nat44",
	                                    "disable-nat66", "disable-router-advertisement"};
	char arg[64];

	(void)state;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		snprintf(arg, sizeof(arg), "--%s", flags[i]);
		assert_int_equal(PARSE(arg), 0);
		needs_26(flags[i]);
		FAILS("takes no argument", strcat(arg, "=1"));
	}
	assert_int_equal(PARSE("--disable-dhcp", "--operation-mode", "host"), 0);
	FAILS("--disable-nat44: only valid in shared mode", "--disable-nat44", "--operation-mode",
	      "host");
	FAILS("--disable-nat66: only valid in shared mode", "--disable-nat66", "--operation-mode",
	      "host");
}

static void
test_external_interface(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--external-interface", "en0"), 0);
	assert_string_equal(opts.net.external_interface, "en0");
	needs_26("external-interface");
	FAILS("not an interface name", "--external-interface", "");
	FAILS("not an interface name", "--external-interface", "a\"b");
	FAILS("not an interface name", "--external-interface", "sixteen-chars-xx");
	FAILS("--external-interface: only valid in shared mode", "--external-interface", "en0",
	      "--operation-mode", "host");
}

static void
test_dhcp_reservation(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--dhcp-reservation", "52:54:00:12:34:56=192.168.70.10",
	                       "--dhcp-reservation", "52:54:00:12:34:57=192.168.70.11", RANGE),
	                 0);
	assert_int_equal(opts.net.nreservations, 2);
	assert_int_equal(opts.net.reservations[1].mac[5], 0x57);
	needs_26("dhcp-reservation");
	FAILS("expected MAC=IPV4", "--dhcp-reservation", "52:54:00:12:34=192.168.70.10", RANGE);
	FAILS("expected MAC=IPV4", "--dhcp-reservation", "52:54:00:12:34:56", RANGE);
	FAILS("not a unicast MAC", "--dhcp-reservation", "01:00:5e:00:00:01=192.168.70.10", RANGE);
	FAILS("not a unicast MAC", "--dhcp-reservation", "00:00:00:00:00:00=192.168.70.10", RANGE);
	FAILS("dotted-quad", "--dhcp-reservation", "52:54:00:12:34:56=192.168.70", RANGE);
	FAILS("already has a reservation", "--dhcp-reservation", "52:54:00:12:34:56=192.168.70.10",
	      "--dhcp-reservation", "52:54:00:12:34:56=192.168.70.11", RANGE);
	FAILS("already reserved", "--dhcp-reservation", "52:54:00:12:34:56=192.168.70.10",
	      "--dhcp-reservation", "52:54:00:12:34:57=192.168.70.10", RANGE);
	FAILS("the subnet must be known", "--dhcp-reservation", "52:54:00:12:34:56=192.168.70.10");
	FAILS("192.168.71.10 is not a client address", "--dhcp-reservation",
	      "52:54:00:12:34:56=192.168.71.10", RANGE);
	/* The gateway, network and broadcast addresses are no client's. */
	FAILS("192.168.70.1 is not", "--dhcp-reservation", "52:54:00:12:34:56=192.168.70.1", RANGE);
	FAILS("192.168.70.0 is not", "--dhcp-reservation", "52:54:00:12:34:56=192.168.70.0", RANGE);
	FAILS("192.168.70.255 is not", "--dhcp-reservation", "52:54:00:12:34:56=192.168.70.255",
	      RANGE);
	FAILS("--dhcp-reservation and --disable-dhcp", "--dhcp-reservation",
	      "52:54:00:12:34:56=192.168.70.10", "--disable-dhcp", RANGE);
}

static void
test_network_api_takes_whole_subnet(void **state)
{
	(void)state;
	FAILS("takes a whole subnet", "--disable-dhcp", "--start-address", "192.168.70.1",
	      "--end-address", "192.168.70.100", "--subnet-mask", "255.255.255.0");
	FAILS("takes a whole subnet", "--disable-dhcp", "--start-address", "192.168.70.2",
	      "--end-address", "192.168.70.254", "--subnet-mask", "255.255.255.0");
	/* The classic API keeps any range. */
	assert_int_equal(PARSE("--start-address", "192.168.70.1", "--end-address", "192.168.70.100",
	                       "--subnet-mask", "255.255.255.0"),
	                 0);
}

static void
test_port_forward(void **state)
{
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(PARSE("--port-forward", "tcp:8080:192.168.70.5:80", "--port-forward",
	                       "udp:0.0.0.0:5353:192.168.70.5:53", "--port-forward",
	                       "tcp:[::]:2222:[fd00::5]:22", "--port-forward",
	                       "tcp:8080:[fd00::5]:80", RANGE),
	                 0);
	assert_int_equal(opts.net.nforwards, 4);
	assert_int_equal(opts.net.forwards[0].protocol, IPPROTO_TCP);
	assert_int_equal(opts.net.forwards[0].host_port, 8080);
	assert_int_equal(opts.net.forwards[0].guest_port, 80);
	assert_int_equal(opts.net.forwards[1].protocol, IPPROTO_UDP);
	assert_int_equal(opts.net.forwards[2].family, AF_INET6);
	assert_string_equal(inet_ntop(AF_INET6, &opts.net.forwards[2].guest.v6, buf, sizeof(buf)),
	                    "fd00::5");
	/* Port forwarding alone works with both APIs. */
	assert_int_equal(plan(false), NETOPTS_API_CLASSIC);
	assert_int_equal(plan(true), NETOPTS_API_NETWORK);

	FAILS("protocol must be tcp or udp", "--port-forward", "sctp:80:192.168.70.5:80", RANGE);
	FAILS("expected PROTO", "--port-forward", "tcp:80:192.168.70.5", RANGE);
	FAILS("expected PROTO", "--port-forward", "tcp:1:2:80:192.168.70.5:80", RANGE);
	FAILS("ports must be 1 to 65535", "--port-forward", "tcp:0:192.168.70.5:80", RANGE);
	FAILS("ports must be 1 to 65535", "--port-forward", "tcp:80:192.168.70.5:65536", RANGE);
	/* An IPv6 address needs brackets, or its colons split it. */
	FAILS("expected PROTO", "--port-forward", "tcp:80:fd00::5:80", RANGE);
	FAILS("guest address", "--port-forward", "tcp:80:[192.168.70.5]:80", RANGE);
	FAILS("not a unicast", "--port-forward", "tcp:80:[ff02::1]:80", RANGE);
	FAILS("HOSTADDR can only be", "--port-forward", "tcp:127.0.0.1:80:192.168.70.5:80", RANGE);
	FAILS("HOSTADDR can only be", "--port-forward", "tcp:[::]:80:192.168.70.5:80", RANGE);
	FAILS("already forwarded", "--port-forward", "tcp:80:192.168.70.5:80", "--port-forward",
	      "tcp:80:192.168.70.6:81", RANGE);
	/* Same port, other protocol or family: a different rule. */
	assert_int_equal(PARSE("--port-forward", "tcp:80:192.168.70.5:80", "--port-forward",
	                       "udp:80:192.168.70.5:80", RANGE),
	                 0);
	FAILS("the subnet must be known", "--port-forward", "tcp:80:192.168.70.5:80");
	assert_int_equal(PARSE("--port-forward", "tcp:80:[fd00::5]:80"), 0);
	FAILS("192.168.71.5 is not a client address", "--port-forward", "tcp:80:192.168.71.5:80",
	      RANGE);
	FAILS("--port-forward: only valid in shared mode", "--port-forward", "tcp:80:[fd00::5]:80",
	      "--operation-mode", "host");
}

static void
test_network_id(void **state)
{
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(PARSE("--operation-mode", "host", "--network-id",
	                       "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60", "--host-ip-address",
	                       "10.77.0.1", "--host-subnet-mask", "255.255.255.0",
	                       "--host-ipv6-address", "fd00:77::1"),
	                 0);
	assert_true(opts.net.has_network_id && opts.net.has_host_ip && opts.net.has_host_ipv6);
	assert_int_equal(opts.net.network_id[0], 0x6f);
	assert_string_equal(inet_ntop(AF_INET6, &opts.net.host_ipv6, buf, sizeof(buf)),
	                    "fd00:77::1");
	/* A classic description key since macOS 11: served everywhere. */
	assert_int_equal(plan(false), NETOPTS_API_CLASSIC);
	assert_int_equal(plan(true), NETOPTS_API_CLASSIC);

	FAILS("--network-id: only valid in host mode", "--network-id",
	      "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60");
	FAILS("--network-id: invalid value", "--operation-mode", "host", "--network-id", "nope");
	FAILS("has no DHCP", "--operation-mode", "host", "--network-id",
	      "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60", RANGE);
	FAILS("--network-id and --disable-dhcp", "--operation-mode", "host", "--network-id",
	      "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60", "--disable-dhcp");
	/* An MTU goes into the same classic description. */
	assert_int_equal(PARSE("--operation-mode", "host", "--network-id",
	                       "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60", "--mtu", "9000"),
	                 0);
	assert_int_equal(plan(true), NETOPTS_API_CLASSIC);
	FAILS("need --network-id", "--operation-mode", "host", "--host-ip-address", "10.77.0.1",
	      "--host-subnet-mask", "255.255.255.0");
	FAILS("need --network-id", "--operation-mode", "host", "--host-ipv6-address", "fd00:77::1");
	FAILS("give both or neither", "--operation-mode", "host", "--network-id",
	      "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60", "--host-ip-address", "10.77.0.1");
	FAILS("network or broadcast", "--operation-mode", "host", "--network-id",
	      "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60", "--host-ip-address", "10.77.0.255",
	      "--host-subnet-mask", "255.255.255.0");
	FAILS("a reserved address", "--operation-mode", "host", "--network-id",
	      "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60", "--host-ip-address", "127.0.0.1",
	      "--host-subnet-mask", "255.0.0.0");
	FAILS("a reserved address", "--host-ip-address", "169.254.1.1");
	FAILS("a reserved address", "--host-ip-address", "224.0.0.1");
	FAILS("contiguous mask", "--host-subnet-mask", "255.0.255.0");
	FAILS("contiguous mask", "--host-subnet-mask", "255.255.255.254");
	FAILS("not a global or unique local", "--host-ipv6-address", "fe80::1");
	FAILS("not an IPv6 address", "--host-ipv6-address", "10.0.0.1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mtu),
	    cmocka_unit_test(test_no_network_options_stay_classic),
	    cmocka_unit_test(test_ipv6_prefix),
	    cmocka_unit_test(test_disable_flags),
	    cmocka_unit_test(test_external_interface),
	    cmocka_unit_test(test_dhcp_reservation),
	    cmocka_unit_test(test_network_api_takes_whole_subnet),
	    cmocka_unit_test(test_port_forward),
	    cmocka_unit_test(test_network_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
