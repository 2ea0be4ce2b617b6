// SPDX-License-Identifier: Apache-2.0
/*
 * test_vmnet_if.c - interface description, start and stop with timeouts,
 * status names, shared interface list.
 *
 * vmnet itself is faked here (the functions and keys vmnet_if.c uses), so
 * the platform's vmnet is not linked; XPC and dispatch are the platform's.
 */
#include <Block.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vmnet_if.h"

const char *const vmnet_operation_mode_key = "vmnet_operation_mode";
const char *const vmnet_shared_interface_name_key = "vmnet_shared_interface_name";
const char *const vmnet_interface_id_key = "vmnet_interface_id";
const char *const vmnet_start_address_key = "vmnet_start_address";
const char *const vmnet_end_address_key = "vmnet_end_address";
const char *const vmnet_subnet_mask_key = "vmnet_subnet_mask";
const char *const vmnet_nat66_prefix_key = "vmnet_nat66_prefix";
const char *const vmnet_enable_tso_key = "vmnet_enable_tso";
const char *const vmnet_enable_isolation_key = "vmnet_enable_isolation";
const char *const vmnet_enable_checksum_offload_key = "vmnet_enable_checksum_offload";
const char *const vmnet_max_packet_size_key = "vmnet_max_packet_size";
const char *const vmnet_read_max_packets_key = "vmnet_read_max_packets";
const char *const vmnet_write_max_packets_key = "vmnet_write_max_packets";
const char *const vmnet_network_identifier_key = "vmnet_network_identifier";
const char *const vmnet_mtu_key = "vmnet_mtu";
const char *const vmnet_host_ip_address_key = "vmnet_host_ip_address";
const char *const vmnet_host_subnet_mask_key = "vmnet_host_subnet_mask";
const char *const vmnet_host_ipv6_address_key = "vmnet_host_ipv6_address";

/* The macOS 26 start is not exercised here; it only has to link. */
interface_ref
vmnet_interface_start_with_network(vmnet_network_ref network, xpc_object_t interface_desc,
                                   dispatch_queue_t queue,
                                   vmnet_start_interface_completion_handler_t start_block)
{
	(void)network;
	(void)interface_desc;
	(void)queue;
	(void)start_block;
	return NULL;
}

enum behaviour {
	ANSWER,      /* completion handler runs with `status` */
	NEVER,       /* completion handler never runs */
	REFUSE_CALL, /* stop: the call itself fails */
};

static struct {
	enum behaviour start, stop;
	vmnet_return_t status;
	interface_ref handle;
	int stops;
	const char *names[4];
	size_t n_names;
} fake;

/* NEVER: vmnet holds on to the handlers it has not called (for good). */
static vmnet_start_interface_completion_handler_t held_start;
static vmnet_interface_completion_handler_t held_stop;

static struct vmnet_if vif;
static char last_name[16]; /* blocks cannot capture arrays */
static dispatch_queue_t queue;

interface_ref
vmnet_start_interface(xpc_object_t desc, dispatch_queue_t q,
                      vmnet_start_interface_completion_handler_t handler)
{
	vmnet_start_interface_completion_handler_t copy = Block_copy(handler);

	(void)desc;
	if (fake.start == ANSWER) {
		/* cppcheck cannot parse block literals: the rest of this file is not checked. */
		// cppcheck-suppress syntaxError
		dispatch_async(q, ^{
			xpc_object_t p = NULL;

			if (fake.status == VMNET_SUCCESS) {
				p = xpc_dictionary_create(NULL, NULL, 0);
				xpc_dictionary_set_uint64(p, vmnet_max_packet_size_key, 1514);
				/* Reported since macOS 15, like the real vmnet. */
				if (__builtin_available(macOS 15.0, *)) {
					xpc_dictionary_set_uint64(p, vmnet_read_max_packets_key,
					                          200);
					xpc_dictionary_set_uint64(p, vmnet_write_max_packets_key,
					                          100);
				}
			}
			copy(fake.status, p);
			if (p)
				xpc_release(p);
			Block_release(copy);
		});
	} else {
		held_start = copy;
	}
	return fake.handle;
}

vmnet_return_t
vmnet_stop_interface(interface_ref iface, dispatch_queue_t q,
                     vmnet_interface_completion_handler_t handler)
{
	vmnet_interface_completion_handler_t copy = Block_copy(handler);

	assert_ptr_equal(iface, fake.handle);
	fake.stops++;
	if (fake.stop == REFUSE_CALL) {
		Block_release(copy);
		return VMNET_INVALID_ARGUMENT;
	}
	if (fake.stop == ANSWER) {
		dispatch_async(q, ^{
			copy(VMNET_SUCCESS);
			Block_release(copy);
		});
	} else {
		held_stop = copy;
	}
	return VMNET_SUCCESS;
}

vmnet_return_t
vmnet_interface_set_event_callback(interface_ref iface, interface_event_t mask, dispatch_queue_t q,
                                   vmnet_interface_event_callback_t callback)
{
	(void)iface;
	(void)mask;
	(void)q;
	(void)callback;
	return VMNET_SUCCESS;
}

