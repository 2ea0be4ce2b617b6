// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet.c - vmnet.framework's interface API on Linux.
 *
 * Theory of operation: an interface is a non-blocking TAP device made a
 * port of a bridge (vmnet_net.c). vmnet_start_interface() and
 * vmnet_stop_interface() return at once; their work runs on one private
 * serial queue (so a stop always follows its start) and the completion
 * handler always runs later on the caller's queue. vmnet_read() and
 * vmnet_write() are the data path, in vmnet_io.c.
 *
 * Events: a poller thread per interface (vmnet_event.c) calls the event
 * callback while frames wait.
 *
 * vmnet_interface_start_with_network() takes the same path with a macOS 26
 * network (vmnet_network.c): the TAP joins that network's bridge, and the
 * interface holds a reference to the network until its stop.
 *
 * Networks: a successful start forks a keeper (vmnet_keeper.c), a process
 * that keeps root when the caller drops it. Stopping the interface, or the
 * caller's death, makes the keeper remove the networks left without ports.
 * The fork happens inside the attach, beside a new network's dnsmasq start
 * (vmnet_net.c), which would otherwise keep it waiting.
 *
 * Lifetime: the struct behind an interface_ref is never freed. After stop
 * (or a failed start) only the mutex, the state and an event dictionary a
 * late delivery may hold remain, so read, write and stop on a stale
 * reference fail cleanly with VMNET_INVALID_ARGUMENT instead of touching
 * freed memory, as callers of the real framework expect.
 */
#include <Block.h>
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <vmnet/vmnet.h>

#include "vmnet_desc.h"
#include "vmnet_internal.h"
#include "vmnet_keeper.h"
#include "vmnet_log.h"
#include "vmnet_net.h"
#include "vmnet_offload.h"
#include "vmnet_tap.h"
#include "vmnet_tapcount.h"

const char *const vmnet_operation_mode_key = "vmnet_operation_mode";
const char *const vmnet_shared_interface_name_key = "vmnet_shared_interface_name";
const char *const vmnet_mac_address_key = "vmnet_mac_address";
const char *const vmnet_allocate_mac_address_key = "vmnet_allocate_mac_address";
const char *const vmnet_mtu_key = "vmnet_mtu";
const char *const vmnet_max_packet_size_key = "vmnet_max_packet_size";
const char *const vmnet_interface_id_key = "vmnet_interface_id";
const char *const vmnet_start_address_key = "vmnet_start_address";
const char *const vmnet_end_address_key = "vmnet_end_address";
const char *const vmnet_subnet_mask_key = "vmnet_subnet_mask";
const char *const vmnet_nat66_prefix_key = "vmnet_nat66_prefix";
const char *const vmnet_nat66_prefix_length_key = "vmnet_nat66_prefix_length";
const char *const vmnet_estimated_packets_available_key = "vmnet_estimated_packets_available";
const char *const vmnet_network_identifier_key = "vmnet_network_identifier";
const char *const vmnet_host_ip_address_key = "vmnet_host_ip_address";
const char *const vmnet_host_subnet_mask_key = "vmnet_host_subnet_mask";
const char *const vmnet_host_ipv6_address_key = "vmnet_host_ipv6_address";
const char *const vmnet_enable_tso_key = "vmnet_enable_tso";
const char *const vmnet_enable_isolation_key = "vmnet_enable_isolation";
const char *const vmnet_enable_checksum_offload_key = "vmnet_enable_checksum_offload";
const char *const vmnet_read_max_packets_key = "vmnet_read_max_packets";
const char *const vmnet_write_max_packets_key = "vmnet_write_max_packets";
const char *const vmnet_enable_virtio_header_key = "vmnet_enable_virtio_header";

#define VMNET_TSO_PACKET_SIZE 65550 /* as macOS reports with TSO */
/* Longest wait for the keeper: removing a network takes well under a second. */
#define VMNET_KEEPER_TIMEOUT_MS 5000

static pthread_once_t work_once = PTHREAD_ONCE_INIT;
static dispatch_queue_t work_queue;

static void
work_queue_create(void)
{
	work_queue = dispatch_queue_create("vmnet.linux.work", DISPATCH_QUEUE_SERIAL);
}

dispatch_queue_t
vmnet_work_queue(void)
{
	pthread_once(&work_once, work_queue_create);
	return work_queue;
}

/* vmnet needs root on macOS; here it needs CAP_NET_ADMIN. */
bool
vmnet_privileged(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN);
}

static void
iface_format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
	         mac[5]);
}

