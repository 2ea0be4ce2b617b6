// SPDX-License-Identifier: Apache-2.0
/*
 * test_xpc_connection.c - XPC connections of the Linux platform: a listener
 * and its clients in one process (and a few in children), over the service
 * directory of a private XDG_RUNTIME_DIR.
 *
 * Waits use generous timeouts so that a broken implementation fails instead
 * of hanging; no test asserts how long anything took.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <dispatch/dispatch.h>
#include <xpc/xpc.h>

#include "../../src/linux/csops_internal.h"
#include "../../src/linux/xpc_wire.h"

#define LONG_WAIT  (10 * NSEC_PER_SEC)
#define SHORT_WAIT (200 * NSEC_PER_MSEC)

static char runtime_dir[64];

/* The requirement matching this program: cdhash H"<its code identity>". */
static void
own_requirement(char out[64])
{
	uint8_t hash[CSOPS_CDHASH_LEN];
	int i, n;

	assert_int_equal(csops(0, CSOPS_CDHASH, hash, sizeof(hash)), 0);
	n = snprintf(out, 64, "cdhash H\"");
	for (i = 0; i < CSOPS_CDHASH_LEN; i++)
		n += snprintf(out + n, (size_t)(64 - n), "%02x", hash[i]);
	snprintf(out + n, (size_t)(64 - n), "\"");
}

static intptr_t
wait_for(dispatch_semaphore_t s, uint64_t ns)
{
	return dispatch_semaphore_wait(s, dispatch_time(DISPATCH_TIME_NOW, (int64_t)ns));
}

/* An echo service: answers every request with its "value" and a counter. */
struct service {
	xpc_connection_t listener;
	dispatch_queue_t queue;
	dispatch_semaphore_t event; /* signalled for every peer event */
	xpc_object_t last_error;    /* last error a peer handler saw */
	atomic_int messages;
	atomic_int peers;
	atomic_uint peer_euid;
	atomic_int peer_pid;
	atomic_int invalid_events;
	atomic_int csreq_events;
	xpc_connection_t peer_list[64]; /* retained, for service_kill() */
	dispatch_semaphore_t listener_done;
	atomic_int npeers;
	bool require;    /* set a code signing requirement on peers */
	bool no_reply;   /* receive requests, never answer */
	bool concurrent; /* handle peers on a concurrent queue */
};

static void
service_peer(struct service *s, xpc_connection_t peer)
{
	atomic_fetch_add(&s->peers, 1);
	s->peer_list[atomic_fetch_add(&s->npeers, 1) % 64] = xpc_retain(peer);
	atomic_store(&s->peer_euid, xpc_connection_get_euid(peer));
	atomic_store(&s->peer_pid, xpc_connection_get_pid(peer));
	if (s->require) {
		char req[64];

		own_requirement(req);
		assert_int_equal(xpc_connection_set_peer_code_signing_requirement(peer, req), 0);
	}
	xpc_connection_set_event_handler(peer, ^(xpc_object_t msg) {
		xpc_object_t reply;

		if (xpc_get_type(msg) == XPC_TYPE_ERROR) {
			s->last_error = msg;
			if (msg == XPC_ERROR_CONNECTION_INVALID)
				atomic_fetch_add(&s->invalid_events, 1);
			if (msg == XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT)
				atomic_fetch_add(&s->csreq_events, 1);
			dispatch_semaphore_signal(s->event);
			return;
		}
		atomic_fetch_add(&s->messages, 1);
		reply = xpc_dictionary_create_reply(msg);
		if (reply != NULL && !s->no_reply) {
			xpc_dictionary_set_string(reply, "value",
			                          xpc_dictionary_get_string(msg, "value"));
			xpc_dictionary_set_int64(reply, "count", atomic_load(&s->messages));
			/* Only one reply per message. */
			assert_null(xpc_dictionary_create_reply(msg));
			xpc_connection_send_message(xpc_dictionary_get_remote_connection(msg),
			                            reply);
		}
		xpc_release(reply);
		dispatch_semaphore_signal(s->event);
	});
	xpc_connection_resume(peer);
}

