// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_event.c - event delivery of the Linux vmnet interfaces:
 * vmnet_interface_set_event_callback() and the poller thread.
 *
 * Theory of operation: a poller thread per interface waits in epoll on the
 * TAP and an eventfd. When frames wait and a callback is set, the poller
 * delivers one event on the callback's queue, and no other until that one
 * has run. It runs the delivery itself when the queue could start it at
 * once (dispatch_run_here_f()), as libdispatch's event threads do, so an
 * event costs no second thread's wake, and the TAP stays in the epoll set,
 * level-triggered: frames left after the callback bring the next event at
 * the next epoll_wait(), with no system call to re-arm a watch. When the
 * queue is busy the delivery is queued there and the TAP leaves the set
 * until it has run, so the poller does not spin while it waits; the same
 * when no delivery is wanted (no callback, the TAP gone). A stop that
 * comes while the poller runs a delivery does not wait for it (the
 * callback may be waiting for that stop): the poller is detached and
 * closes its descriptors itself on its way out. The eventfd wakes it for a
 * new callback and for the stop. The estimate comes from vmnet_tapcount.c.
 */
#include <Block.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <vmnet/vmnet.h>

#include "dispatch_private.h"
#include "vmnet_internal.h"

void
vmnet_event_wake_locked(struct vmnet_interface *iface)
{
	uint64_t one = 1;

	if (iface->wake_fd >= 0)
		(void)!write(iface->wake_fd, &one, sizeof(one));
}

int
vmnet_event_open(struct vmnet_interface *iface)
{
	struct epoll_event wake = {.events = EPOLLIN};
	int err;

	iface->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	iface->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	wake.data.fd = iface->wake_fd;
	/* The TAP joins the set when a delivery is wanted: event_arm_locked(). */
	if (iface->wake_fd >= 0 && iface->epoll_fd >= 0 &&
	    epoll_ctl(iface->epoll_fd, EPOLL_CTL_ADD, iface->wake_fd, &wake) == 0)
		return 0;
	err = errno;
	vmnet_event_close_locked(iface);
	errno = err;
	return -1;
}

void
vmnet_event_close_locked(struct vmnet_interface *iface)
{
	if (iface->wake_fd >= 0)
		close(iface->wake_fd);
	if (iface->epoll_fd >= 0)
		close(iface->epoll_fd);
	iface->wake_fd = -1;
	iface->epoll_fd = -1;
	iface->tap_armed = false;
}

/* Watch the TAP if a delivery is wanted and none is queued or running. */
static void
event_arm_locked(struct vmnet_interface *iface)
{
	struct epoll_event ev = {.events = EPOLLIN};

	if (iface->tap_armed || iface->tap_dead || iface->stopping || iface->epoll_fd < 0 ||
	    !iface->callback || iface->pending ||
	    !(iface->mask & VMNET_INTERFACE_PACKETS_AVAILABLE))
		return;
	ev.data.fd = iface->fd;
	if (epoll_ctl(iface->epoll_fd, EPOLL_CTL_ADD, iface->fd, &ev) == 0)
		iface->tap_armed = true;
}

/* Stop watching the TAP until event_arm_locked(). */
static void
event_disarm_locked(struct vmnet_interface *iface)
{
	if (iface->tap_armed && epoll_ctl(iface->epoll_fd, EPOLL_CTL_DEL, iface->fd, NULL) == 0)
		iface->tap_armed = false;
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
	event_arm_locked(iface);
	pthread_mutex_unlock(&iface->lock);
}

/*
 * The TAP is readable. Return: the queue to deliver an event on, retained,
 * or NULL if no delivery is wanted (the TAP then leaves the set).
 */
static dispatch_queue_t
event_tap_ready(struct vmnet_interface *iface, uint32_t events)
{
	dispatch_queue_t queue = NULL;

	pthread_mutex_lock(&iface->lock);
	/* A TAP deleted under us reports errors forever: stop watching. */
	if (events & (EPOLLERR | EPOLLHUP))
		iface->tap_dead = true;
	else if (!iface->stopping && iface->callback && !iface->pending &&
	         (iface->mask & VMNET_INTERFACE_PACKETS_AVAILABLE)) {
		iface->pending = true;
		iface->pending_gen = iface->gen;
		queue = iface->queue;
		dispatch_retain(queue);
	}
	if (!queue)
		event_disarm_locked(iface);
	pthread_mutex_unlock(&iface->lock);
	return queue;
}

/* Deliver on the poller's own thread if @queue can run it now, else queue it. */
static void
event_deliver(struct vmnet_interface *iface, dispatch_queue_t queue)
{
	bool here, ran = false;

	pthread_mutex_lock(&iface->lock);
	/* Once a stop has looked, it must not have to wait for the poller. */
	here = iface->delivering = !iface->stopping;
	pthread_mutex_unlock(&iface->lock);
	if (here)
		ran = dispatch_run_here_f(queue, iface, iface_deliver);
	pthread_mutex_lock(&iface->lock);
	iface->delivering = false;
	/* Queued: no watching until it has run (it re-arms). */
	if (!ran)
		event_disarm_locked(iface);
	pthread_mutex_unlock(&iface->lock);
	if (!ran)
		dispatch_async_f(queue, iface, iface_deliver);
	dispatch_release(queue);
}

/* Return: whether the poller goes on; a detached one closes what it used. */
static bool
event_poller_continues(struct vmnet_interface *iface)
{
	bool go_on;

	pthread_mutex_lock(&iface->lock);
	go_on = !iface->stopping;
	if (go_on)
		event_arm_locked(iface);
	else if (iface->poller_detached)
		vmnet_event_close_locked(iface);
	pthread_mutex_unlock(&iface->lock);
	return go_on;
}

void *
vmnet_event_poll(void *arg)
{
	struct vmnet_interface *iface = arg;
	struct epoll_event ev[2];
	dispatch_queue_t queue;
	uint64_t count;
	uint32_t tap_events;
	int n, i;

	while (event_poller_continues(iface)) {
		n = epoll_wait(iface->epoll_fd, ev, 2, -1);
		tap_events = 0;
		for (i = 0; i < n; i++) {
			if (ev[i].data.fd == iface->wake_fd)
				(void)!read(iface->wake_fd, &count, sizeof(count));
			else
				tap_events = ev[i].events;
		}
		queue = tap_events ? event_tap_ready(iface, tap_events) : NULL;
		if (queue)
			event_deliver(iface, queue);
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
