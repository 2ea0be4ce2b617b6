// SPDX-License-Identifier: Apache-2.0
/*
 * test_addr.c - IPv4 DHCP range, NAT66 prefix and UUID rules.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"

static const char *reason;

static int
range(const char *start, const char *end, const char *mask)
{
	struct in_addr s, e, m;

	assert_int_equal(addr_parse_ipv4(start, &s, &reason), 0);
	assert_int_equal(addr_parse_ipv4(end, &e, &reason), 0);
	assert_int_equal(addr_parse_ipv4(mask, &m, &reason), 0);
	reason = NULL;
	return addr_check_dhcp_range(s, e, m, &reason);
}

static void
test_ipv4_parse(void **state)
{
	struct in_addr a;

	(void)state;
	assert_int_equal(addr_parse_ipv4("192.168.64.1", &a, &reason), 0);
	assert_int_equal(ntohl(a.s_addr), 0xc0a84001);
	assert_int_equal(addr_parse_ipv4("192.168.64", &a, &reason), -1);
	assert_int_equal(addr_parse_ipv4("192.168.64.256", &a, &reason), -1);
	assert_int_equal(addr_parse_ipv4("0x7f.0.0.1", &a, &reason), -1);
	assert_int_equal(addr_parse_ipv4("10.0.0.1 ", &a, &reason), -1);
	assert_int_equal(addr_parse_ipv4("", &a, &reason), -1);
	assert_non_null(strstr(reason, "IPv4"));
}

static void
test_range_valid(void **state)
{
	(void)state;
	assert_int_equal(range("192.168.105.1", "192.168.105.254", "255.255.255.0"), 0);
	assert_int_equal(range("10.0.0.1", "10.255.255.254", "255.0.0.0"), 0);
	assert_int_equal(range("172.16.0.1", "172.31.255.254", "255.240.0.0"), 0);
	assert_int_equal(range("172.20.3.1", "172.20.3.100", "255.255.255.0"), 0);
	/* The smallest subnet, first and last host. */
	assert_int_equal(range("192.168.7.1", "192.168.7.2", "255.255.255.252"), 0);
	/* A partial range inside the subnet. */
	assert_int_equal(range("192.168.7.10", "192.168.7.20", "255.255.255.0"), 0);
}

static void
test_range_invalid(void **state)
{
	(void)state;
	assert_int_equal(range("192.168.5.1", "192.168.5.254", "255.0.255.0"), -1);
	assert_non_null(strstr(reason, "contiguous"));
	assert_int_equal(range("192.168.5.1", "192.168.5.254", "0.0.0.0"), -1);
	assert_int_equal(range("192.168.5.1", "192.168.5.1", "255.255.255.254"), -1);
	assert_non_null(strstr(reason, "too small"));
	assert_int_equal(range("192.168.5.1", "192.168.6.254", "255.255.255.0"), -1);
	assert_non_null(strstr(reason, "same subnet"));
	assert_int_equal(range("192.168.5.20", "192.168.5.10", "255.255.255.0"), -1);
	assert_non_null(strstr(reason, "lower"));
	assert_int_equal(range("192.168.5.7", "192.168.5.7", "255.255.255.0"), -1);
	assert_int_equal(range("192.168.5.0", "192.168.5.254", "255.255.255.0"), -1);
	assert_non_null(strstr(reason, "network or broadcast"));
	assert_int_equal(range("192.168.5.1", "192.168.5.255", "255.255.255.0"), -1);
	assert_non_null(strstr(reason, "network or broadcast"));
	assert_int_equal(range("100.64.0.1", "100.64.0.254", "255.255.255.0"), -1);
	assert_non_null(strstr(reason, "RFC 1918"));
	/* Inside 172.16/12 by address, but the subnet spills out of it. */
	assert_int_equal(range("172.16.0.1", "172.16.0.254", "255.224.0.0"), -1);
	assert_non_null(strstr(reason, "RFC 1918"));
	assert_int_equal(range("172.32.0.1", "172.32.0.254", "255.255.255.0"), -1);
	assert_int_equal(range("192.169.0.1", "192.169.0.254", "255.255.255.0"), -1);
}

