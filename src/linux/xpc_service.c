// SPDX-License-Identifier: Apache-2.0
/*
 * xpc_service.c - XPC service names on Linux: the directory of sockets
 * standing in for the bootstrap namespace, connecting a client to a name,
 * and a listener's binding and accepting.
 *
 * Theory of operation: macOS looks a Mach service name up in the user's
 * bootstrap namespace, which launchd fills from the MachServices of its
 * agents. Here the namespace is a directory of sockets, one per name,
 * private to the effective user (xpc_service_dir()): $XDG_RUNTIME_DIR/vmnet-xpc
 * if XDG_RUNTIME_DIR is an absolute directory the user owns with mode 0700,
 * else /run/user/UID/vmnet-xpc on the same conditions, else
 * /tmp/vmnet-xpc-UID. The directory is created 0700 and refused unless it
 * is a real directory owned by the user with no group or other access, so
 * no other user can connect, listen or replace a socket. There is no
 * launchd: a listener is whoever binds the name first (an flock()ed
 * NAME.lock guards against two), and a client of a name nobody listens on
 * gets XPC_ERROR_CONNECTION_INVALID, as on macOS for an unknown name. Every
 * accepted socket becomes a peer connection delivered to the listener's
 * event handler, inactive, with the peer's credentials from SO_PEERCRED.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xpc_connection_internal.h"

/* Longest service name: the socket path must fit sun_path. */
#define XPC_NAME_MAX 64
/* How long a send may wait for a peer that does not read. */
#define XPC_SEND_TIMEOUT_SEC 5

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
int
xpc_service_connect(xpc_connection_t c)
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

/* Listening */

/* Return: 0 with @c listening on its name, or -1 with errno (EADDRINUSE: taken). */
int
xpc_service_listen(xpc_connection_t c)
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

void *
xpc_service_accept_main(void *arg)
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
		peer = xpc_conn_new(CONN_PEER, NULL, c->queue);
		pthread_mutex_unlock(&c->lock);
		peer->fd = fd;
		setup_socket(peer, fd);
		xpc_conn_deliver_event(c, peer, false);
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
	xpc_conn_deliver_event(c, XPC_ERROR_CONNECTION_INVALID, true);
	xpc_release(c);
	return NULL;
}
