// SPDX-License-Identifier: Apache-2.0
/*
 * xpc_connection.c - XPC connections to named services for Linux, over unix
 * stream sockets.
 *
 * Theory of operation:
 *
 * Names. macOS looks a Mach service name up in the user's bootstrap
 * namespace, which launchd fills from the MachServices of its agents. Here
 * the namespace is a directory of sockets, one per name, private to the
 * effective user (xpc_service_dir()): $XDG_RUNTIME_DIR/vmnet-xpc if
 * XDG_RUNTIME_DIR is an absolute directory the user owns with mode 0700,
 * else /run/user/UID/vmnet-xpc on the same conditions, else
 * /tmp/vmnet-xpc-UID. The directory is created 0700 and refused unless it
 * is a real directory owned by the user with no group or other access, so
 * no other user can connect, listen or replace a socket. There is no
 * launchd: a listener is whoever binds the name first (an flock()ed
 * NAME.lock guards against two), and a client of a name nobody listens on
 * gets XPC_ERROR_CONNECTION_INVALID, as on macOS for an unknown name.
 *
 * Connections. A client connection (xpc_connection_create_mach_service()
 * without flags) connects when resumed. A listener binds and accepts when
 * resumed; every accepted socket becomes a peer connection delivered to the
 * listener's event handler, inactive, with the peer's credentials from
 * SO_PEERCRED. An active connected connection has a reader thread that
 * decodes messages (xpc_wire.c) and delivers each to the event handler on
 * the target queue, or a reply to the handler (or the waiting caller) that
 * sent the request; the reader holds a reference, so an active connection
 * lives until it ends, as on macOS. Sending encodes and writes the whole
 * message under a lock; a peer that stops reading makes the write time out
 * and ends its connection instead of stalling the sender.
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
 *   message received; a message that fails is dropped and
 *   XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT delivered instead, as on macOS;
 * - messages sent before a connection is resumed are not queued: their
 *   reply handlers get XPC_ERROR_CONNECTION_INVALID;
 * - XPC_CONNECTION_MACH_SERVICE_PRIVILEGED is ignored (one namespace per
 *   effective user);
 * - only the object types xpc_wire.c encodes can be sent.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <Block.h>
#include <dispatch/dispatch.h>
#include <xpc/xpc.h>

#include "csops_internal.h"
#include "xpc_internal.h"
#include "xpc_wire.h"

/* Longest service name: the socket path must fit sun_path. */
#define XPC_NAME_MAX 64
/* How long a send may wait for a peer that does not read. */
#define XPC_SEND_TIMEOUT_SEC 5

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

static __attribute__((noreturn)) void
xpc_crash(const char *msg)
{
	fprintf(stderr, "BUG IN CLIENT OF LIBXPC: %s\n", msg);
	abort();
}

/* Service directory */

/* Return: whether @path is a directory owned by @uid that only @uid can use. */
static bool
private_dir(const char *path, uid_t uid)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid &&
	       (st.st_mode & 077) == 0;
}

/*
 * xpc_service_dir() - the directory standing in for the bootstrap namespace
 * @out:	set to its path
 *
 * Return: 0, or -1 with errno (EPERM: it exists but is not private).
 */