static void
service_start(struct service *s, const char *name)
{
	s->event = dispatch_semaphore_create(0);
	s->listener_done = dispatch_semaphore_create(0);
	s->queue = dispatch_queue_create(name, s->concurrent ? DISPATCH_QUEUE_CONCURRENT
	                                                     : DISPATCH_QUEUE_SERIAL);
	s->listener = xpc_connection_create_mach_service(name, s->queue,
	                                                 XPC_CONNECTION_MACH_SERVICE_LISTENER);
	assert_non_null(s->listener);
	xpc_connection_set_event_handler(s->listener, ^(xpc_object_t ev) {
		if (xpc_get_type(ev) == XPC_TYPE_CONNECTION) {
			service_peer(s, ev);
			return;
		}
		s->last_error = ev;
		if (ev == XPC_ERROR_CONNECTION_INVALID)
			dispatch_semaphore_signal(s->listener_done);
	});
	xpc_connection_resume(s->listener);
}

/* End the listener and every peer, as the death of a service process does. */
static void
service_kill(struct service *s)
{
	int i, n = atomic_load(&s->npeers);

	xpc_connection_cancel(s->listener);
	for (i = 0; i < n && i < 64; i++)
		xpc_connection_cancel(s->peer_list[i]);
}

/* Stop, and wait for the last event of the listener and of every peer. */
static void
service_stop(struct service *s)
{
	int i, n;

	service_kill(s);
	assert_int_equal(wait_for(s->listener_done, LONG_WAIT), 0);
	n = atomic_load(&s->npeers);
	while (atomic_load(&s->invalid_events) < n)
		assert_int_equal(wait_for(s->event, LONG_WAIT), 0);
	for (i = 0; i < n && i < 64; i++)
		xpc_release(s->peer_list[i]);
	xpc_release(s->listener);
	dispatch_release(s->queue);
	dispatch_release(s->event);
	dispatch_release(s->listener_done);
}

/* A client connection whose handler records the errors it gets. */
struct client {
	xpc_connection_t conn;
	dispatch_semaphore_t error;
	xpc_object_t last_error;
	atomic_bool ended; /* got its last event */
};

static void
client_open(struct client *c, const char *name)
{
	c->error = dispatch_semaphore_create(0);
	c->last_error = NULL;
	atomic_init(&c->ended, false);
	c->conn = xpc_connection_create_mach_service(name, NULL, 0);
	assert_non_null(c->conn);
	xpc_connection_set_event_handler(c->conn, ^(xpc_object_t ev) {
		if (xpc_get_type(ev) == XPC_TYPE_ERROR) {
			c->last_error = ev;
			if (ev == XPC_ERROR_CONNECTION_INVALID)
				atomic_store(&c->ended, true);
			dispatch_semaphore_signal(c->error);
		}
	});
	xpc_connection_resume(c->conn);
}

/* Cancel, and wait for the last event. */
static void
client_close(struct client *c)
{
	xpc_connection_cancel(c->conn);
	while (!atomic_load(&c->ended))
		assert_int_equal(wait_for(c->error, LONG_WAIT), 0);
	xpc_release(c->conn);
	dispatch_release(c->error);
}

static xpc_object_t
request(const char *value)
{
	xpc_object_t m = xpc_dictionary_create_empty();

	xpc_dictionary_set_string(m, "value", value);
	return m;
}

static void
test_request_reply_sync(void **state)
{
	struct service s = {0};
	struct client c;
	xpc_object_t m, reply;

	(void)state;
	service_start(&s, "test.echo");
	client_open(&c, "test.echo");
	m = request("hello");
	reply = xpc_connection_send_message_with_reply_sync(c.conn, m);
	assert_ptr_equal(xpc_get_type(reply), XPC_TYPE_DICTIONARY);
	assert_string_equal(xpc_dictionary_get_string(reply, "value"), "hello");
	assert_int_equal(xpc_dictionary_get_int64(reply, "count"), 1);
	/* Both ends see each other's credentials: here, this process. */
	assert_int_equal(atomic_load(&s.peer_euid), geteuid());
	assert_int_equal(atomic_load(&s.peer_pid), getpid());
	assert_int_equal(xpc_connection_get_pid(c.conn), getpid());
	assert_int_equal(xpc_connection_get_euid(c.conn), geteuid());
	assert_string_equal(xpc_connection_get_name(c.conn), "test.echo");
	xpc_release(reply);
	xpc_release(m);
	client_close(&c);
	service_stop(&s);
}