xpc_object_t
vmnet_copy_shared_interface_list(void)
{
	xpc_object_t list;

	if (fake.n_names == 0)
		return NULL;
	list = xpc_array_create(NULL, 0);
	for (size_t i = 0; i < fake.n_names; i++)
		xpc_array_set_string(list, XPC_ARRAY_APPEND, fake.names[i]);
	return list;
}

static int
setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.handle = (interface_ref)0x1234;
	fake.status = VMNET_SUCCESS;
	queue = dispatch_queue_create("test", DISPATCH_QUEUE_SERIAL);
	return 0;
}

static xpc_object_t
empty_desc(void)
{
	return xpc_dictionary_create(NULL, NULL, 0);
}

static void
test_describe_defaults(void **state)
{
	struct options o = {.mode = OPTIONS_MODE_SHARED, .fd = 3};
	xpc_object_t d = vmnet_if_describe(&o);

	(void)state;
	assert_int_equal(xpc_dictionary_get_count(d), 1);
	assert_int_equal(xpc_dictionary_get_uint64(d, vmnet_operation_mode_key), VMNET_SHARED_MODE);
	xpc_release(d);
}

static void
test_describe_everything(void **state)
{
	struct options o = {
	    .mode = OPTIONS_MODE_HOST,
	    .has_interface_id = true,
	    .interface_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
	    .has_dhcp_range = true,
	    .start_address = "10.1.2.1",
	    .end_address = "10.1.2.9",
	    .subnet_mask = "255.255.255.0",
	    .enable_isolation = true,
	    .enable_tso = true,
	    .enable_checksum_offload = true,
	};
	xpc_object_t d = vmnet_if_describe(&o);

	(void)state;
	assert_int_equal(xpc_dictionary_get_uint64(d, vmnet_operation_mode_key), VMNET_HOST_MODE);
	assert_memory_equal(xpc_dictionary_get_uuid(d, vmnet_interface_id_key), o.interface_id, 16);
	assert_string_equal(xpc_dictionary_get_string(d, vmnet_start_address_key), "10.1.2.1");
	assert_string_equal(xpc_dictionary_get_string(d, vmnet_end_address_key), "10.1.2.9");
	assert_string_equal(xpc_dictionary_get_string(d, vmnet_subnet_mask_key), "255.255.255.0");
	assert_true(xpc_dictionary_get_bool(d, vmnet_enable_isolation_key));
	assert_true(xpc_dictionary_get_bool(d, vmnet_enable_tso_key));
	assert_true(xpc_dictionary_get_bool(d, vmnet_enable_checksum_offload_key));
	assert_null(xpc_dictionary_get_value(d, vmnet_nat66_prefix_key));
	assert_null(xpc_dictionary_get_value(d, vmnet_shared_interface_name_key));
	xpc_release(d);

	o = (struct options){.mode = OPTIONS_MODE_BRIDGED, .shared_interface = "en0"};
	d = vmnet_if_describe(&o);
	assert_int_equal(xpc_dictionary_get_uint64(d, vmnet_operation_mode_key),
	                 VMNET_BRIDGED_MODE);
	assert_string_equal(xpc_dictionary_get_string(d, vmnet_shared_interface_name_key), "en0");
	assert_int_equal(xpc_dictionary_get_count(d), 2);
	xpc_release(d);

	o = (struct options){.has_nat66_prefix = true, .nat66_prefix = "fd00:1:2:3::"};
	d = vmnet_if_describe(&o);
	assert_string_equal(xpc_dictionary_get_string(d, vmnet_nat66_prefix_key), "fd00:1:2:3::");
	xpc_release(d);
}

static void
test_start_and_stop(void **state)
{
	xpc_object_t d = empty_desc();
	vmnet_return_t st = 0;

	(void)state;
	assert_int_equal(vmnet_if_start(&vif, d, queue, 5, &st), 0);
	assert_int_equal(st, VMNET_SUCCESS);
	assert_ptr_equal(vif.iface, fake.handle);
	assert_int_equal(vif.max_packet_size, 1514);
	if (__builtin_available(macOS 15.0, *)) {
		assert_int_equal(vif.read_max, 200);
		assert_int_equal(vif.write_max, 100);
	} else {
		assert_int_equal(vif.read_max, 0);
		assert_int_equal(vif.write_max, 0);
	}
	assert_non_null(vif.param);
	assert_int_equal(vmnet_if_stop(&vif, 5, &st), 0);
	assert_int_equal(st, VMNET_SUCCESS);
	assert_int_equal(fake.stops, 1);
	assert_null(vif.iface);
	assert_null(vif.param);
	/* Stopping again does nothing. */
	assert_int_equal(vmnet_if_stop(&vif, 5, &st), 0);
	assert_int_equal(fake.stops, 1);
	xpc_release(d);
}

