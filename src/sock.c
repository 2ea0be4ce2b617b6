// SPDX-License-Identifier: Apache-2.0
/*
 * sock.c - the VM socket (see sock.h).
 *
 * --fd: the caller made a socketpair and passes one end; it must be a unix
 * datagram socket, or a stream socket for frames with a length (stream.h).
 * --socket: the helper binds PATH (after dropping root, under a umask that
 * makes the file the user's and mode 0600 from the start), holds PATH.lock
 * so a second helper on the same path fails at once, replaces a socket at
 * PATH only if nobody serves it any more (a connect() is refused), waits
 * for the first datagram, and connects to its sender. Linux then refuses
 * datagrams from anyone else, macOS does not, and neither drops what was
 * queued before the connect: the forwarding checks each datagram's sender
 * (fwd_only_from()). --socket --stream: the same path and lock, a
 * listening stream socket, and the first connection.
 */
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

/*
 * Receive buffer, from the predecessor's measurements: 4 MiB fills in
 * about 2.6 ms at full speed without offload; 8 MiB with TSO (64 KiB
 * frames) fills in about 2 ms. Larger only adds latency (bufferbloat).
 */
#define SOCK_RCVBUF     (4 << 20)
#define SOCK_RCVBUF_TSO (8 << 20)

/* Frames above this size mean TSO is on (1514 without, 65550 with). */
#define SOCK_TSO_FRAME 16384

/*
 * sock_check_fd() - check that @fd is an open unix datagram or stream
 * socket
 * @type:	set to SOCK_DGRAM or SOCK_STREAM
 *
 * Return: 0, or -1 with *reason set
 */
int
sock_check_fd(int fd, int *type, const char **reason)
{
	int domain = 0;
	socklen_t len = sizeof(*type);

	*type = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, type, &len) < 0) {
		*reason = errno == EBADF      ? "not an open file descriptor"
		          : errno == ENOTSOCK ? "not a socket"
		                              : "cannot query the socket type";
		return -1;
	}
#ifdef SO_DOMAIN
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		domain = -1;
#else
	{
		struct sockaddr_storage ss;

		len = sizeof(ss);
		domain = getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ? -1 : ss.ss_family;
	}
#endif
	if (domain != AF_UNIX) {
		*reason = "not a unix domain socket";
		return -1;
	}
	if (*type != SOCK_DGRAM && *type != SOCK_STREAM) {
		*reason = "neither a datagram (SOCK_DGRAM) nor a stream (SOCK_STREAM) socket";
		return -1;
	}
	return 0;
}

/*
 * sock_buffer_sizes() - socket buffer sizes for the VM socket
 *
 * Receive: SOCK_RCVBUF, or SOCK_RCVBUF_TSO with TSO frames, and at least
 * two batches. Send: the same. On macOS the send buffer of a datagram
 * socket only limits the datagram size and the queue towards the peer is
 * the peer's receive buffer; on Linux the sender's buffer is that queue
 * (the peer's receive buffer is not checked), so it gets the size the
 * peer's receive buffer would have. One batch was not enough: a VM that
 * did not read for a millisecond made the helper drop frames.
 */
void
sock_buffer_sizes(uint64_t max_packet_size, unsigned batch, int *sndbuf, int *rcvbuf)
{
	uint64_t one_batch = max_packet_size * batch;
	uint64_t rcv = max_packet_size > SOCK_TSO_FRAME ? SOCK_RCVBUF_TSO : SOCK_RCVBUF;

	if (rcv < 2 * one_batch)
		rcv = 2 * one_batch;
	*rcvbuf = rcv > INT_MAX ? INT_MAX : (int)rcv;
	*sndbuf = *rcvbuf;
}

/*
 * Set option @opt to @want bytes; while the system refuses the size (xnu
 * fails with ENOBUFS above about kern.ipc.maxsockbuf * 2048 / 2304, where
 * Linux clamps to net.core.wmem_max/rmem_max), halve it, down to @min.
 *
 * Return: the size getsockopt() reports then, or -1 with errno
 */
static int
fit_buffer(int fd, int opt, int want, int min)
{
	int size = want;
	socklen_t len = sizeof(size);

	while (setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size)) < 0) {
		if (errno != ENOBUFS || size <= min)
			return -1;
		size = size / 2 > min ? size / 2 : min;
	}
	if (getsockopt(fd, SOL_SOCKET, opt, &size, &len) < 0)
		return -1;
	return size;
}

