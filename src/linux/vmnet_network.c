// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_network.c - macOS 26 networks on Linux: vmnet_network_create(),
 * its getters, and the serialization that lets another process join.
 *
 * Theory of operation: vmnet_network_create() makes a bridge with
 * everything the configuration asks for (vmnet_net.c) and keeps it by
 * holding a TAP device as its first port, the "holder", so the network is
 * reserved for as long as the ref lives, with no interface started yet.
 * A keeper (vmnet_keeper.c) waits on the holder as it does for an
 * interface: the last CFRelease() closes the holder, or the process dies
 * and the kernel does, and the keeper removes the network once no port is
 * left (interfaces started on it keep it until they stop, as on macOS,
 * where an interface retains its network).
 *
 * A serialization is an xpc dictionary naming the bridge and the network's
 * random identity; callers treat it as opaque. Any process of the same
 * network namespace (and, on Linux, with CAP_NET_ADMIN to add its port)
 * turns it back into a ref that joins the same bridge. That ref does not
 * hold the network: its lifetime stays with the creator's ref and the
 * interfaces on it. macOS restricts serializations to processes of the
 * creator's identity; this platform does not check who asks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmnet/vmnet.h>

#include "vmnet_config.h"
#include "vmnet_internal.h"
#include "vmnet_network.h"
#include "vmnet_tap.h"

/* Longest wait for the keeper: removing a network takes well under a second. */
#define NETWORK_KEEPER_TIMEOUT_MS 5000

/* Keys of a serialization. */
#define SER_BRIDGE "vmnet_linux_bridge"
#define SER_ID     "vmnet_linux_network_id"
#define SER_MODE   "vmnet_linux_mode"

static void
set_status(vmnet_return_t *status, vmnet_return_t value)
{
	if (status)
		*status = value;
}

static void
network_finalize(struct cf_object *obj)
{
	struct vmnet_network *n = (struct vmnet_network *)obj;
	int err;

	if (n->holder_fd >= 0)
		close(n->holder_fd);
	if (n->keeper.pid)
		vmnet_keeper_stop(&n->keeper, NETWORK_KEEPER_TIMEOUT_MS, &err);
	free(n);
}

static struct vmnet_network *
network_new(uint32_t mode)
{
	struct vmnet_network *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	cf_object_init(&n->cf, network_finalize);
	n->mode = mode;
	n->holder_fd = -1;
	return n;
}

static vmnet_return_t
network_status(int err)
{
	switch (err) {
	case EINVAL:
	case ENODEV:
	case EADDRINUSE:
		return VMNET_INVALID_ARGUMENT;
	case ENOMEM:
		return VMNET_MEM_FAILURE;
	default:
		return VMNET_FAILURE;
	}
}

vmnet_network_ref
vmnet_network_create(vmnet_network_configuration_ref configuration, vmnet_return_t *status)
{
	struct vmnet_network *n;
	vmnet_return_t st;
	int index;

	if (!configuration) {
		set_status(status, VMNET_INVALID_ARGUMENT);
		return NULL;
	}
	if (!vmnet_privileged()) {
		set_status(status, VMNET_FAILURE);
		return NULL;
	}
	n = network_new(configuration->conf.mode);
	if (!n) {
		set_status(status, VMNET_MEM_FAILURE);
		return NULL;
	}
	n->holder_fd = vmnet_tap_open((char[IF_NAMESIZE]){0}, &index);
	if (n->holder_fd < 0 || vmnet_net_create(&configuration->conf, index, &n->net) < 0) {
		st = network_status(errno);
		goto fail;
	}
	if (vmnet_keeper_start(&n->keeper, index, NETWORK_KEEPER_TIMEOUT_MS) < 0) {
		st = VMNET_FAILURE;
		goto fail;
	}
	set_status(status, VMNET_SUCCESS);
	return n;
fail:
	/* vmnet_net_create() reclaimed whatever it made before failing. */
	if (n->holder_fd >= 0)
		close(n->holder_fd);
	free(n);
	set_status(status, st);
	return NULL;
}

void
vmnet_network_get_ipv4_subnet(vmnet_network_ref network, struct in_addr *subnet,
                              struct in_addr *mask)
{
	if (!network)
		return;
	if (subnet)
		subnet->s_addr = network->net.start.s_addr & network->net.mask.s_addr;
	if (mask)
		*mask = network->net.mask;
}

void
vmnet_network_get_ipv6_prefix(vmnet_network_ref network, struct in6_addr *prefix,
                              uint8_t *prefix_len)
{
	if (!network)
		return;
	if (prefix)
		*prefix = network->net.nat66;
	if (prefix_len)
		*prefix_len = network->net.nat66_len;
}

xpc_object_t
vmnet_network_copy_serialization(vmnet_network_ref network, vmnet_return_t *status)
{
	xpc_object_t s;

	if (!network) {
		set_status(status, VMNET_INVALID_ARGUMENT);
		return NULL;
	}
	s = xpc_dictionary_create_empty();
	if (!s) {
		set_status(status, VMNET_MEM_FAILURE);
		return NULL;
	}
	xpc_dictionary_set_string(s, SER_BRIDGE, network->net.bridge);
	xpc_dictionary_set_uuid(s, SER_ID, network->net.id);
	xpc_dictionary_set_uint64(s, SER_MODE, network->mode);
	set_status(status, VMNET_SUCCESS);
	return s;
}

vmnet_network_ref
vmnet_network_create_with_serialization(xpc_object_t network, vmnet_return_t *status)
{
	xpc_object_t bridge, id, mode;
	struct vmnet_network *n;
	uint64_t m;

	if (!network || xpc_get_type(network) != XPC_TYPE_DICTIONARY) {
		set_status(status, VMNET_INVALID_ARGUMENT);
		return NULL;
	}
	bridge = xpc_dictionary_get_value(network, SER_BRIDGE);
	id = xpc_dictionary_get_value(network, SER_ID);
	mode = xpc_dictionary_get_value(network, SER_MODE);
	if (!bridge || xpc_get_type(bridge) != XPC_TYPE_STRING ||
	    xpc_string_get_length(bridge) >= IF_NAMESIZE || !id ||
	    xpc_get_type(id) != XPC_TYPE_UUID || !mode || xpc_get_type(mode) != XPC_TYPE_UINT64) {
		set_status(status, VMNET_INVALID_ARGUMENT);
		return NULL;
	}
	m = xpc_uint64_get_value(mode);
	if (m != VMNET_SHARED_MODE && m != VMNET_HOST_MODE) {
		set_status(status, VMNET_INVALID_ARGUMENT);
		return NULL;
	}
	n = network_new((uint32_t)m);
	if (!n) {
		set_status(status, VMNET_MEM_FAILURE);
		return NULL;
	}
	/* The network must still exist: its creator's ref or an interface holds it. */
	if (vmnet_net_lookup(xpc_string_get_string_ptr(bridge), xpc_uuid_get_bytes(id), &n->net) <
	    0) {
		free(n);
		set_status(status, VMNET_INVALID_ARGUMENT);
		return NULL;
	}
	set_status(status, VMNET_SUCCESS);
	return n;
}
