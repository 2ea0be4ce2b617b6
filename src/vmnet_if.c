// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_if.c - start and stop the vmnet interface (see vmnet_if.h).
 *
 * vmnet reports start and stop through completion handlers on the
 * interface's queue; the caller waits on a semaphore from another thread,
 * with a timeout. If the wait times out, the handler may still run later,
 * so its semaphore and result are deliberately not freed: the process is
 * about to exit anyway.
 */
#include "vmnet_if.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "os_version.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	vmnet_return_t status;
	const char *name;
	const char *meaning;
	const char *meaning_26; /* where vmnet needs no root (macOS 26), if different */
} statuses[] = {
    {VMNET_SUCCESS, "VMNET_SUCCESS", "success", NULL},
    {VMNET_FAILURE, "VMNET_FAILURE", "general failure (not root?)", "general failure"},
    {VMNET_MEM_FAILURE, "VMNET_MEM_FAILURE", "out of memory",
     "missing entitlement (helper not signed with com.apple.security.virtualization?)"},
    {VMNET_INVALID_ARGUMENT, "VMNET_INVALID_ARGUMENT", "invalid argument", NULL},
    {VMNET_SETUP_INCOMPLETE, "VMNET_SETUP_INCOMPLETE", "interface setup not complete", NULL},
    {VMNET_INVALID_ACCESS, "VMNET_INVALID_ACCESS", "permission denied", NULL},
    {VMNET_PACKET_TOO_BIG, "VMNET_PACKET_TOO_BIG", "packet larger than the maximum", NULL},
    {VMNET_BUFFER_EXHAUSTED, "VMNET_BUFFER_EXHAUSTED", "kernel buffers exhausted", NULL},
    {VMNET_TOO_MANY_PACKETS, "VMNET_TOO_MANY_PACKETS", "too many packets in one call", NULL},
    {VMNET_SHARING_SERVICE_BUSY, "VMNET_SHARING_SERVICE_BUSY",
     "sharing service busy (Internet Sharing active?)", NULL},
    {VMNET_NOT_AUTHORIZED, "VMNET_NOT_AUTHORIZED", "not authorized (not root?)",
     "not authorized (helper not signed with com.apple.security.virtualization?)"},
};

/* Return: the enumerator's name, or "unknown status" */
const char *
vmnet_if_status_name(vmnet_return_t status)
{
	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++) {
		if (statuses[i].status == status)
			return statuses[i].name;
	}
	return "unknown status";
}

/*
 * vmnet_if_status_meaning_on() - what @status means for the user
 * @rootless:	vmnet needs no root, only the entitlement (macOS 26 and later),
 *		which it reports missing as VMNET_MEM_FAILURE or VMNET_NOT_AUTHORIZED
 *
 * Return: a static string, or "unknown vmnet status"
 */
const char *
vmnet_if_status_meaning_on(vmnet_return_t status, bool rootless)
{
	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++) {
		if (statuses[i].status != status)
			continue;
		if (rootless && statuses[i].meaning_26)
			return statuses[i].meaning_26;
		return statuses[i].meaning;
	}
	return "unknown vmnet status";
}

/* Return: what the status means here, or "unknown vmnet status" */
const char *
vmnet_if_status_meaning(vmnet_return_t status)
{
	return vmnet_if_status_meaning_on(status, !os_version_vmnet_needs_root());
}

/*
 * vmnet_if_status_unauthorized() - whether vmnet refused a start for lack
 * of authorization (@rootless: see vmnet_if_status_meaning_on()): then a
 * start as root may succeed
 */
bool
vmnet_if_status_unauthorized(vmnet_return_t status, bool rootless)
{
	return status == VMNET_NOT_AUTHORIZED || (status == VMNET_MEM_FAILURE && rootless);
}

static uint64_t
vmnet_mode(enum options_mode mode)
{
	switch (mode) {
	case OPTIONS_MODE_HOST:
		return VMNET_HOST_MODE;
	case OPTIONS_MODE_BRIDGED:
		return VMNET_BRIDGED_MODE;
	case OPTIONS_MODE_SHARED:
		break;
	}
	return VMNET_SHARED_MODE;
}

/*
 * vmnet_if_describe_port() - the keys about this interface alone
 * (isolation, offloads): the ones vmnet_interface_start_with_network()
 * honours too
 */
