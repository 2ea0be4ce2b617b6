/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xpc_connection_internal.h - what the files of the Linux platform's XPC
 * connections share: the connection object, and the calls between
 * xpc_connection.c (objects and life cycle), xpc_service.c (service names,
 * connecting, listening and accepting) and xpc_message.c (the reader
 * thread, delivery, sending and replies).
 */
#ifndef XPC_CONNECTION_INTERNAL_H
#define XPC_CONNECTION_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <dispatch/dispatch.h>
#include <xpc/xpc.h>

#include "csops_internal.h"
#include "xpc_internal.h"

enum conn_kind {
	CONN_CLIENT,
	CONN_LISTENER,
	CONN_PEER,
};

/* A request waiting for its reply. */
struct pending {
	struct pending *next;
	uint64_t id;
	dispatch_queue_t queue; /* NULL: a _sync caller waits */
	xpc_handler_t handler;
	xpc_object_t result; /* _sync: the reply or error, +1 */
	bool done;
};

struct _xpc_connection_s {
	struct xpc_head h;
	enum conn_kind kind;
	char *name;
	pthread_mutex_t lock; /* everything below but fd writes */
	pthread_cond_t cond;
	pthread_mutex_t send_lock; /* one message at a time on fd */
	dispatch_queue_t queue;
	xpc_handler_t handler;
	void *context;
	bool activated;
	bool canceled;
	bool invalid; /* ended for good: INVALID was or will be delivered */
	unsigned int suspended;
	int fd;      /* connected or listening socket, -1 if none */
	int wake_fd; /* listener: eventfd that ends the accept loop */
	int lock_fd; /* listener: the NAME.lock held */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool running; /* a reader or accept thread owns fd */
	uint64_t next_id;
	struct pending *pending;
	struct ucred cred;
	bool cdhash_required;
	uint8_t cdhash[CSOPS_CDHASH_LEN]; /* what the peer must run */
};

/* xpc_connection.c */

/* Return: a new, inactive connection of @kind (+1); aborts when out of memory. */
xpc_connection_t xpc_conn_new(enum conn_kind kind, const char *name, dispatch_queue_t queue);

/* Start the thread @fn that owns @c->fd, holding a reference; the caller holds @c->lock. */
void xpc_conn_start_thread_locked(xpc_connection_t c, void *(*fn)(void *));

/* xpc_service.c */

/* Return: a socket connected to the service @c names, or -1 with errno. */
int xpc_service_connect(xpc_connection_t c);

/* Return: 0 with @c listening on its name, or -1 with errno (EADDRINUSE: taken). */
int xpc_service_listen(xpc_connection_t c);

/* The thread of a listener: accepts peers until canceled. */
void *xpc_service_accept_main(void *arg);

/* xpc_message.c */

/* Hand @event to the event handler of @c, honouring suspension; @last ends it. */
void xpc_conn_deliver_event(xpc_connection_t c, xpc_object_t event, bool last);

/* Fail every outstanding request of @c with @error. */
void xpc_conn_fail_pending(xpc_connection_t c, xpc_object_t error);

/* The thread of a connected connection: reads and delivers messages until the end. */
void *xpc_conn_reader_main(void *arg);

#endif /* XPC_CONNECTION_INTERNAL_H */