/* The interface_param dictionary vmnet hands to the start handler. */
static xpc_object_t
iface_param(const struct vmnet_interface *iface)
{
	xpc_object_t p = xpc_dictionary_create_empty();
	char buf[INET6_ADDRSTRLEN];

	if (iface->desc.allocate_mac) {
		iface_format_mac(iface->mac, buf);
		xpc_dictionary_set_string(p, vmnet_mac_address_key, buf);
	}
	xpc_dictionary_set_uint64(p, vmnet_mtu_key, iface->net.mtu);
	xpc_dictionary_set_uint64(p, vmnet_max_packet_size_key, iface->max_packet_size);
	xpc_dictionary_set_uint64(p, vmnet_read_max_packets_key, VMNET_MAX_PACKETS);
	xpc_dictionary_set_uint64(p, vmnet_write_max_packets_key, VMNET_MAX_PACKETS);
	xpc_dictionary_set_uuid(p, vmnet_interface_id_key, iface->id);
	/* As macOS: no address keys for a network-id or 26 network. */
	if (iface->desc.net.mode != VMNET_BRIDGED_MODE && !iface->desc.net.has_network_id &&
	    !iface->network) {
		inet_ntop(AF_INET, &iface->net.start, buf, sizeof(buf));
		xpc_dictionary_set_string(p, vmnet_start_address_key, buf);
		inet_ntop(AF_INET, &iface->net.end, buf, sizeof(buf));
		xpc_dictionary_set_string(p, vmnet_end_address_key, buf);
		inet_ntop(AF_INET, &iface->net.mask, buf, sizeof(buf));
		xpc_dictionary_set_string(p, vmnet_subnet_mask_key, buf);
	}
	if (iface->net.has_nat66 && !iface->desc.net.has_network_id && !iface->network) {
		inet_ntop(AF_INET6, &iface->net.nat66, buf, sizeof(buf));
		xpc_dictionary_set_string(p, vmnet_nat66_prefix_key, buf);
	}
	return p;
}

/*
 * Have the keeper remove unused networks. The interface is stopped either
 * way; a network it cannot remove now goes with a later start or stop.
 */
static void
iface_release_by_keeper(struct vmnet_interface *iface)
{
	int err;

	if (vmnet_keeper_stop(&iface->keeper, VMNET_KEEPER_TIMEOUT_MS, &err) == 0) {
		if (err)
			vmnet_log("cannot remove unused networks: %s", strerror(err));
		return;
	}
	if (errno == ETIMEDOUT)
		vmnet_log("network keeper did not answer within %d seconds; unused networks stay "
		          "until the next start or stop",
		          VMNET_KEEPER_TIMEOUT_MS / 1000);
	else
		vmnet_log("network keeper exited without answering; unused networks stay until the "
		          "next start or stop");
}

/* Close what a start or stop leaves: poller, eventfd, TAP, network. */
static void
iface_close(struct vmnet_interface *iface)
{
	vmnet_interface_event_callback_t cb;
	dispatch_queue_t queue;
	xpc_object_t event;

	pthread_mutex_lock(&iface->lock);
	iface->stopping = true;
	vmnet_event_wake_locked(iface);
	/* A callback running on the poller may be waiting for this stop. */
	iface->poller_detached = iface->has_poller && iface->delivering;
	pthread_mutex_unlock(&iface->lock);
	if (iface->poller_detached)
		pthread_detach(iface->poller);
	else if (iface->has_poller)
		pthread_join(iface->poller, NULL);
	iface->has_poller = false;
	/* Let reads and writes that passed the state check finish. */
	while (atomic_load(&iface->busy))
		sched_yield();

	pthread_mutex_lock(&iface->lock);
	if (!iface->poller_detached)
		vmnet_event_close_locked(iface); /* else the poller closes them */
	cb = iface->callback;
	queue = iface->queue;
	event = iface->event;
	iface->callback = NULL;
	iface->queue = NULL;
	iface->event = NULL;
	pthread_mutex_unlock(&iface->lock);
	if (cb)
		Block_release(cb);
	if (queue)
		dispatch_release(queue);
	if (event)
		xpc_release(event);

	if (iface->fd >= 0)
		close(iface->fd);
	iface->fd = -1;
	vmnet_tapcount_detach(&iface->count);
	/* With the TAP gone, our network may be unused. */
	if (iface->keeper.pid)
		iface_release_by_keeper(iface);
	else if (iface->attached)
		vmnet_net_release(0); /* a start that failed, still privileged */
	iface->attached = false;
	if (iface->network)
		CFRelease(iface->network);
	iface->network = NULL;
}

static vmnet_return_t
iface_fail(struct vmnet_interface *iface, vmnet_return_t status, const char *what, int err)
{
	int expected = IFACE_STARTING;

	if (err)
		vmnet_log("cannot start interface: %s: %s", what, strerror(err));
	else
		vmnet_log("cannot start interface: %s", what);
	iface_close(iface);
	atomic_compare_exchange_strong(&iface->state, &expected, IFACE_FAILED);
	return status;
}