void
vmnet_if_describe_port(xpc_object_t desc, const struct options *o)
{
	if (o->enable_isolation)
		xpc_dictionary_set_bool(desc, vmnet_enable_isolation_key, true);
	if (o->enable_tso)
		xpc_dictionary_set_bool(desc, vmnet_enable_tso_key, true);
	if (o->enable_checksum_offload)
		xpc_dictionary_set_bool(desc, vmnet_enable_checksum_offload_key, true);
}

/* --network-id and the host's addresses on that network (macOS 11). */
static void
describe_host_network(xpc_object_t desc, const struct netopts *n)
{
	char buf[INET6_ADDRSTRLEN];

	if (!n->has_network_id)
		return;
	xpc_dictionary_set_uuid(desc, vmnet_network_identifier_key, n->network_id);
	if (n->has_host_ip) {
		xpc_dictionary_set_string(desc, vmnet_host_ip_address_key,
		                          inet_ntop(AF_INET, &n->host_ip, buf, sizeof(buf)));
		xpc_dictionary_set_string(desc, vmnet_host_subnet_mask_key,
		                          inet_ntop(AF_INET, &n->host_mask, buf, sizeof(buf)));
	}
	if (n->has_host_ipv6)
		xpc_dictionary_set_string(desc, vmnet_host_ipv6_address_key,
		                          inet_ntop(AF_INET6, &n->host_ipv6, buf, sizeof(buf)));
}

/*
 * vmnet_if_describe() - the interface description for vmnet_start_interface()
 * Return: a new xpc dictionary (release it), or NULL if out of memory
 */
xpc_object_t
vmnet_if_describe(const struct options *o)
{
	xpc_object_t desc = xpc_dictionary_create(NULL, NULL, 0);

	if (!desc)
		return NULL;
	xpc_dictionary_set_uint64(desc, vmnet_operation_mode_key, vmnet_mode(o->mode));
	if (o->has_interface_id)
		xpc_dictionary_set_uuid(desc, vmnet_interface_id_key, o->interface_id);
	if (o->shared_interface)
		xpc_dictionary_set_string(desc, vmnet_shared_interface_name_key,
		                          o->shared_interface);
	if (o->has_dhcp_range) {
		xpc_dictionary_set_string(desc, vmnet_start_address_key, o->start_address);
		xpc_dictionary_set_string(desc, vmnet_end_address_key, o->end_address);
		xpc_dictionary_set_string(desc, vmnet_subnet_mask_key, o->subnet_mask);
	}
	if (o->has_nat66_prefix)
		xpc_dictionary_set_string(desc, vmnet_nat66_prefix_key, o->nat66_prefix);
	if (o->net.has_mtu)
		xpc_dictionary_set_uint64(desc, vmnet_mtu_key, o->net.mtu);
	vmnet_if_describe_port(desc, o);
	describe_host_network(desc, &o->net);
	return desc;
}

static dispatch_time_t
deadline(int64_t seconds)
{
	return dispatch_time(DISPATCH_TIME_NOW, seconds * (int64_t)NSEC_PER_SEC);
}

/*
 * vmnet_if_start() - start the interface and wait for vmnet's answer
 * @queue:	serial queue for the completion and, later, packet events
 * @timeout_sec: longest wait (VMNET_IF_START_TIMEOUT_SEC)
 * @status:	vmnet's status when it answered
 *
 * Return: 0, or -1 with errno ETIMEDOUT (no answer in time; vif->iface is
 * kept, so that the caller can still try to stop it) or EIO (vmnet
 * failed: see *status)
 */
int
vmnet_if_start(struct vmnet_if *vif, xpc_object_t desc, dispatch_queue_t queue, int timeout_sec,
               vmnet_return_t *status)
{
	return vmnet_if_start_on(vif, NULL, desc, queue, timeout_sec, status);
}

/*
 * vmnet_if_start_on() - vmnet_if_start() on a macOS 26 network, or on none
 * @network:	the network (it is retained by the interface), or NULL
 */
