// SPDX-License-Identifier: Apache-2.0
/*
 * xpc_message.c - the message loop of the Linux platform's XPC
 * connections: the reader thread, delivery to handlers, sending, and
 * requests waiting for their replies.
 *
 * Theory of operation: the reader thread of a connected connection decodes
 * messages (xpc_wire.c) and delivers each to the event handler on the
 * target queue (waiting while the connection is suspended), or a reply to
 * the handler (or the waiting caller) of the request it answers; a message
 * from a peer that fails the connection's code-signing requirement is
 * dropped and XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT delivered instead.
 * At the end of the stream it fails the outstanding requests and delivers
 * the connection's error. Sending encodes and writes the whole message
 * under a lock; a peer that stops reading makes the write time out and ends
 * its connection instead of stalling the sender; a client whose service
 * went away connects again on its next message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <Block.h>

#include "xpc_connection_internal.h"
#include "xpc_wire.h"

/* Return: whether the process @pid runs the code @cdhash names. */
static bool
peer_matches(pid_t pid, const uint8_t cdhash[CSOPS_CDHASH_LEN])
{
	uint8_t peer[CSOPS_CDHASH_LEN];

	return pid > 0 && csops(pid, CSOPS_CDHASH, peer, sizeof(peer)) == 0 &&
	       memcmp(peer, cdhash, sizeof(peer)) == 0;
}

/* Delivery */

struct delivery {
	xpc_connection_t conn; /* +1 */
	xpc_handler_t handler; /* +1 copy, or NULL: the connection's handler */
	xpc_object_t event;    /* +1 */
	bool last;             /* the final event: drop the handler after it */
};

static void
deliver_run(void *ctx)
{
	struct delivery *d = ctx;
	xpc_connection_t c = d->conn;
	xpc_handler_t h = d->handler;

	if (h == NULL) {
		pthread_mutex_lock(&c->lock);
		h = c->handler ? Block_copy(c->handler) : NULL;
		if (d->last && c->handler) {
			Block_release(c->handler);
			c->handler = NULL;
		}
		pthread_mutex_unlock(&c->lock);
	}
	if (h) {
		h(d->event);
		Block_release(h);
	}
	xpc_release(d->event);
	xpc_release(c);
	free(d);
}

/* Queue @event for @handler (NULL: @c's event handler) on @queue. */
static void
deliver(xpc_connection_t c, dispatch_queue_t queue, xpc_handler_t handler, xpc_object_t event,
        bool last)
{
	struct delivery *d = calloc(1, sizeof(*d));

	if (d == NULL)
		xpc_oom();
	d->conn = xpc_retain(c);
	d->handler = handler;
	d->event = xpc_retain(event);
	d->last = last;
	dispatch_async_f(queue, d, deliver_run);
}

/* Wait while @c is suspended; the caller holds @c->lock. */
static void
wait_resumed_locked(xpc_connection_t c)
{
	while (c->suspended > 0 && !c->canceled)
		pthread_cond_wait(&c->cond, &c->lock);
}

/* Hand @event to the event handler of @c, honouring suspension. */
void
xpc_conn_deliver_event(xpc_connection_t c, xpc_object_t event, bool last)
{
	dispatch_queue_t q;

	pthread_mutex_lock(&c->lock);
	wait_resumed_locked(c);
	q = c->queue;
	dispatch_retain(q);
	pthread_mutex_unlock(&c->lock);
	deliver(c, q, NULL, event, last);
	dispatch_release(q);
}

/* Complete request @p with @reply (a dictionary or an error); frees @p unless a caller waits. */
static void
complete(xpc_connection_t c, struct pending *p, xpc_object_t reply)
{
	if (p->queue == NULL) {
		pthread_mutex_lock(&c->lock);
		p->result = xpc_retain(reply);
		p->done = true;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
		return;
	}
	deliver(c, p->queue, p->handler, reply, false);
	dispatch_release(p->queue);
	free(p);
}