/* The keeper's start, a vmnet_net_meanwhile_fn that tells its failure apart. */
struct keeper_start {
	struct vmnet_interface *iface;
	int tap_index;
	bool failed;
	int err;
};

static int
keeper_start_meanwhile(void *arg, pid_t dhcp)
{
	struct keeper_start *ks = arg;

	ks->iface->keeper.dhcp = dhcp;
	if (vmnet_keeper_start(&ks->iface->keeper, ks->tap_index, VMNET_KEEPER_TIMEOUT_MS) == 0)
		return 0;
	ks->failed = true;
	ks->err = errno;
	return -1;
}

/* Make TAP @index a port of its network and fork the keeper. Return: a vmnet status. */
static vmnet_return_t
iface_attach(struct vmnet_interface *iface, int index)
{
	struct keeper_start ks = {.iface = iface, .tap_index = index};
	int err;

	vmnet_portfwd_table(iface, iface->keeper.table);
	if (iface->network) {
		if (vmnet_net_join(iface->network->net.bridge, iface->network->net.id, index,
		                   iface->desc.net.isolated, &iface->net) < 0)
			return iface_fail(iface, VMNET_INVALID_ARGUMENT, "network", errno);
		iface->attached = true;
		if (keeper_start_meanwhile(&ks, 0) < 0)
			return iface_fail(iface, VMNET_FAILURE, "network keeper", ks.err);
		return VMNET_SUCCESS;
	}
	if (vmnet_net_attach(&iface->desc.net, index, &iface->net, keeper_start_meanwhile, &ks) <
	    0) {
		err = errno;
		if (ks.failed)
			return iface_fail(iface, VMNET_FAILURE, "network keeper", ks.err);
		return iface_fail(
		    iface, err == ENODEV || err == EINVAL ? VMNET_INVALID_ARGUMENT : VMNET_FAILURE,
		    "network", err);
	}
	iface->attached = true;
	return VMNET_SUCCESS;
}

/* The work of vmnet_start_interface(); runs on the private queue. */
static vmnet_return_t
iface_start(struct vmnet_interface *iface, xpc_object_t xdesc, xpc_object_t *param)
{
	int expected = IFACE_STARTING, index, err;
	vmnet_return_t status;

	if ((iface->network ? vmnet_desc_parse_network(xdesc, &iface->desc)
	                    : vmnet_desc_parse(xdesc, &iface->desc)) < 0)
		return iface_fail(iface, VMNET_INVALID_ARGUMENT, "invalid interface description",
		                  0);
	if (iface->network)
		iface->desc.net.mode = iface->network->mode;
	if (!vmnet_privileged())
		return iface_fail(iface, VMNET_FAILURE, "CAP_NET_ADMIN required", 0);
	if (iface->desc.has_id)
		memcpy(iface->id, iface->desc.id, sizeof(uuid_t));
	else if (getrandom(iface->id, sizeof(uuid_t), 0) != sizeof(uuid_t))
		return iface_fail(iface, VMNET_FAILURE, "getrandom", errno);
	else {
		iface->id[6] = (uint8_t)((iface->id[6] & 0x0f) | 0x40); /* version 4 */
		iface->id[8] = (uint8_t)((iface->id[8] & 0x3f) | 0x80); /* RFC 4122 */
	}
	vmnet_net_derive_mac(iface->id, sizeof(uuid_t), iface->mac);
	iface->offload = (iface->desc.tso ? VMNET_OFFLOAD_TSO : 0) |
	                 (iface->desc.checksum_offload ? VMNET_OFFLOAD_CSUM : 0);

	iface->fd = vmnet_tap_open((char[IF_NAMESIZE]){0}, &index, iface->offload);
	if (iface->fd < 0)
		return iface_fail(iface, VMNET_FAILURE, "TAP device", errno);
	/* Without a count (no CAP_BPF, no BPF) the estimate is 1. */
	(void)vmnet_tapcount_attach(&iface->count, iface->fd);
	status = iface_attach(iface, index);
	if (status != VMNET_SUCCESS)
		return status;
	/* A frame is the MTU plus the Ethernet header. */
	iface->max_packet_size =
	    iface->desc.tso ? VMNET_TSO_PACKET_SIZE : iface->net.mtu + (size_t)VMNET_ETH_HLEN;
	if (vmnet_event_open(iface) < 0)
		return iface_fail(iface, VMNET_FAILURE, "event poller", errno);
	iface->event = xpc_dictionary_create_empty();
	err = pthread_create(&iface->poller, NULL, vmnet_event_poll, iface);
	if (err)
		return iface_fail(iface, VMNET_FAILURE, "poller thread", err);
	iface->has_poller = true;
	*param = iface_param(iface);
	/* A stop requested meanwhile already moved the state on. */
	atomic_compare_exchange_strong(&iface->state, &expected, IFACE_RUNNING);
	return VMNET_SUCCESS;
}

