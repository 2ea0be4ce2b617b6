/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_sock.h - the socket vmnet-client hands to the command as
 * fd 4: one end of a socketpair (the helper gets the other as fd 3), or,
 * when sudo may not pass descriptors, a socket connected to the helper's
 * --socket path in a private directory.
 */
#ifndef CLIENT_SOCK_H
#define CLIENT_SOCK_H

#include <limits.h>
#include <sys/socket.h>
#include <sys/un.h>

#define CLIENT_SOCK_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/* A private directory (mode 0700) holding both ends of the socket path. */
struct client_sock_dir {
	char dir[CLIENT_SOCK_PATH_MAX];
	char helper_path[CLIENT_SOCK_PATH_MAX]; /* the helper's --socket */
	char client_path[CLIENT_SOCK_PATH_MAX]; /* where @fd is bound */
	int fd;                                 /* bound, close-on-exec */
	int type;                               /* SOCK_DGRAM or SOCK_STREAM */
};

/*
 * client_sock_pair() - socketpair(AF_UNIX, @type), both ends close-on-exec;
 * @type is SOCK_DGRAM, or SOCK_STREAM for the helper's --stream.
 *
 * Return: 0, or -1 with errno.
 */
int client_sock_pair(int fds[2], int type);

/*
 * client_sock_dir_create() - make the private directory under $TMPDIR (or
 * /tmp when unset or too long) and bind @d->fd, a socket of @type, in it.
 *
 * Return: 0, or -1 with errno (nothing left behind).
 */
int client_sock_dir_create(struct client_sock_dir *d, int type);

/*
 * client_sock_dir_connect() - connect @d->fd to the helper's socket; a
 * datagram socket then sends vfkit's 4-byte "VFKT" greeting, which the
 * helper consumes to learn our address.
 *
 * Return: 0, or -1 with errno; ENOENT and ECONNREFUSED mean the helper has
 * not bound its socket yet.
 */
int client_sock_dir_connect(struct client_sock_dir *d);

/*
 * client_sock_dir_remove() - close @d->fd if open, remove every entry of the
 * directory (sockets, the helper's lock file) and the directory.
 */
void client_sock_dir_remove(struct client_sock_dir *d);

#endif /* CLIENT_SOCK_H */
