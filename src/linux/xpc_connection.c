// SPDX-License-Identifier: Apache-2.0
/*
 * xpc_connection.c - XPC connections to named services for Linux, over unix
 * stream sockets: the connection objects, their properties and their life
 * cycle (activate, resume, suspend, cancel).
 *
 * Theory of operation: a client connection
 * (xpc_connection_create_mach_service() without flags) connects when
 * resumed; a listener binds its name and accepts when resumed
 * (xpc_service.c); a peer connection, delivered by its listener, starts
 * reading when resumed. An active connected connection has a reader thread
 * (xpc_message.c) that holds a reference, so an active connection lives
 * until it ends, as on macOS.
 *
 * Errors, as on macOS: xpc_connection_cancel() ends a connection and its
 * handler gets XPC_ERROR_CONNECTION_INVALID as its last event. A client
 * whose service goes away gets XPC_ERROR_CONNECTION_INTERRUPTED, and its
 * next message connects again; outstanding replies get the same error. A
 * peer connection whose client goes away, a client of an unknown name and a
 * listener whose name is taken get XPC_ERROR_CONNECTION_INVALID.
 *
 * Deviations from macOS:
 * - xpc_connection_set_peer_code_signing_requirement() understands one
 *   form of the requirement language, cdhash H"<40 hex digits>", against
 *   the code identity csops.c gives a process (its executable file); any
 *   other requirement is refused with EINVAL. It is checked for every
 *   message received (xpc_message.c); a message that fails is dropped and
 *   XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT delivered instead, as on macOS;
 * - messages sent before a connection is resumed are not queued: their
 *   reply handlers get XPC_ERROR_CONNECTION_INVALID;
 * - XPC_CONNECTION_MACH_SERVICE_PRIVILEGED is ignored (one namespace per
 *   effective user);
 * - only the object types xpc_wire.c encodes can be sent.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <Block.h>

#include "xpc_connection_internal.h"

static __attribute__((noreturn)) void
xpc_crash(const char *msg)
{
	fprintf(stderr, "BUG IN CLIENT OF LIBXPC: %s\n", msg);
	abort();
}

/* Objects */

xpc_connection_t
xpc_conn_new(enum conn_kind kind, const char *name, dispatch_queue_t queue)
{
	xpc_connection_t c = calloc(1, sizeof(*c));

	if (c == NULL)
		xpc_oom();
	c->h.type = XPC_TYPE_CONNECTION;
	atomic_init(&c->h.refcnt, 1);
	c->kind = kind;
	if (name != NULL && (c->name = strdup(name)) == NULL)
		xpc_oom();
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	pthread_mutex_init(&c->send_lock, NULL);
	if (queue == NULL)
		queue = dispatch_queue_create(name ? name : "xpc.peer", NULL);
	else
		dispatch_retain(queue);
	c->queue = queue;
	c->fd = -1;
	c->wake_fd = -1;
	c->lock_fd = -1;
	c->next_id = 1;
	return c;
}

void
xpc_connection_dispose(xpc_connection_t c)
{
	if (c->handler)
		Block_release(c->handler);
	if (c->fd >= 0)
		close(c->fd);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	dispatch_release(c->queue);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->send_lock);
	free(c->name);
	free(c);
}

xpc_connection_t
xpc_connection_create_mach_service(const char *name, dispatch_queue_t targetq, uint64_t flags)
{
	if (name == NULL)
		return NULL;
	return xpc_conn_new(flags & XPC_CONNECTION_MACH_SERVICE_LISTENER ? CONN_LISTENER
	                                                                 : CONN_CLIENT,
	                    name, targetq);
}

void
xpc_connection_set_target_queue(xpc_connection_t c, dispatch_queue_t targetq)
{
	dispatch_queue_t old;

	if (targetq == NULL)
		targetq = dispatch_queue_create(c->name ? c->name : "xpc.peer", NULL);
	else
		dispatch_retain(targetq);
	pthread_mutex_lock(&c->lock);
	old = c->queue;
	c->queue = targetq;
	pthread_mutex_unlock(&c->lock);
	dispatch_release(old);
}

void
xpc_connection_set_event_handler(xpc_connection_t c, xpc_handler_t handler)
{
	xpc_handler_t copy = handler ? Block_copy(handler) : NULL;
	xpc_handler_t old;

	if (handler && copy == NULL)
		xpc_oom();
	pthread_mutex_lock(&c->lock);
	old = c->handler;
	c->handler = copy;
	pthread_mutex_unlock(&c->lock);
	if (old)
		Block_release(old);
}

void
xpc_connection_set_context(xpc_connection_t c, void *context)
{
	c->context = context;
}

void *
xpc_connection_get_context(xpc_connection_t c)
{
	return c->context;
}

const char *
xpc_connection_get_name(xpc_connection_t c)
{
	return c->name;
}