/* A start or stop in flight: what the private queue and the handler need. */
struct iface_op {
	struct vmnet_interface *iface;
	xpc_object_t desc;  /* start: the description, retained */
	xpc_object_t param; /* start: the result for the handler */
	vmnet_return_t status;
	dispatch_queue_t queue; /* the caller's, retained */
	vmnet_start_interface_completion_handler_t start_handler;
	vmnet_interface_completion_handler_t stop_handler;
};

/* On the caller's queue: run the handler, then free the operation. */
static void
op_complete(void *arg)
{
	struct iface_op *op = arg;

	if (op->start_handler) {
		op->start_handler(op->status, op->param);
		Block_release(op->start_handler);
	} else {
		op->stop_handler(op->status);
		Block_release(op->stop_handler);
	}
	if (op->param)
		xpc_release(op->param);
	dispatch_release(op->queue);
	free(op);
}

/* On the private queue. */
static void
op_start(void *arg)
{
	struct iface_op *op = arg;

	op->status = iface_start(op->iface, op->desc, &op->param);
	if (op->desc)
		xpc_release(op->desc);
	dispatch_async_f(op->queue, op, op_complete);
}

static void
op_stop(void *arg)
{
	struct iface_op *op = arg;

	iface_close(op->iface);
	op->status = VMNET_SUCCESS;
	dispatch_async_f(op->queue, op, op_complete);
}

static struct iface_op *
op_new(struct vmnet_interface *iface, dispatch_queue_t queue)
{
	struct iface_op *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->iface = iface;
	op->queue = queue;
	dispatch_retain(queue);
	return op;
}

/* Both start calls: @network NULL for the classic one. */
static interface_ref
iface_begin(vmnet_network_ref network, xpc_object_t interface_desc, dispatch_queue_t queue,
            vmnet_start_interface_completion_handler_t handler)
{
	struct vmnet_interface *iface;
	struct iface_op *op;

	if (!queue || !handler)
		return NULL;
	iface = calloc(1, sizeof(*iface));
	op = iface ? op_new(iface, queue) : NULL;
	if (!op) {
		free(iface);
		return NULL;
	}
	atomic_init(&iface->state, IFACE_STARTING);
	iface->fd = -1;
	iface->wake_fd = -1;
	iface->epoll_fd = -1;
	pthread_mutex_init(&iface->lock, NULL);
	pthread_mutex_init(&iface->srcmac_lock, NULL);
	op->desc = interface_desc ? xpc_retain(interface_desc) : NULL;
	op->start_handler = Block_copy(handler);
	/* Held until the stop, as macOS retains the network of an interface. */
	if (network) {
		CFRetain(network);
		iface->network = network;
	}
	dispatch_async_f(vmnet_work_queue(), op, op_start);
	return iface;
}

interface_ref
vmnet_start_interface(xpc_object_t interface_desc, dispatch_queue_t queue,
                      vmnet_start_interface_completion_handler_t handler)
{
	return iface_begin(NULL, interface_desc, queue, handler);
}

interface_ref
vmnet_interface_start_with_network(vmnet_network_ref network, xpc_object_t interface_desc,
                                   dispatch_queue_t queue,
                                   vmnet_start_interface_completion_handler_t start_block)
{
	if (!network)
		return NULL;
	return iface_begin(network, interface_desc, queue, start_block);
}

vmnet_return_t
vmnet_stop_interface(interface_ref interface, dispatch_queue_t queue,
                     vmnet_interface_completion_handler_t handler)
{
	int expected = IFACE_RUNNING;
	struct iface_op *op;

	if (!interface || !queue || !handler)
		return VMNET_INVALID_ARGUMENT;
	op = op_new(interface, queue);
	if (!op)
		return VMNET_MEM_FAILURE;
	if (!atomic_compare_exchange_strong(&interface->state, &expected, IFACE_STOPPED)) {
		expected = IFACE_STARTING;
		if (!atomic_compare_exchange_strong(&interface->state, &expected, IFACE_STOPPED)) {
			dispatch_release(queue);
			free(op);
			return VMNET_INVALID_ARGUMENT;
		}
	}
	op->stop_handler = Block_copy(handler);
	dispatch_async_f(vmnet_work_queue(), op, op_stop);
	return VMNET_SUCCESS;
}

xpc_object_t
vmnet_copy_shared_interface_list(void)
{
	char(*names)[IF_NAMESIZE];
	xpc_object_t list;
	size_t n, i;

	if (vmnet_net_foreign_bridges(&names, &n) < 0)
		return NULL;
	list = xpc_array_create_empty();
	for (i = 0; i < n; i++)
		xpc_array_set_string(list, XPC_ARRAY_APPEND, names[i]);
	free(names);
	return list;
}