/* Return: the request @id removed from @c's list, or NULL. */
static struct pending *
take_pending(xpc_connection_t c, uint64_t id)
{
	struct pending **pp, *p;

	pthread_mutex_lock(&c->lock);
	for (pp = &c->pending; (p = *pp) != NULL; pp = &p->next) {
		if (p->id == id) {
			*pp = p->next;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return p;
}

/* Fail every outstanding request of @c with @error. */
void
xpc_conn_fail_pending(xpc_connection_t c, xpc_object_t error)
{
	struct pending *p, *next;

	pthread_mutex_lock(&c->lock);
	p = c->pending;
	c->pending = NULL;
	pthread_mutex_unlock(&c->lock);
	for (; p; p = next) {
		next = p->next;
		complete(c, p, error);
	}
}

/* Reading */

/* Return: 1 when @len bytes were read, 0 at end of file, -1 on error. */
static int
read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = recv(fd, p, len, 0);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

/*
 * Read one message from @fd.
 * Return: +1 dictionary with @h filled, or NULL at end of file or on any
 * malformed message (the connection then ends).
 */
static xpc_object_t
read_message(int fd, struct xpc_wire_header *h)
{
	uint8_t hdr[XPC_WIRE_HEADER_SIZE];
	xpc_object_t msg;
	uint8_t *body;

	if (read_full(fd, hdr, sizeof(hdr)) != 1 || xpc_wire_header_parse(hdr, h) != 0)
		return NULL;
	body = malloc(h->length ? h->length : 1);
	if (body == NULL)
		xpc_oom();
	if (read_full(fd, body, h->length) != 1) {
		free(body);
		return NULL;
	}
	msg = xpc_wire_decode(body, h->length);
	free(body);
	if (msg != NULL && xpc_get_type(msg) != XPC_TYPE_DICTIONARY) {
		xpc_release(msg);
		msg = NULL;
	}
	return msg;
}

/* Deliver a message received on @c, or drop it if the peer fails the requirement. */
static void
receive(xpc_connection_t c, xpc_object_t msg, const struct xpc_wire_header *h)
{
	uint8_t cdhash[CSOPS_CDHASH_LEN];
	struct pending *p;
	bool check;

	if (h->flags & XPC_WIRE_F_REPLY) {
		p = take_pending(c, h->id);
		if (p != NULL) {
			xpc_dictionary_set_remote(msg, c, 0);
			complete(c, p, msg);
		}
		return;
	}
	pthread_mutex_lock(&c->lock);
	check = c->cdhash_required;
	memcpy(cdhash, c->cdhash, sizeof(cdhash));
	pthread_mutex_unlock(&c->lock);
	if (check && !peer_matches(c->cred.pid, cdhash)) {
		xpc_conn_deliver_event(c, XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT, false);
		return;
	}
	xpc_dictionary_set_remote(msg, c, h->flags & XPC_WIRE_F_WANTS_REPLY ? h->id : 0);
	xpc_conn_deliver_event(c, msg, false);
}

void *
xpc_conn_reader_main(void *arg)
{
	xpc_connection_t c = arg;
	struct xpc_wire_header h;
	xpc_object_t msg, error;
	bool last;

	while ((msg = read_message(c->fd, &h)) != NULL) {
		receive(c, msg, &h);
		xpc_release(msg);
	}
	pthread_mutex_lock(&c->lock);
	close(c->fd);
	c->fd = -1;
	c->running = false;
	/* A client whose service went away may send again; the rest are over. */
	last = c->canceled || c->kind != CONN_CLIENT;
	if (last)
		c->invalid = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	error = last ? XPC_ERROR_CONNECTION_INVALID : XPC_ERROR_CONNECTION_INTERRUPTED;
	xpc_conn_fail_pending(c, error);
	xpc_conn_deliver_event(c, error, last);
	xpc_release(c);
	return NULL;
}

/* Sending */

/* Return: 0 when all of @buf was written, -1 with errno. */
static int
write_full(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Connect a client again after its service went away.
 * Return: the socket to send on, or -1; the caller holds @c->lock.
 */
static int
usable_fd_locked(xpc_connection_t c)
{
	int fd;

	if (!c->activated || c->invalid)
		return -1;
	if (c->fd >= 0 || c->kind != CONN_CLIENT || c->running)
		return c->fd;
	fd = xpc_service_connect(c);
	if (fd < 0)
		return -1;
	c->fd = fd;
	xpc_conn_start_thread_locked(c, xpc_conn_reader_main);
	return fd;
}

/*
 * Encode and send @message with @flags and @id.
 * Return: 0, or -1 if it cannot be sent (the connection is not usable, the
 * message cannot be encoded, or the write failed and ended the connection).
 */
static int
send_frame(xpc_connection_t c, xpc_object_t message, uint32_t flags, uint64_t id)
{
	struct xpc_wire_header h = {.flags = flags, .id = id};
	uint8_t *body, *frame;
	size_t len;
	int fd, ret;

	if (xpc_get_type(message) != XPC_TYPE_DICTIONARY)
		return -1;
	body = xpc_wire_encode(message, &len);
	if (body == NULL)
		return -1;
	frame = malloc(XPC_WIRE_HEADER_SIZE + len);
	if (frame == NULL)
		xpc_oom();
	h.length = (uint32_t)len;
	xpc_wire_header_pack(frame, &h);
	memcpy(frame + XPC_WIRE_HEADER_SIZE, body, len);
	free(body);

	pthread_mutex_lock(&c->send_lock);
	pthread_mutex_lock(&c->lock);
	fd = usable_fd_locked(c);
	pthread_mutex_unlock(&c->lock);
	ret = fd < 0 ? -1 : write_full(fd, frame, XPC_WIRE_HEADER_SIZE + len);
	/* A partial or timed-out write leaves the stream unusable: end it. */
	if (fd >= 0 && ret != 0)
		shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&c->send_lock);
	free(frame);
	return ret;
}

void
xpc_connection_send_message(xpc_connection_t c, xpc_object_t message)
{
	uint64_t reply_to = xpc_dictionary_get_reply_to(message);

	(void)send_frame(c, message, reply_to ? XPC_WIRE_F_REPLY : 0, reply_to);
}

/* Register a request; NULL @replyq means a _sync caller waits for it. */
static struct pending *
add_pending(xpc_connection_t c, dispatch_queue_t replyq, xpc_handler_t handler)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL)
		xpc_oom();
	p->queue = replyq;
	if (replyq)
		dispatch_retain(replyq);
	p->handler = handler;
	pthread_mutex_lock(&c->lock);
	p->id = c->next_id++;
	p->next = c->pending;
	c->pending = p;
	pthread_mutex_unlock(&c->lock);
	return p;
}