static void
test_reply_async_on_queue(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.replyq", NULL);
	dispatch_semaphore_t got = dispatch_semaphore_create(0);
	struct service s = {0};
	struct client c;
	xpc_object_t m = request("async");
	__block const char *label = NULL;
	char value[16] = "";
	char *vp = value;

	(void)state;
	service_start(&s, "test.async");
	client_open(&c, "test.async");
	xpc_connection_send_message_with_reply(c.conn, m, q, ^(xpc_object_t reply) {
		label = dispatch_queue_get_label(NULL);
		snprintf(vp, 16, "%s", xpc_dictionary_get_string(reply, "value"));
		dispatch_semaphore_signal(got);
	});
	assert_int_equal(wait_for(got, LONG_WAIT), 0);
	assert_string_equal(label, "test.replyq");
	assert_string_equal(value, "async");
	xpc_release(m);
	client_close(&c);
	service_stop(&s);
	dispatch_release(q);
	dispatch_release(got);
}

/* A message without reply reaches the peer; create_reply() on it is NULL. */
static void
test_send_message_no_reply(void **state)
{
	struct service s = {0};
	struct client c;
	xpc_object_t m = request("oneway");

	(void)state;
	service_start(&s, "test.oneway");
	client_open(&c, "test.oneway");
	xpc_connection_send_message(c.conn, m);
	assert_int_equal(wait_for(s.event, LONG_WAIT), 0);
	assert_int_equal(atomic_load(&s.messages), 1);
	xpc_release(m);
	client_close(&c);
	service_stop(&s);
}

static void
test_unknown_name_is_invalid(void **state)
{
	struct client c;
	xpc_object_t m = request("x"), reply;

	(void)state;
	client_open(&c, "test.nobody-listens");
	assert_int_equal(wait_for(c.error, LONG_WAIT), 0);
	assert_ptr_equal(c.last_error, XPC_ERROR_CONNECTION_INVALID);
	assert_string_equal(xpc_dictionary_get_string(c.last_error, XPC_ERROR_KEY_DESCRIPTION),
	                    "Connection invalid");
	reply = xpc_connection_send_message_with_reply_sync(c.conn, m);
	assert_ptr_equal(reply, XPC_ERROR_CONNECTION_INVALID);
	xpc_release(m);
	client_close(&c);
}

static void
test_bad_names_are_invalid(void **state)
{
	static const char *const names[] = {
	    "",       ".hidden",
	    "a/b",    "../x",
	    "sp ace", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	struct client c;
	size_t i;

	(void)state;
	assert_null(xpc_connection_create_mach_service(NULL, NULL, 0));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		client_open(&c, names[i]);
		assert_int_equal(wait_for(c.error, LONG_WAIT), 0);
		assert_ptr_equal(c.last_error, XPC_ERROR_CONNECTION_INVALID);
		client_close(&c);
	}
}

/* A second listener for a taken name is invalid; the first one still serves. */
static void
test_name_taken(void **state)
{
	struct service s = {0}, t = {0};
	struct client c;
	xpc_object_t m = request("still"), reply;

	(void)state;
	service_start(&s, "test.taken");
	service_start(&t, "test.taken");
	for (int i = 0; i < 100 && t.last_error == NULL; i++)
		usleep(10000);
	assert_ptr_equal(t.last_error, XPC_ERROR_CONNECTION_INVALID);
	client_open(&c, "test.taken");
	reply = xpc_connection_send_message_with_reply_sync(c.conn, m);
	assert_string_equal(xpc_dictionary_get_string(reply, "value"), "still");
	xpc_release(reply);
	xpc_release(m);
	client_close(&c);
	service_stop(&t);
	service_stop(&s);
}

/* Cancel: the client's handler gets INVALID last, the peer sees it leave. */
static void
test_cancel(void **state)
{
	struct service s = {0};
	struct client c;
	xpc_object_t m = request("x"), reply;

	(void)state;
	service_start(&s, "test.cancel");
	client_open(&c, "test.cancel");
	reply = xpc_connection_send_message_with_reply_sync(c.conn, m);
	xpc_release(reply);
	assert_int_equal(wait_for(s.event, LONG_WAIT), 0); /* the request */
	xpc_connection_cancel(c.conn);
	assert_int_equal(wait_for(c.error, LONG_WAIT), 0);
	assert_ptr_equal(c.last_error, XPC_ERROR_CONNECTION_INVALID);
	assert_int_equal(wait_for(s.event, LONG_WAIT), 0);
	assert_ptr_equal(s.last_error, XPC_ERROR_CONNECTION_INVALID);
	/* After cancel nothing can be sent. */
	reply = xpc_connection_send_message_with_reply_sync(c.conn, m);
	assert_ptr_equal(reply, XPC_ERROR_CONNECTION_INVALID);
	/* No second final event. */
	assert_int_not_equal(wait_for(c.error, SHORT_WAIT), 0);
	xpc_release(m);
	client_close(&c);
	service_stop(&s);
}