static void
test_start_failure(void **state)
{
	xpc_object_t d = empty_desc();
	vmnet_return_t st = 0;

	(void)state;
	fake.status = VMNET_SHARING_SERVICE_BUSY;
	assert_int_equal(vmnet_if_start(&vif, d, queue, 5, &st), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(st, VMNET_SHARING_SERVICE_BUSY);
	/* Nothing started, so nothing to stop. */
	assert_null(vif.iface);
	assert_int_equal(vmnet_if_stop(&vif, 5, &st), 0);
	assert_int_equal(fake.stops, 0);
	xpc_release(d);
}

static void
test_start_timeout(void **state)
{
	xpc_object_t d = empty_desc();
	vmnet_return_t st = 0;

	(void)state;
	fake.start = NEVER;
	assert_int_equal(vmnet_if_start(&vif, d, queue, 1, &st), -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* The handle is kept so the caller can still try to stop it. */
	assert_ptr_equal(vif.iface, fake.handle);
	fake.stop = NEVER;
	assert_int_equal(vmnet_if_stop(&vif, 1, &st), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(fake.stops, 1);
	xpc_release(d);
}

static void
test_stop_refused(void **state)
{
	xpc_object_t d = empty_desc();
	vmnet_return_t st = 0;

	(void)state;
	assert_int_equal(vmnet_if_start(&vif, d, queue, 5, &st), 0);
	fake.stop = REFUSE_CALL;
	assert_int_equal(vmnet_if_stop(&vif, 5, &st), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(st, VMNET_INVALID_ARGUMENT);
	xpc_release(d);
}

/* From macOS 26 the entitlement, not root, is what vmnet asks for. */
static void
test_status_meanings_on_26(void **state)
{
	(void)state;
	assert_string_equal(vmnet_if_status_meaning_on(VMNET_MEM_FAILURE, false), "out of memory");
	assert_non_null(strstr(vmnet_if_status_meaning_on(VMNET_MEM_FAILURE, true),
	                       "com.apple.security.virtualization"));
	assert_non_null(strstr(vmnet_if_status_meaning_on(VMNET_NOT_AUTHORIZED, true),
	                       "com.apple.security.virtualization"));
	assert_string_equal(vmnet_if_status_meaning_on(VMNET_NOT_AUTHORIZED, false),
	                    "not authorized (not root?)");
	assert_string_equal(vmnet_if_status_meaning_on(VMNET_FAILURE, true), "general failure");
	assert_string_equal(vmnet_if_status_meaning_on(VMNET_FAILURE, false),
	                    "general failure (not root?)");

	assert_true(vmnet_if_status_unauthorized(VMNET_NOT_AUTHORIZED, true));
	assert_true(vmnet_if_status_unauthorized(VMNET_NOT_AUTHORIZED, false));
	assert_true(vmnet_if_status_unauthorized(VMNET_MEM_FAILURE, true));
	assert_false(vmnet_if_status_unauthorized(VMNET_MEM_FAILURE, false));
	assert_false(vmnet_if_status_unauthorized(VMNET_FAILURE, true));
	assert_false(vmnet_if_status_unauthorized(VMNET_INVALID_ARGUMENT, true));
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(vmnet_if_status_name(VMNET_FAILURE), "VMNET_FAILURE");
	assert_string_equal(vmnet_if_status_meaning(VMNET_FAILURE), "general failure (not root?)");
	assert_string_equal(vmnet_if_status_meaning(VMNET_SHARING_SERVICE_BUSY),
	                    "sharing service busy (Internet Sharing active?)");
	assert_string_equal(vmnet_if_status_name(VMNET_NOT_AUTHORIZED), "VMNET_NOT_AUTHORIZED");
	assert_string_equal(vmnet_if_status_name(4242), "unknown status");
	assert_string_equal(vmnet_if_status_meaning_on(4242, true), "unknown vmnet status");
	assert_string_equal(vmnet_if_status_meaning(4242), "unknown vmnet status");
	for (vmnet_return_t s = VMNET_SUCCESS; s <= VMNET_NOT_AUTHORIZED; s++)
		assert_string_not_equal(vmnet_if_status_name(s), "unknown status");
}

static void
test_shared_interfaces(void **state)
{
	__block int seen = 0;

	(void)state;
	assert_int_equal(vmnet_if_shared_interfaces(^bool(const char *name) {
		                 (void)name;
		                 return true;
	                 }),
	                 -1);
	fake.names[0] = "en0";
	fake.names[1] = "br1";
	fake.names[2] = "br2";
	fake.n_names = 3;
	assert_int_equal(vmnet_if_shared_interfaces(^bool(const char *name) {
		                 seen++;
		                 snprintf(last_name, sizeof(last_name), "%s", name);
		                 return strcmp(name, "br1") != 0;
	                 }),
	                 0);
	assert_int_equal(seen, 2);
	assert_string_equal(last_name, "br1");
}

#define T(name) cmocka_unit_test_setup(name, setup)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_describe_defaults), T(test_describe_everything),   T(test_start_and_stop),
	    T(test_start_failure),     T(test_start_timeout),         T(test_stop_refused),
	    T(test_status_names),      T(test_status_meanings_on_26), T(test_shared_interfaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