int
vmnet_if_start_on(struct vmnet_if *vif, vmnet_network_ref network, xpc_object_t desc,
                  dispatch_queue_t queue, int timeout_sec, vmnet_return_t *status)
{
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block vmnet_return_t result = VMNET_FAILURE;
	__block xpc_object_t param = NULL;

	memset(vif, 0, sizeof(*vif));
	vif->queue = queue;
	if (!done) {
		errno = ENOMEM;
		return -1;
	}
	vmnet_start_interface_completion_handler_t handler = ^(vmnet_return_t st, xpc_object_t p) {
		result = st;
		if (st == VMNET_SUCCESS && p)
			param = xpc_retain(p);
		dispatch_semaphore_signal(done);
	};
	if (!network)
		vif->iface = vmnet_start_interface(desc, queue, handler);
	// cppcheck-suppress unknownMacro
	else if (__builtin_available(macOS 26.0, *))
		vif->iface = vmnet_interface_start_with_network(network, desc, queue, handler);
	/* Refused at once: no handler will run. */
	if (network && !vif->iface) {
		*status = VMNET_INVALID_ARGUMENT;
		errno = EIO;
		return -1;
	}
	if (dispatch_semaphore_wait(done, deadline(timeout_sec)) != 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	dispatch_release(done);
	*status = result;
	if (result != VMNET_SUCCESS || !vif->iface || !param) {
		if (param)
			xpc_release(param);
		vif->iface = NULL; /* nothing started, nothing to stop */
		errno = EIO;
		return -1;
	}
	vif->param = param;
	vif->max_packet_size = xpc_dictionary_get_uint64(param, vmnet_max_packet_size_key);
	/* Reported since macOS 15; left 0 (not reported) before. */
	// cppcheck-suppress unknownMacro
	if (__builtin_available(macOS 15.0, *)) {
		vif->read_max = xpc_dictionary_get_uint64(param, vmnet_read_max_packets_key);
		vif->write_max = xpc_dictionary_get_uint64(param, vmnet_write_max_packets_key);
	}
	return 0;
}

/*
 * vmnet_if_set_callback() - run @on_packets on the interface queue
 * whenever vmnet has packets; NULL removes the callback
 *
 * Return: 0, or -1 with errno EIO
 */
int
vmnet_if_set_callback(struct vmnet_if *vif, dispatch_block_t on_packets)
{
	vmnet_return_t st;

	if (on_packets) {
		st = vmnet_interface_set_event_callback(
		    vif->iface, VMNET_INTERFACE_PACKETS_AVAILABLE, vif->queue,
		    ^(interface_event_t mask, xpc_object_t event) {
			    (void)mask;
			    (void)event;
			    on_packets();
		    });
	} else {
		st = vmnet_interface_set_event_callback(
		    vif->iface, VMNET_INTERFACE_PACKETS_AVAILABLE, NULL, NULL);
	}
	if (st != VMNET_SUCCESS) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * vmnet_if_stop() - stop the interface and wait for vmnet's answer
 * @timeout_sec: longest wait (VMNET_IF_STOP_TIMEOUT_SEC)
 *
 * Safe to call on an interface that never started (does nothing).
 *
 * Return: 0, or -1 with errno ETIMEDOUT or EIO (see *status)
 */
int
vmnet_if_stop(struct vmnet_if *vif, int timeout_sec, vmnet_return_t *status)
{
	dispatch_semaphore_t done;
	__block vmnet_return_t result = VMNET_FAILURE;

	*status = VMNET_SUCCESS;
	if (!vif->iface)
		return 0;
	done = dispatch_semaphore_create(0);
	if (!done) {
		errno = ENOMEM;
		return -1;
	}
	*status = vmnet_stop_interface(vif->iface, vif->queue, ^(vmnet_return_t st) {
		result = st;
		dispatch_semaphore_signal(done);
	});
	vif->iface = NULL;
	if (*status != VMNET_SUCCESS) {
		dispatch_release(done);
		errno = EIO;
		return -1;
	}
	if (dispatch_semaphore_wait(done, deadline(timeout_sec)) != 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	dispatch_release(done);
	if (vif->param)
		xpc_release(vif->param);
	vif->param = NULL;
	*status = result;
	if (result != VMNET_SUCCESS) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * vmnet_if_shared_interfaces() - call @each with every interface name
 * usable in bridged mode, until it returns false
 *
 * Return: 0, or -1 with errno EIO if vmnet gave no list
 */
int
vmnet_if_shared_interfaces(bool (^each)(const char *name))
{
	xpc_object_t list = vmnet_copy_shared_interface_list();
	size_t n;

	if (!list) {
		errno = EIO;
		return -1;
	}
	n = xpc_array_get_count(list);
	for (size_t i = 0; i < n; i++) {
		const char *name = xpc_array_get_string(list, i);

		if (name && !each(name))
			break;
	}
	xpc_release(list);
	return 0;
}