static void
test_nat66(void **state)
{
	char out[ADDR_NAT66_STRLEN];

	(void)state;
	assert_int_equal(addr_parse_nat66_prefix("fd9b:5a14:ba57:e3d3::", out, &reason), 0);
	assert_string_equal(out, "fd9b:5a14:ba57:e3d3::");
	assert_int_equal(addr_parse_nat66_prefix("fd9b:5a14:ba57:e3d3::/64", out, &reason), 0);
	assert_string_equal(out, "fd9b:5a14:ba57:e3d3::");
	assert_int_equal(addr_parse_nat66_prefix("FD00:0:0:1::", out, &reason), 0);
	assert_string_equal(out, "fd00:0:0:1::");
	assert_int_equal(addr_parse_nat66_prefix("fd9b:5a14:ba57:e3d3::/48", out, &reason), -1);
	assert_non_null(strstr(reason, "64"));
	assert_int_equal(addr_parse_nat66_prefix("fd9b:5a14:ba57:e3d3::/", out, &reason), -1);
	assert_int_equal(addr_parse_nat66_prefix("fc00::", out, &reason), -1);
	assert_non_null(strstr(reason, "unique local"));
	assert_int_equal(addr_parse_nat66_prefix("2001:db8::", out, &reason), -1);
	assert_int_equal(addr_parse_nat66_prefix("fd9b:5a14:ba57:e3d3::1", out, &reason), -1);
	assert_non_null(strstr(reason, "zero"));
	assert_int_equal(addr_parse_nat66_prefix("fd9b::zz", out, &reason), -1);
	assert_int_equal(addr_parse_nat66_prefix("192.168.0.1", out, &reason), -1);
	assert_int_equal(addr_parse_nat66_prefix("", out, &reason), -1);
}

static void
test_uuid(void **state)
{
	static const uint8_t want[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
	                                 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21};
	uint8_t id[16];
	char text[ADDR_UUID_LEN + 1];

	(void)state;
	assert_int_equal(addr_parse_uuid("12345678-9abc-def0-0fed-cba987654321", id, &reason), 0);
	assert_memory_equal(id, want, 16);
	assert_int_equal(addr_parse_uuid("12345678-9ABC-DEF0-0FED-CBA987654321", id, &reason), 0);
	assert_memory_equal(id, want, 16);
	addr_format_uuid(want, text);
	assert_string_equal(text, "12345678-9ABC-DEF0-0FED-CBA987654321");
	assert_int_equal(addr_parse_uuid("123456789abcdef00fedcba987654321", id, &reason), -1);
	assert_int_equal(addr_parse_uuid("12345678-9abc-def0-0fed-cba98765432", id, &reason), -1);
	assert_int_equal(addr_parse_uuid("12345678-9abc-def0-0fed-cba9876543210", id, &reason), -1);
	assert_int_equal(addr_parse_uuid("12345678_9abc-def0-0fed-cba987654321", id, &reason), -1);
	assert_non_null(strstr(reason, "dashes"));
	assert_int_equal(addr_parse_uuid("1234567-89abc-def0-0fed-cba987654321", id, &reason), -1);
	assert_int_equal(addr_parse_uuid("12345678-9abc-def0-0fed-cba98765432g", id, &reason), -1);
	assert_non_null(strstr(reason, "hex"));
	assert_int_equal(addr_parse_uuid("{2345678-9abc-def0-0fed-cba98765432}", id, &reason), -1);
	assert_int_equal(addr_parse_uuid("", id, &reason), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4_parse),    cmocka_unit_test(test_range_valid),
	    cmocka_unit_test(test_range_invalid), cmocka_unit_test(test_nat66),
	    cmocka_unit_test(test_uuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
