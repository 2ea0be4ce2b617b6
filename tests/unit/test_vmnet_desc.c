// SPDX-License-Identifier: Apache-2.0
/*
 * test_vmnet_desc.c - checks of vmnet interface descriptions on Linux,
 * including the wrong-type cases a command line cannot produce.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <vmnet/vmnet.h>
#include <xpc/xpc.h>

#include "../../src/linux/vmnet_desc.h"

static xpc_object_t
desc_mode(uint64_t mode)
{
	xpc_object_t d = xpc_dictionary_create_empty();

	xpc_dictionary_set_uint64(d, vmnet_operation_mode_key, mode);
	return d;
}

static void
set_range(xpc_object_t d, const char *start, const char *end, const char *mask)
{
	xpc_dictionary_set_string(d, vmnet_start_address_key, start);
	xpc_dictionary_set_string(d, vmnet_end_address_key, end);
	xpc_dictionary_set_string(d, vmnet_subnet_mask_key, mask);
}

/* Parse @d, release it. Return: vmnet_desc_parse()'s result. */
static int
parse(xpc_object_t d, struct vmnet_desc *out)
{
	int rc = vmnet_desc_parse(d, out);

	xpc_release(d);
	return rc;
}

static void
assert_invalid(xpc_object_t d)
{
	struct vmnet_desc desc;

	errno = 0;
	assert_int_equal(parse(d, &desc), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_defaults(void **state)
{
	struct vmnet_desc desc;

	(void)state;
	assert_int_equal(parse(desc_mode(VMNET_SHARED_MODE), &desc), 0);
	assert_int_equal(desc.net.mode, VMNET_SHARED_MODE);
	assert_false(desc.net.has_range);
	assert_false(desc.net.has_nat66);
	assert_false(desc.net.isolated);
	assert_false(desc.has_id);
	assert_true(desc.allocate_mac);
	assert_false(desc.tso);
}

static void
test_range_and_options(void **state)
{
	static const uuid_t id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	xpc_object_t d = desc_mode(VMNET_HOST_MODE);
	struct vmnet_desc desc;
	char buf[INET_ADDRSTRLEN];

	(void)state;
	set_range(d, "172.16.5.1", "172.16.5.200", "255.255.254.0");
	xpc_dictionary_set_uuid(d, vmnet_interface_id_key, id);
	xpc_dictionary_set_bool(d, vmnet_enable_isolation_key, true);
	xpc_dictionary_set_bool(d, vmnet_enable_tso_key, true);
	xpc_dictionary_set_bool(d, vmnet_allocate_mac_address_key, false);
	xpc_dictionary_set_uint64(d, vmnet_mtu_key, 9000);
	xpc_dictionary_set_string(d, "some_future_key", "ignored");
	assert_int_equal(parse(d, &desc), 0);
	assert_true(desc.net.has_range);
	assert_int_equal(desc.net.prefixlen, 23);
	assert_string_equal(inet_ntop(AF_INET, &desc.net.end, buf, sizeof(buf)), "172.16.5.200");
	assert_true(desc.has_id);
	assert_memory_equal(desc.id, id, sizeof(id));
	assert_true(desc.net.isolated);
	assert_true(desc.tso);
	assert_false(desc.allocate_mac);
	assert_int_equal(desc.net.mtu, 9000);
}

static void
test_nat66(void **state)
{
	xpc_object_t d = desc_mode(VMNET_SHARED_MODE);
	struct vmnet_desc desc;
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	xpc_dictionary_set_string(d, vmnet_nat66_prefix_key, "fd9b:5a14:ba57:e3d3::");
	xpc_dictionary_set_uint64(d, vmnet_nat66_prefix_length_key, 64);
	assert_int_equal(parse(d, &desc), 0);
	assert_true(desc.net.has_nat66);
	assert_string_equal(inet_ntop(AF_INET6, &desc.net.nat66, buf, sizeof(buf)),
	                    "fd9b:5a14:ba57:e3d3::");

	d = desc_mode(VMNET_SHARED_MODE);
	xpc_dictionary_set_string(d, vmnet_nat66_prefix_key, "fd9b:5a14:ba57:e3d3::");
	xpc_dictionary_set_uint64(d, vmnet_nat66_prefix_length_key, 48);
	assert_invalid(d);
}

static void
test_bridged(void **state)
{
	xpc_object_t d = desc_mode(VMNET_BRIDGED_MODE);
	struct vmnet_desc desc;

	(void)state;
	xpc_dictionary_set_string(d, vmnet_shared_interface_name_key, "br0");
	assert_int_equal(parse(d, &desc), 0);
	assert_string_equal(desc.net.bridge, "br0");

	d = desc_mode(VMNET_BRIDGED_MODE);
	xpc_dictionary_set_string(d, vmnet_shared_interface_name_key, "a-name-too-long-0");
	assert_invalid(d);

	d = desc_mode(VMNET_BRIDGED_MODE);
	xpc_dictionary_set_string(d, vmnet_shared_interface_name_key, "br0");
	xpc_dictionary_set_uint64(d, vmnet_mtu_key, 1500);
	assert_invalid(d);
}

static void
test_wrong_types(void **state)
{
	xpc_object_t d;

	(void)state;
	assert_invalid(NULL);
	assert_invalid(xpc_string_create("not a dictionary"));

	d = xpc_dictionary_create_empty();
	xpc_dictionary_set_string(d, vmnet_operation_mode_key, "shared");
	assert_invalid(d);

	d = desc_mode(VMNET_SHARED_MODE);
	xpc_dictionary_set_string(d, vmnet_interface_id_key, "0000-not-a-uuid");
	assert_invalid(d);

	d = desc_mode(VMNET_SHARED_MODE);
	xpc_dictionary_set_uint64(d, vmnet_enable_tso_key, 1);
	assert_invalid(d);

	d = desc_mode(VMNET_BRIDGED_MODE);
	xpc_dictionary_set_uint64(d, vmnet_shared_interface_name_key, 3);
	assert_invalid(d);

	d = desc_mode(VMNET_HOST_MODE);
	xpc_dictionary_set_uint64(d, vmnet_start_address_key, 1);
	xpc_dictionary_set_string(d, vmnet_end_address_key, "192.168.1.9");
	xpc_dictionary_set_string(d, vmnet_subnet_mask_key, "255.255.255.0");
	assert_invalid(d);
}

static void
test_bad_values(void **state)
{
	static const char *const ranges[][3] = {
	    {"192.168.1.0", "192.168.1.9", "255.255.255.0"},   /* network address */
	    {"192.168.1.1", "192.168.1.255", "255.255.255.0"}, /* broadcast */
	    {"192.168.1.1", "192.168.1.2", "255.255.255.254"}, /* /31 */
	    {"192.168.1.1", "192.168.1.1", "255.255.255.0"},   /* end == start */
	    {"100.64.0.1", "100.64.0.9", "255.255.255.0"},     /* not RFC 1918 */
	    {"192.168.1.1", "192.168.1.9", "0.0.0.0"},         /* no mask */
	};
	xpc_object_t d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		d = desc_mode(VMNET_HOST_MODE);
		set_range(d, ranges[i][0], ranges[i][1], ranges[i][2]);
		assert_invalid(d);
	}
	d = desc_mode(VMNET_SHARED_MODE);
	xpc_dictionary_set_uint64(d, vmnet_mtu_key, 9001);
	assert_invalid(d);
	d = desc_mode(VMNET_HOST_MODE);
	xpc_dictionary_set_uint64(d, vmnet_mtu_key, 575);
	assert_invalid(d);
	d = desc_mode(VMNET_BRIDGED_MODE);
	xpc_dictionary_set_string(d, vmnet_shared_interface_name_key, "br0");
	xpc_dictionary_set_uint64(d, vmnet_mtu_key, 1500);
	assert_invalid(d);
}

/* A network identifier: host mode only, host addresses only with it. */
static void
test_network_id(void **state)
{
	struct vmnet_desc desc;
	xpc_object_t d;

	(void)state;
	d = desc_mode(VMNET_HOST_MODE);
	xpc_dictionary_set_uuid(d, vmnet_network_identifier_key, (const uint8_t[16]){1});
	xpc_dictionary_set_string(d, vmnet_host_ip_address_key, "10.9.0.1");
	xpc_dictionary_set_string(d, vmnet_host_subnet_mask_key, "255.255.255.0");
	xpc_dictionary_set_string(d, vmnet_host_ipv6_address_key, "fd00:9::1");
	assert_int_equal(vmnet_desc_parse(d, &desc), 0);
	assert_true(desc.net.has_network_id && desc.net.has_host_addr && desc.net.has_host_addr6);
	assert_int_equal(desc.net.host_prefixlen, 24);
	xpc_release(d);

	d = desc_mode(VMNET_SHARED_MODE);
	xpc_dictionary_set_uuid(d, vmnet_network_identifier_key, (const uint8_t[16]){1});
	assert_invalid(d);

	d = desc_mode(VMNET_HOST_MODE);
	xpc_dictionary_set_string(d, vmnet_host_ip_address_key, "10.9.0.1");
	xpc_dictionary_set_string(d, vmnet_host_subnet_mask_key, "255.255.255.0");
	assert_invalid(d);

	d = desc_mode(VMNET_HOST_MODE);
	xpc_dictionary_set_uuid(d, vmnet_network_identifier_key, (const uint8_t[16]){1});
	xpc_dictionary_set_string(d, vmnet_host_ip_address_key, "10.9.0.1");
	assert_invalid(d);

	d = desc_mode(VMNET_HOST_MODE);
	xpc_dictionary_set_uuid(d, vmnet_network_identifier_key, (const uint8_t[16]){1});
	xpc_dictionary_set_string(d, vmnet_host_ip_address_key, "10.9.0.0");
	xpc_dictionary_set_string(d, vmnet_host_subnet_mask_key, "255.255.255.0");
	assert_invalid(d);

	d = desc_mode(VMNET_HOST_MODE);
	xpc_dictionary_set_uuid(d, vmnet_network_identifier_key, (const uint8_t[16]){1});
	set_range(d, "192.168.9.1", "192.168.9.9", "255.255.255.0");
	assert_invalid(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),    cmocka_unit_test(test_range_and_options),
	    cmocka_unit_test(test_nat66),       cmocka_unit_test(test_bridged),
	    cmocka_unit_test(test_wrong_types), cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_network_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
