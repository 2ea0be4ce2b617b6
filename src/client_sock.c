// SPDX-License-Identifier: Apache-2.0
/*
 * client_sock.c - the command's datagram socket: a socketpair end, or a
 * socket in a private directory connected to the helper's --socket path.
 */
#include "client_sock.h"
#include "client_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HELPER_NAME    "helper.sock"
#define CLIENT_NAME    "client.sock"
#define DIR_TEMPLATE   "vmnet-client.XXXXXX"
#define VFKIT_GREETING "VFKT"

static int
set_cloexec(int fd)
{
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int
client_sock_pair(int fds[2], int type)
{
	if (socketpair(AF_UNIX, type, 0, fds) < 0)
		return -1;
	return client_proc_cloexec_pair(fds);
}

static int
make_addr(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr->sun_path, path);
	return 0;
}

/* Fill @d's paths below a new directory in @base. */
static int
make_dir(struct client_sock_dir *d, const char *base)
{
	size_t size = sizeof(d->dir);

	/* The longest path is dir + "/" + the longer socket name. */
	if (snprintf(d->dir, size, "%s/%s", base, DIR_TEMPLATE) >= (int)size ||
	    strlen(d->dir) + 1 + strlen(HELPER_NAME) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdtemp(d->dir) == NULL)
		return -1;
	snprintf(d->helper_path, size, "%s/%s", d->dir, HELPER_NAME);
	snprintf(d->client_path, size, "%s/%s", d->dir, CLIENT_NAME);
	return 0;
}

int
client_sock_dir_create(struct client_sock_dir *d, int type)
{
	const char *tmpdir = getenv("TMPDIR");
	struct sockaddr_un addr;

	d->fd = -1;
	d->dir[0] = '\0';
	/* mkdtemp() creates the directory with mode 0700. */
	if ((tmpdir == NULL || *tmpdir == '\0' || make_dir(d, tmpdir) < 0) &&
	    make_dir(d, "/tmp") < 0) {
		d->dir[0] = '\0';
		return -1;
	}
	d->type = type;
	d->fd = socket(AF_UNIX, type, 0);
	if (d->fd < 0 || set_cloexec(d->fd) < 0 || make_addr(d->client_path, &addr) < 0 ||
	    bind(d->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;

		client_sock_dir_remove(d);
		errno = err;
		return -1;
	}
	return 0;
}

int
client_sock_dir_connect(struct client_sock_dir *d)
{
	struct sockaddr_un addr;

	if (make_addr(d->helper_path, &addr) < 0 ||
	    connect(d->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -1;
	if (d->type == SOCK_DGRAM && send(d->fd, VFKIT_GREETING, strlen(VFKIT_GREETING), 0) < 0)
		return -1;
	return 0;
}

void
client_sock_dir_remove(struct client_sock_dir *d)
{
	DIR *dir;
	struct dirent *de;

	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	if (d->dir[0] == '\0')
		return;
	dir = opendir(d->dir);
	if (dir != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(dir), de->d_name, 0);
		}
		closedir(dir);
	}
	rmdir(d->dir);
	d->dir[0] = '\0';
}