static int
xpc_service_dir(char out[PATH_MAX])
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	uid_t uid = geteuid();
	char base[PATH_MAX];
	int n;

	if (xdg && xdg[0] == '/' && private_dir(xdg, uid))
		n = snprintf(out, PATH_MAX, "%s/vmnet-xpc", xdg);
	else if (snprintf(base, sizeof(base), "/run/user/%u", (unsigned)uid) > 0 &&
	         private_dir(base, uid))
		n = snprintf(out, PATH_MAX, "%s/vmnet-xpc", base);
	else
		n = snprintf(out, PATH_MAX, "/tmp/vmnet-xpc-%u", (unsigned)uid);
	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(out, 0700) != 0 && errno != EEXIST)
		return -1;
	if (!private_dir(out, uid)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* Return: whether @name may name a socket: [A-Za-z0-9._-], not starting with '.'. */
static bool
valid_name(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > XPC_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Return: 0 with @c->path set to the socket of @c->name, or -1 with errno. */
static int
service_path(xpc_connection_t c)
{
	char dir[PATH_MAX];
	int n;

	if (!valid_name(c->name)) {
		errno = EINVAL;
		return -1;
	}
	if (xpc_service_dir(dir) != 0)
		return -1;
	n = snprintf(c->path, sizeof(c->path), "%s/%s", dir, c->name);
	if (n < 0 || (size_t)n >= sizeof(c->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void
fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, strlen(path) + 1);
}

/* Prepare a connected socket: credentials of the other end, send timeout. */
static void
setup_socket(xpc_connection_t c, int fd)
{
	struct timeval tv = {.tv_sec = XPC_SEND_TIMEOUT_SEC};
	socklen_t len = sizeof(c->cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) != 0)
		memset(&c->cred, 0, sizeof(c->cred));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Return: a socket connected to @c->path, or -1 with errno. */
static int
connect_service(xpc_connection_t c)
{
	struct sockaddr_un sa;
	int fd;

	if (service_path(c) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	fill_addr(&sa, c->path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	setup_socket(c, fd);
	return fd;
}

/* Objects */

static xpc_connection_t
conn_new(enum conn_kind kind, const char *name, dispatch_queue_t queue)
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
	return conn_new(flags & XPC_CONNECTION_MACH_SERVICE_LISTENER ? CONN_LISTENER : CONN_CLIENT,
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
static void
deliver_event(xpc_connection_t c, xpc_object_t event, bool last)
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
static void
fail_pending(xpc_connection_t c, xpc_object_t error)
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
		deliver_event(c, XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT, false);
		return;
	}
	xpc_dictionary_set_remote(msg, c, h->flags & XPC_WIRE_F_WANTS_REPLY ? h->id : 0);
	deliver_event(c, msg, false);
}

static void *
reader_main(void *arg)
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
	fail_pending(c, error);
	deliver_event(c, error, last);
	xpc_release(c);
	return NULL;
}

/* Start the thread that owns @c->fd; the caller holds @c->lock. */
static void
start_thread_locked(xpc_connection_t c, void *(*fn)(void *))
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

/* Listening */

/* Return: 0 with @c listening on its name, or -1 with errno (EADDRINUSE: taken). */
static int
listen_service(xpc_connection_t c)
{
	char lock_path[sizeof(c->path) + 8];
	struct sockaddr_un sa;
	int fd;

	if (service_path(c) != 0)
		return -1;
	snprintf(lock_path, sizeof(lock_path), "%s.lock", c->path);
	c->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (c->lock_fd < 0)
		return -1;
	if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		errno = EADDRINUSE;
		return -1;
	}
	/* We hold the name: a socket left there is a dead listener's. */
	if (unlink(c->path) != 0 && errno != ENOENT)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	fill_addr(&sa, c->path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, SOMAXCONN) != 0) {
		close(fd);
		return -1;
	}
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0) {
		close(fd);
		unlink(c->path);
		return -1;
	}
	c->fd = fd;
	return 0;
}

static void *
accept_main(void *arg)
{
	xpc_connection_t c = arg;
	struct pollfd pfd[2] = {{.fd = c->fd, .events = POLLIN},
	                        {.fd = c->wake_fd, .events = POLLIN}};
	xpc_connection_t peer;
	int fd;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			break;
		}
		pthread_mutex_lock(&c->lock);
		peer = conn_new(CONN_PEER, NULL, c->queue);
		pthread_mutex_unlock(&c->lock);
		peer->fd = fd;
		setup_socket(peer, fd);
		deliver_event(c, peer, false);
		xpc_release(peer);
	}
	pthread_mutex_lock(&c->lock);
	/* Give the name up before telling anyone, so it can be taken again. */
	unlink(c->path);
	close(c->fd);
	c->fd = -1;
	close(c->lock_fd);
	c->lock_fd = -1;
	c->running = false;
	c->invalid = true;
	pthread_mutex_unlock(&c->lock);
	deliver_event(c, XPC_ERROR_CONNECTION_INVALID, true);
	xpc_release(c);
	return NULL;
}

/* Life cycle */

/* Start what an activated connection does: connect, listen, or read. */
static void
activate_locked(xpc_connection_t c)
{
	int fd;

	c->activated = true;
	if (c->kind == CONN_LISTENER) {
		if (listen_service(c) == 0) {
			start_thread_locked(c, accept_main);
			return;
		}
		if (c->lock_fd >= 0)
			close(c->lock_fd);
		c->lock_fd = -1;
	} else if (c->kind == CONN_PEER) {
		start_thread_locked(c, reader_main);
		return;
	} else if ((fd = connect_service(c)) >= 0) {
		c->fd = fd;
		start_thread_locked(c, reader_main);
		return;
	}
	c->invalid = true;
	pthread_mutex_unlock(&c->lock);
	deliver_event(c, XPC_ERROR_CONNECTION_INVALID, true);
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
		fail_pending(c, XPC_ERROR_CONNECTION_INVALID);
		deliver_event(c, XPC_ERROR_CONNECTION_INVALID, true);
	}
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
	fd = connect_service(c);
	if (fd < 0)
		return -1;
	c->fd = fd;
	start_thread_locked(c, reader_main);
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
