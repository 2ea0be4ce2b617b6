// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_event.c - event delivery of the Linux vmnet interfaces:
 * vmnet_interface_set_event_callback() and the poller thread.
 *
 * Theory of operation: a poller thread per interface waits on the TAP and
 * an eventfd. When frames wait and a callback is set, it queues one
 * delivery on the callback's queue and stops watching the TAP until that
 * delivery has run, then watches again, so the callback fires again while
 * frames remain.
 */
#include <Block.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include <vmnet/vmnet.h>

#include "vmnet_internal.h"

void
vmnet_event_wake_locked(struct vmnet_interface *iface)
{
	uint64_t one = 1;

	if (iface->wake_fd >= 0)
		(void)!write(iface->wake_fd, &one, sizeof(one));
}

/* Runs on the callback's queue: one event, unless the callback changed. */
static void
iface_deliver(void *arg)
{
	struct vmnet_interface *iface = arg;
	vmnet_interface_event_callback_t cb = NULL;
	xpc_object_t event = NULL;
	uint64_t estimate = 1;

	pthread_mutex_lock(&iface->lock);
	if (!iface->stopping && atomic_load(&iface->state) == IFACE_RUNNING && iface->callback &&
	    iface->gen == iface->pending_gen) {
		cb = Block_copy(iface->callback);
		event = xpc_retain(iface->event);
		/* Under the lock: a stop unmaps the count only after setting stopping. */
		estimate = vmnet_tapcount_estimate(&iface->count);
	}
	pthread_mutex_unlock(&iface->lock);
	if (cb) {
		xpc_dictionary_set_uint64(event, vmnet_estimated_packets_available_key, estimate);
		cb(VMNET_INTERFACE_PACKETS_AVAILABLE, event);
		Block_release(cb);
		xpc_release(event);
	}
	pthread_mutex_lock(&iface->lock);
	iface->pending = false;
	vmnet_event_wake_locked(iface);
	pthread_mutex_unlock(&iface->lock);
}

void *
vmnet_event_poll(void *arg)
{
	struct vmnet_interface *iface = arg;
	struct pollfd pfd[2] = {{.fd = iface->wake_fd, .events = POLLIN}, {.fd = iface->fd}};
	uint64_t count;

	for (;;) {
		pthread_mutex_lock(&iface->lock);
		if (iface->stopping) {
			pthread_mutex_unlock(&iface->lock);
			break;
		}
		pfd[1].events = iface->callback && !iface->pending &&
		                        (iface->mask & VMNET_INTERFACE_PACKETS_AVAILABLE)
		                    ? POLLIN
		                    : 0;
		pthread_mutex_unlock(&iface->lock);
		if (poll(pfd, 2, -1) < 0)
			continue; /* EINTR */
		if (pfd[0].revents & POLLIN)
			(void)!read(iface->wake_fd, &count, sizeof(count));
		/* A TAP deleted under us reports errors forever: stop watching. */
		if (pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL))
			pfd[1].fd = -1;
		if (!(pfd[1].revents & POLLIN))
			continue;
		pthread_mutex_lock(&iface->lock);
		if (!iface->stopping && iface->callback && !iface->pending) {
			iface->pending = true;
			iface->pending_gen = iface->gen;
			dispatch_async_f(iface->queue, iface, iface_deliver);
		}
		pthread_mutex_unlock(&iface->lock);
	}
	return NULL;
}

vmnet_return_t
vmnet_interface_set_event_callback(interface_ref interface, interface_event_t event_mask,
                                   dispatch_queue_t queue,
                                   vmnet_interface_event_callback_t callback)
{
	vmnet_interface_event_callback_t old_cb;
	dispatch_queue_t old_queue;

	if (!interface || (queue == NULL) != (callback == NULL))
		return VMNET_INVALID_ARGUMENT;
	switch (atomic_load(&interface->state)) {
	case IFACE_RUNNING:
		break;
	case IFACE_STARTING:
		return VMNET_SETUP_INCOMPLETE;
	default:
		return VMNET_INVALID_ARGUMENT;
	}
	pthread_mutex_lock(&interface->lock);
	if (interface->stopping) {
		pthread_mutex_unlock(&interface->lock);
		return VMNET_INVALID_ARGUMENT;
	}
	old_cb = interface->callback;
	old_queue = interface->queue;
	interface->callback = callback ? Block_copy(callback) : NULL;
	interface->queue = queue;
	if (queue)
		dispatch_retain(queue);
	interface->mask = event_mask;
	interface->gen++;
	vmnet_event_wake_locked(interface);
	pthread_mutex_unlock(&interface->lock);
	if (old_cb)
		Block_release(old_cb);
	if (old_queue)
		dispatch_release(old_queue);
	return VMNET_SUCCESS;
}