/* Return: the error a request that could not be sent gets. */
static xpc_object_t
send_error(xpc_connection_t c)
{
	bool invalid;

	pthread_mutex_lock(&c->lock);
	invalid = c->invalid || !c->activated;
	pthread_mutex_unlock(&c->lock);
	return invalid ? XPC_ERROR_CONNECTION_INVALID : XPC_ERROR_CONNECTION_INTERRUPTED;
}

void
xpc_connection_send_message_with_reply(xpc_connection_t c, xpc_object_t message,
                                       dispatch_queue_t replyq, xpc_handler_t handler)
{
	xpc_handler_t copy = Block_copy(handler);
	struct pending *p;

	if (copy == NULL)
		xpc_oom();
	if (replyq == NULL)
		replyq = c->queue;
	p = add_pending(c, replyq, copy);
	if (send_frame(c, message, XPC_WIRE_F_WANTS_REPLY, p->id) != 0 &&
	    take_pending(c, p->id) == p)
		complete(c, p, send_error(c));
}

xpc_object_t
xpc_connection_send_message_with_reply_sync(xpc_connection_t c, xpc_object_t message)
{
	struct pending *p = add_pending(c, NULL, NULL);
	xpc_object_t result;

	if (send_frame(c, message, XPC_WIRE_F_WANTS_REPLY, p->id) != 0 &&
	    take_pending(c, p->id) == p)
		complete(c, p, send_error(c));
	pthread_mutex_lock(&c->lock);
	while (!p->done)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
	result = p->result;
	free(p);
	return result;
}