/* The service goes away: INTERRUPTED to pending replies and the handler;
 * a new listener under the name serves the same connection again. */
static void
test_service_gone_interrupts(void **state)
{
	struct service s = {.no_reply = true}, t = {0};
	struct client c;
	dispatch_semaphore_t got = dispatch_semaphore_create(0);
	xpc_object_t m = request("again"), reply;
	__block xpc_object_t async_reply = NULL;

	(void)state;
	service_start(&s, "test.gone");
	client_open(&c, "test.gone");
	xpc_connection_send_message_with_reply(c.conn, m, NULL, ^(xpc_object_t r) {
		async_reply = r;
		dispatch_semaphore_signal(got);
	});
	assert_int_equal(wait_for(s.event, LONG_WAIT), 0); /* request arrived, unanswered */
	service_kill(&s);
	service_stop(&s);
	assert_int_equal(wait_for(got, LONG_WAIT), 0);
	assert_ptr_equal(async_reply, XPC_ERROR_CONNECTION_INTERRUPTED);
	assert_int_equal(wait_for(c.error, LONG_WAIT), 0);
	assert_ptr_equal(c.last_error, XPC_ERROR_CONNECTION_INTERRUPTED);

	service_start(&t, "test.gone");
	reply = xpc_connection_send_message_with_reply_sync(c.conn, m);
	assert_ptr_equal(xpc_get_type(reply), XPC_TYPE_DICTIONARY);
	assert_string_equal(xpc_dictionary_get_string(reply, "value"), "again");
	xpc_release(reply);
	xpc_release(m);
	client_close(&c);
	service_stop(&t);
	dispatch_release(got);
}

/* A suspended connection delivers nothing until resumed. */
static void
test_suspend_holds_events(void **state)
{
	struct service s = {0};
	struct client c;
	xpc_object_t m = request("x"), reply;

	(void)state;
	service_start(&s, "test.suspend");
	client_open(&c, "test.suspend");
	reply = xpc_connection_send_message_with_reply_sync(c.conn, m);
	xpc_release(reply);
	xpc_connection_suspend(c.conn);
	service_kill(&s);
	assert_int_not_equal(wait_for(c.error, SHORT_WAIT), 0);
	xpc_connection_resume(c.conn);
	assert_int_equal(wait_for(c.error, LONG_WAIT), 0);
	assert_ptr_equal(c.last_error, XPC_ERROR_CONNECTION_INTERRUPTED);
	xpc_release(m);
	client_close(&c);
	service_stop(&s);
}

/* Many clients at once, each waiting for its reply, on a concurrent queue. */
#define CLIENTS 16

static void
test_many_clients(void **state)
{
	struct service s = {.concurrent = true};
	dispatch_queue_t q = dispatch_queue_create("test.clients", DISPATCH_QUEUE_CONCURRENT);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block atomic_int ok = 0;
	int i;

	(void)state;
	service_start(&s, "test.many");
	for (i = 0; i < CLIENTS; i++) {
		dispatch_async(q, ^(void) {
			struct client c;
			char v[16];
			xpc_object_t m, r;

			snprintf(v, sizeof(v), "c%d", i);
			client_open(&c, "test.many");
			m = request(v);
			r = xpc_connection_send_message_with_reply_sync(c.conn, m);
			if (xpc_get_type(r) == XPC_TYPE_DICTIONARY &&
			    strcmp(xpc_dictionary_get_string(r, "value"), v) == 0)
				atomic_fetch_add(&ok, 1);
			xpc_release(r);
			xpc_release(m);
			client_close(&c);
			dispatch_semaphore_signal(done);
		});
	}
	for (i = 0; i < CLIENTS; i++)
		assert_int_equal(wait_for(done, LONG_WAIT), 0);
	assert_int_equal(atomic_load(&ok), CLIENTS);
	assert_int_equal(atomic_load(&s.peers), CLIENTS);
	service_stop(&s);
	dispatch_release(q);
	dispatch_release(done);
}