uid_t
xpc_connection_get_euid(xpc_connection_t c)
{
	return c->cred.uid;
}

gid_t
xpc_connection_get_egid(xpc_connection_t c)
{
	return c->cred.gid;
}

pid_t
xpc_connection_get_pid(xpc_connection_t c)
{
	return c->cred.pid;
}

/* Return: 0 with @out set from a requirement 'cdhash H"<40 hex>"', or -1. */
static int
parse_cdhash_requirement(const char *req, uint8_t out[CSOPS_CDHASH_LEN])
{
	static const char prefix[] = "cdhash H\"";
	const char *hex;
	unsigned int byte;
	int i;

	if (strncmp(req, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	hex = req + sizeof(prefix) - 1;
	for (i = 0; i < CSOPS_CDHASH_LEN; i++) {
		if (!isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]) ||
		    sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (uint8_t)byte;
	}
	return strcmp(hex + 2 * CSOPS_CDHASH_LEN, "\"") == 0 ? 0 : -1;
}

int
xpc_connection_set_peer_code_signing_requirement(xpc_connection_t c, const char *requirement)
{
	uint8_t hash[CSOPS_CDHASH_LEN];

	if (requirement == NULL || parse_cdhash_requirement(requirement, hash) != 0)
		return EINVAL;
	pthread_mutex_lock(&c->lock);
	if (c->cdhash_required) {
		pthread_mutex_unlock(&c->lock);
		xpc_crash("xpc_connection_set_peer_code_signing_requirement called twice");
	}
	c->cdhash_required = true;
	memcpy(c->cdhash, hash, sizeof(hash));
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* Start the thread that owns @c->fd; the caller holds @c->lock. */
void
xpc_conn_start_thread_locked(xpc_connection_t c, void *(*fn)(void *))
{
	pthread_t thread;
	int err;

	c->running = true;
	xpc_retain(c);
	err = pthread_create(&thread, NULL, fn, c);
	if (err) {
		fprintf(stderr, "xpc: pthread_create: %s\n", strerror(err));
		abort();
	}
	pthread_detach(thread);
}

/* Life cycle */

/* Start what an activated connection does: connect, listen, or read. */
static void
activate_locked(xpc_connection_t c)
{
	int fd;

	c->activated = true;
	if (c->kind == CONN_LISTENER) {
		if (xpc_service_listen(c) == 0) {
			xpc_conn_start_thread_locked(c, xpc_service_accept_main);
			return;
		}
		if (c->lock_fd >= 0)
			close(c->lock_fd);
		c->lock_fd = -1;
	} else if (c->kind == CONN_PEER) {
		xpc_conn_start_thread_locked(c, xpc_conn_reader_main);
		return;
	} else if ((fd = xpc_service_connect(c)) >= 0) {
		c->fd = fd;
		xpc_conn_start_thread_locked(c, xpc_conn_reader_main);
		return;
	}
	c->invalid = true;
	pthread_mutex_unlock(&c->lock);
	xpc_conn_deliver_event(c, XPC_ERROR_CONNECTION_INVALID, true);
	pthread_mutex_lock(&c->lock);
}

void
xpc_connection_activate(xpc_connection_t c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->activated && !c->canceled)
		activate_locked(c);
	pthread_mutex_unlock(&c->lock);
}

/* Resume a suspended connection; resuming an inactive one activates it. */
void
xpc_connection_resume(xpc_connection_t c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->activated) {
		if (!c->canceled)
			activate_locked(c);
	} else if (c->suspended > 0) {
		if (--c->suspended == 0)
			pthread_cond_broadcast(&c->cond);
	} else {
		pthread_mutex_unlock(&c->lock);
		xpc_crash("Over-resume of a connection");
	}
	pthread_mutex_unlock(&c->lock);
}

void
xpc_connection_suspend(xpc_connection_t c)
{
	pthread_mutex_lock(&c->lock);
	if (c->activated)
		c->suspended++;
	pthread_mutex_unlock(&c->lock);
}

void
xpc_connection_cancel(xpc_connection_t c)
{
	bool never_started;

	pthread_mutex_lock(&c->lock);
	if (c->canceled) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	c->canceled = true;
	pthread_cond_broadcast(&c->cond);
	never_started = !c->running && !c->invalid;
	if (c->running && c->kind == CONN_LISTENER)
		(void)!eventfd_write(c->wake_fd, 1);
	else if (c->running)
		shutdown(c->fd, SHUT_RDWR);
	c->invalid = true;
	pthread_mutex_unlock(&c->lock);
	/* A connection with no thread gets its last event here; the thread's
	 * end delivers it otherwise. */
	if (never_started) {
		xpc_conn_fail_pending(c, XPC_ERROR_CONNECTION_INVALID);
		xpc_conn_deliver_event(c, XPC_ERROR_CONNECTION_INVALID, true);
	}
}