/*
 * sock_set_buffers() - set SO_SNDBUF and SO_RCVBUF as close to the request
 * as the system allows, but not below @min
 * @sndbuf, @rcvbuf:	in: the sizes wanted; out: the sizes granted
 * @min:	the least worth asking for: one maximum frame
 *
 * A granted size may still be below @min where the system clamps instead
 * of refusing (Linux); the caller decides what that means.
 *
 * Return: 0, or -1 with errno (ENOBUFS: even @min was refused)
 */
int
sock_set_buffers(int fd, int *sndbuf, int *rcvbuf, int min)
{
	int snd = fit_buffer(fd, SO_SNDBUF, *sndbuf, min);
	int rcv = snd < 0 ? -1 : fit_buffer(fd, SO_RCVBUF, *rcvbuf, min);

	if (rcv < 0)
		return -1;
	*sndbuf = snd;
	*rcvbuf = rcv;
	return 0;
}

/*
 * sock_size_buffers() - size @fd's buffers for frames of @max_packet_size
 * in batches of @batch (sock_buffer_sizes()), and log the result: debug
 * when every size holds one frame, a warning when not
 * @whose:	for the log, e.g. "socket" or "command socket"
 */
void
sock_size_buffers(int fd, uint64_t max_packet_size, unsigned batch, const char *whose)
{
	int min = max_packet_size > INT_MAX ? INT_MAX : (int)max_packet_size;
	int snd, rcv;

	int type = 0;
	socklen_t len = sizeof(type);

	sock_buffer_sizes(max_packet_size, batch, &snd, &rcv);
	/* A stream's send buffer bounds the bytes in flight: as large as the receive side. */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM)
		snd = rcv;
	if (sock_set_buffers(fd, &snd, &rcv, min) < 0)
		log_warn_errno("cannot set %s buffers to one frame (%d bytes)", whose, min);
	else if (snd < min || rcv < min)
		log_warn("%s buffers smaller than one frame of %d bytes: send %d, receive %d",
		         whose, min, snd, rcv);
	else
		log_debug("%s buffers: send %d, receive %d bytes", whose, snd, rcv);
}