/* Return: a raw socket connected to service @name. */
static int
raw_connect(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vmnet-xpc/%s", runtime_dir, name);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Garbage, an oversized header, a non-dictionary and a half message end
 * only their own connection; the service goes on serving. */
static void
test_hostile_peers(void **state)
{
	static const uint8_t garbage[] = "GET / HTTP/1.0\r\n\r\n";
	struct xpc_wire_header h = {.length = XPC_WIRE_MAX_BODY + 1};
	uint8_t hdr[XPC_WIRE_HEADER_SIZE + 2];
	struct service s = {0};
	struct client c;
	xpc_object_t m = request("fine"), reply;
	int fd, i;

	(void)state;
	service_start(&s, "test.hostile");
	for (i = 0; i < 4; i++) {
		fd = raw_connect("test.hostile");
		if (i == 0) {
			assert_true(write(fd, garbage, sizeof(garbage)) > 0);
		} else if (i == 1) {
			xpc_wire_header_pack(hdr, &h);
			assert_true(write(fd, hdr, XPC_WIRE_HEADER_SIZE) > 0);
		} else if (i == 2) {
			/* a bool, not a dictionary */
			h.length = 2;
			xpc_wire_header_pack(hdr, &h);
			hdr[XPC_WIRE_HEADER_SIZE] = 1;
			hdr[XPC_WIRE_HEADER_SIZE + 1] = 1;
			assert_true(write(fd, hdr, sizeof(hdr)) > 0);
		} else {
			/* a header promising more than comes, then a hang-up */
			h.length = 100;
			xpc_wire_header_pack(hdr, &h);
			assert_true(write(fd, hdr, XPC_WIRE_HEADER_SIZE) > 0);
			close(fd);
			fd = -1;
		}
		assert_int_equal(wait_for(s.event, LONG_WAIT), 0);
		assert_ptr_equal(s.last_error, XPC_ERROR_CONNECTION_INVALID);
		if (fd >= 0)
			close(fd);
	}
	assert_int_equal(atomic_load(&s.messages), 0);
	client_open(&c, "test.hostile");
	reply = xpc_connection_send_message_with_reply_sync(c.conn, m);
	assert_string_equal(xpc_dictionary_get_string(reply, "value"), "fine");
	xpc_release(reply);
	xpc_release(m);
	client_close(&c);
	service_stop(&s);
}

/* Encoded request from another executable: python3 sends it. */
static void
test_requirement_refuses_other_executable(void **state)
{
	struct service s = {.require = true};
	struct client c;
	xpc_object_t m = request("same"), reply;
	char path[PATH_MAX], script[PATH_MAX + 512];
	int status;

	(void)state;
	service_start(&s, "test.csreq");
	/* Same executable: served. */
	client_open(&c, "test.csreq");
	reply = xpc_connection_send_message_with_reply_sync(c.conn, m);
	assert_string_equal(xpc_dictionary_get_string(reply, "value"), "same");
	xpc_release(reply);
	assert_int_equal(wait_for(s.event, LONG_WAIT), 0);
	client_close(&c);
	assert_int_equal(wait_for(s.event, LONG_WAIT), 0); /* its INVALID */

	/* Another executable: the message is dropped, the handler told why.
	 * Body: {"value": "other"} as xpc_wire.c encodes it. */
	snprintf(path, sizeof(path), "%s/vmnet-xpc/test.csreq", runtime_dir);
	snprintf(script, sizeof(script),
	         "python3 -c 'import socket,struct,time\n"
	         "b=bytes([8,1,0,0,0,5,0,0,0])+b\"value\"+bytes([4,5,0,0,0])+b\"other\"\n"
	         "s=socket.socket(socket.AF_UNIX);s.connect(\"%s\")\n"
	         "s.sendall(struct.pack(\"<IIQ\",len(b),1,1)+b)\n"
	         "s.settimeout(2)\n"
	         "try:\n r=s.recv(100)\nexcept Exception:\n r=b\"\"\n"
	         "exit(0 if r==b\"\" else 1)'",
	         path);
	status = system(script);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(wait_for(s.event, LONG_WAIT), 0);
	assert_int_equal(atomic_load(&s.csreq_events), 1);
	assert_int_equal(atomic_load(&s.messages), 1);
	xpc_release(m);
	service_stop(&s);
}

static void
test_requirement_rules(void **state)
{
	static const char *const bad[] = {
	    "",
	    "anchor apple",
	    "cdhash H\"00\"",
	    "cdhash H\"0123456789abcdef0123456789abcdef0123456g\"",
	    "cdhash H\"0123456789abcdef0123456789abcdef01234567\" or anchor apple",
	    "cdhash H\"0123456789abcdef0123456789abcdef01234567",
	};
	xpc_connection_t c = xpc_connection_create_mach_service("test.rules", NULL, 0);
	uint8_t a[CSOPS_CDHASH_LEN], b[CSOPS_CDHASH_LEN];
	char req[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(xpc_connection_set_peer_code_signing_requirement(c, bad[i]),
		                 EINVAL);
	own_requirement(req);
	assert_int_equal(xpc_connection_set_peer_code_signing_requirement(c, req), 0);
	xpc_release(c);
	/* The identity of this process and of its pid agree; csops checks its arguments. */
	assert_int_equal(csops(0, CSOPS_CDHASH, a, sizeof(a)), 0);
	assert_int_equal(csops(getpid(), CSOPS_CDHASH, b, sizeof(b)), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(csops(0, CSOPS_CDHASH, a, 19), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(csops(0, 1, a, sizeof(a)), -1);
	assert_int_equal(errno, EINVAL);
}

/* A service directory that others could use is refused. */
static void
test_directory_not_private(void **state)
{
	char dir[PATH_MAX];
	struct client c;
	struct stat st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/vmnet-xpc", runtime_dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(chmod(dir, 0755), 0);
	client_open(&c, "test.echo");
	assert_int_equal(wait_for(c.error, LONG_WAIT), 0);
	assert_ptr_equal(c.last_error, XPC_ERROR_CONNECTION_INVALID);
	client_close(&c);
	assert_int_equal(chmod(dir, 0700), 0);
}

static void
test_errors_are_static(void **state)
{
	(void)state;
	assert_ptr_equal(xpc_get_type(XPC_ERROR_CONNECTION_INTERRUPTED), XPC_TYPE_ERROR);
	xpc_release(XPC_ERROR_CONNECTION_INTERRUPTED);
	xpc_retain(XPC_ERROR_CONNECTION_INTERRUPTED);
	assert_string_equal(
	    xpc_dictionary_get_string(XPC_ERROR_CONNECTION_INTERRUPTED, XPC_ERROR_KEY_DESCRIPTION),
	    "Connection interrupted");
	assert_int_equal(xpc_dictionary_get_count(XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT), 1);
	/* Errors cannot be written to. */
	xpc_dictionary_set_string(XPC_ERROR_CONNECTION_INVALID, "x", "y");
	assert_null(xpc_dictionary_get_string(XPC_ERROR_CONNECTION_INVALID, "x"));
	/* A dictionary not received from a connection has no reply. */
	xpc_object_t d = xpc_dictionary_create_empty();
	assert_null(xpc_dictionary_create_reply(d));
	assert_null(xpc_dictionary_get_remote_connection(d));
	xpc_release(d);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(runtime_dir, sizeof(runtime_dir), "/tmp/test_xpc_conn.XXXXXX");
	if (mkdtemp(runtime_dir) == NULL)
		return -1;
	setenv("XDG_RUNTIME_DIR", runtime_dir, 1);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", runtime_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errors_are_static),
	    cmocka_unit_test(test_request_reply_sync),
	    cmocka_unit_test(test_reply_async_on_queue),
	    cmocka_unit_test(test_send_message_no_reply),
	    cmocka_unit_test(test_unknown_name_is_invalid),
	    cmocka_unit_test(test_bad_names_are_invalid),
	    cmocka_unit_test(test_name_taken),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_service_gone_interrupts),
	    cmocka_unit_test(test_suspend_holds_events),
	    cmocka_unit_test(test_many_clients),
	    cmocka_unit_test(test_hostile_peers),
	    cmocka_unit_test(test_requirement_refuses_other_executable),
	    cmocka_unit_test(test_requirement_rules),
	    cmocka_unit_test(test_directory_not_private),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
