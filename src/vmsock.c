// SPDX-License-Identifier: Apache-2.0
/*
 * vmsock.c - the helper's VM socket (see vmsock.h).
 *
 * With --socket PATH the helper, already running as the user, takes
 * PATH.lock (one helper per path), binds PATH (a datagram socket, or a
 * listening stream socket with --stream) and serves the first client: the
 * first sender of a datagram, to which the socket is then connected, or
 * the first connection, after which the listening socket is closed. Each
 * step's failure is one error line naming PATH; vmsock_remove() undoes
 * whatever was done.
 */
#include "vmsock.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sock.h"
#include "stop.h"

static void
warn_ignored(const char *reason, int err)
{
	if (err)
		log_warn("ignoring a datagram: %s: %s", reason, strerror(err));
	else
		log_warn("ignoring a datagram: %s", reason);
}

/* vmsock_bind() - lock PATH and bind it (listen, with a stream). Return: 0 or -1 */
int
vmsock_bind(struct vmsock *vs)
{
	const char *path = vs->path;

	if (!path)
		return 0;
	vs->lock_fd = sock_lock(path);
	if (vs->lock_fd < 0) {
		if (errno == EWOULDBLOCK)
			log_error("--socket %s: another helper serves this path", path);
		else
			log_error_errno("--socket %s: cannot lock %s%s", path, path,
			                SOCK_LOCK_SUFFIX);
		return -1;
	}
	vs->fd = vs->stream ? sock_listen(path, 1) : sock_bind(path);
	if (vs->fd < 0) {
		if (errno == EEXIST)
			log_error("--socket %s: cannot bind: the path exists and is not a socket",
			          path);
		else if (errno == EADDRINUSE)
			log_error("--socket %s: cannot bind: another program serves this socket",
			          path);
		else
			log_error_errno("--socket %s: cannot bind", path);
		return -1;
	}
	vs->bound = true;
	return 0;
}

/* Take the first connection on the listening socket. */
static enum sock_wait
accept_client(struct vmsock *vs)
{
	int conn = -1;
	enum sock_wait w = sock_accept(vs->fd, stop_fd(), &conn);

	if (w == SOCK_CLIENT) {
		/* One VM per helper: later connections are refused. */
		close(vs->fd);
		vs->fd = conn;
	}
	return w;
}

/*
 * vmsock_wait_client() - wait for PATH's first client (connection, with a
 * stream) until a stop is requested
 *
 * Return: 0, 1 when stopped, -1 after logging why
 */
int
vmsock_wait_client(struct vmsock *vs)
{
	const char *path = vs->path;

	log_info("waiting for a client on %s%s", path, vs->stream ? " (stream)" : "");
	switch (vs->stream ? accept_client(vs)
	                   : sock_wait_client(vs->fd, stop_fd(), warn_ignored)) {
	case SOCK_CLIENT:
		log_info("serving the client of %s", path);
		return 0;
	case SOCK_STOPPED:
		return 1;
	case SOCK_WAIT_ERR:
		break;
	}
	log_error_errno("--socket %s: waiting for a client failed", path);
	return -1;
}

/* vmsock_only_from_client() - @fwd takes datagrams of PATH's client only. Return: 0 or -1 */
int
vmsock_only_from_client(struct vmsock *vs, struct fwd *fwd)
{
	struct sockaddr_un peer = {0};
	socklen_t len = sizeof(peer);

	if (getpeername(vs->fd, (struct sockaddr *)&peer, &len) < 0) {
		log_error_errno("--socket %s: cannot get the client's address", vs->path);
		return -1;
	}
	if (fwd_only_from(fwd, &peer, len) < 0) {
		log_error_errno("--socket %s: cannot check the senders of datagrams", vs->path);
		return -1;
	}
	return 0;
}

/* vmsock_remove() - remove what vmsock_bind() created: the socket, then the lock */
void
vmsock_remove(struct vmsock *vs)
{
	if (vs->bound)
		sock_remove(vs->path);
	if (vs->lock_fd >= 0)
		sock_unlock(vs->path, vs->lock_fd);
}