static int
lock_path(const char *path, char out[PATH_MAX])
{
	if (snprintf(out, PATH_MAX, "%s" SOCK_LOCK_SUFFIX, path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * sock_lock() - take PATH.lock, so only one helper serves PATH
 *
 * The lock is held while the returned fd is open (flock, non-blocking).
 *
 * Return: the lock fd, or -1 with errno (EWOULDBLOCK: another helper)
 */
int
sock_lock(const char *path)
{
	char lock[PATH_MAX];
	int fd;

	if (lock_path(path, lock) < 0)
		return -1;
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * Is a program serving the socket file at @addr? A connect() tells: a
 * stale file refuses it (ECONNREFUSED); a socket of another type is bound
 * (EPROTOTYPE). Return: 0 stale, -1 with errno EADDRINUSE when in use, or
 * the errno of a connect() that could not tell (EACCES: not writable).
 */
static int
check_stale(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0), rc, err;

	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	err = errno;
	close(fd);
	if (rc == 0 || err == EPROTOTYPE) {
		errno = EADDRINUSE;
		return -1;
	}
	if (err == ECONNREFUSED)
		return 0;
	errno = err;
	return -1;
}

/*
 * Bind a socket of @type at @path. A stale socket left by a helper that
 * died is replaced; a socket a program still serves is an error
 * (EADDRINUSE), and so is anything else at @path (EEXIST). The caller
 * holds the lock and set the umask.
 */
static int
bind_path(const char *path, int type)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, saved;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			return -1;
		}
		if (check_stale(&addr) < 0 || unlink(path) < 0)
			return -1;
	} else if (errno != ENOENT) {
		return -1;
	}
	fd = socket(AF_UNIX, type, 0);
	if (fd < 0)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * sock_bind() - bind a unix datagram socket at @path (see bind_path())
 * Return: the socket, or -1 with errno
 */
int
sock_bind(const char *path)
{
	return bind_path(path, SOCK_DGRAM);
}

/*
 * sock_listen() - bind a unix stream socket at @path and listen on it
 * (see bind_path())
 * Return: the socket, or -1 with errno
 */
int
sock_listen(const char *path, int backlog)
{
	int fd = bind_path(path, SOCK_STREAM);

	if (fd >= 0 && listen(fd, backlog) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Wait until @sock is readable (SOCK_CLIENT) or @stop_fd is (SOCK_STOPPED). */
static enum sock_wait
wait_readable(int sock, int stop_fd)
{
	struct pollfd pfd[2] = {{.fd = sock, .events = POLLIN}, {.fd = stop_fd, .events = POLLIN}};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return SOCK_WAIT_ERR;
		}
		if (pfd[1].revents)
			return SOCK_STOPPED;
		if (pfd[0].revents)
			return SOCK_CLIENT;
	}
}

/*
 * sock_accept() - wait for a connection on the listening @sock, or for
 * @stop_fd to become readable
 * @conn:	set to the connected socket (close-on-exec)
 *
 * Return: SOCK_CLIENT, SOCK_STOPPED, or SOCK_WAIT_ERR with errno
 */
enum sock_wait
sock_accept(int sock, int stop_fd, int *conn)
{
	enum sock_wait w;

	while ((w = wait_readable(sock, stop_fd)) == SOCK_CLIENT) {
		*conn = accept(sock, NULL, NULL);
		if (*conn >= 0 && fcntl(*conn, F_SETFD, FD_CLOEXEC) == 0)
			return SOCK_CLIENT;
		if (*conn >= 0)
			close(*conn);
		/* The peer may have gone before we took it: wait for the next. */
		if (errno != ECONNABORTED && errno != EINTR && errno != EAGAIN)
			return SOCK_WAIT_ERR;
	}
	return w;
}

/* Connecting to this sender failed for a reason of its own, not ours. */
static bool
sender_refused(int err)
{
	return err == EACCES || err == EPERM || err == ECONNREFUSED || err == ENOENT;
}

/*
 * Look at the first queued datagram without taking it, and connect to its
 * sender. The datagram is consumed if it is vfkit's handshake, or if its
 * sender cannot be served: its socket has no path (unbound, or a Linux
 * abstract name) or refuses the connection (no permission to write to it,
 * already gone); @ignored says why. Return: 1 connected, 0 keep waiting,
 * -1 error.
 */
static int
accept_first(int sock, void (*ignored)(const char *reason, int err))
{
	struct sockaddr_un from;
	char buf[sizeof(SOCK_VFKIT_MAGIC)];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg = {
	    .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = recvmsg(sock, &msg, MSG_PEEK | MSG_DONTWAIT);
	bool magic, served;

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	magic = n == (ssize_t)strlen(SOCK_VFKIT_MAGIC) && !(msg.msg_flags & MSG_TRUNC) &&
	        memcmp(buf, SOCK_VFKIT_MAGIC, (size_t)n) == 0;
	served =
	    msg.msg_namelen > offsetof(struct sockaddr_un, sun_path) && from.sun_path[0] != '\0';
	if (!served) {
		ignored("the sender's socket is not bound to a path", 0);
	} else if (connect(sock, (struct sockaddr *)&from, msg.msg_namelen) < 0) {
		if (!sender_refused(errno))
			return -1;
		ignored("cannot connect to the sender", errno);
		served = false;
	}
	if ((magic || !served) && recv(sock, buf, sizeof(buf), MSG_DONTWAIT) < 0)
		return -1;
	return served;
}

/*
 * sock_wait_client() - wait for the first sender that can be served, and
 * connect to it
 * @stop_fd:	readable when the helper must stop waiting
 * @ignored:	called with a reason (and an errno value, or 0) for each
 *		datagram discarded because its sender cannot be served
 *
 * The first real frame stays queued for forwarding; only vfkit's 4-byte
 * handshake is consumed.
 *
 * Return: SOCK_CLIENT, SOCK_STOPPED, or SOCK_WAIT_ERR with errno
 */
enum sock_wait
sock_wait_client(int sock, int stop_fd, void (*ignored)(const char *reason, int err))
{
	enum sock_wait w;

	while ((w = wait_readable(sock, stop_fd)) == SOCK_CLIENT) {
		int rc = accept_first(sock, ignored);

		if (rc < 0)
			return SOCK_WAIT_ERR;
		if (rc > 0)
			return SOCK_CLIENT;
	}
	return w;
}

/* sock_remove() - remove the socket file; errors are moot at exit */
void
sock_remove(const char *path)
{
	unlink(path);
}

/* sock_unlock() - remove PATH.lock while still holding it, then release it */
void
sock_unlock(const char *path, int lock_fd)
{
	char lock[PATH_MAX];

	if (lock_path(path, lock) == 0)
		unlink(lock);
	close(lock_fd);
}
