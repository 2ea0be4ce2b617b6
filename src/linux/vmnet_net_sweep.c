// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_net_sweep.c - tearing down unused networks and reclaiming what
 * killed processes left behind.
 *
 * Theory of operation: TAP devices vanish with the process that holds
 * them, so a network whose bridge has no port is unused. A sweep, under
 * the namespace's lock, deletes the TAP it is given and our TAPs that no
 * descriptor holds any more, then tears down each of our bridges without
 * ports (dnsmasq, NAT table, bridge, state directory) and each state
 * directory whose bridge is gone. Every start sweeps before it attaches and
 * every release (the keeper's, after a stop or the process's death) sweeps,
 * so the last stop removes a network and whatever a killed process left is
 * reclaimed. A release also removes the state of namespaces no process is
 * in any more, which took their bridges with them.
 */
#include "vmnet_net_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dhcp.h"
#include "nat.h"

static size_t
net_ports(const struct net_ctx *ctx, int index)
{
	size_t i, n = 0;

	for (i = 0; i < ctx->nlinks; i++)
		n += ctx->links[i].master == index;
	return n;
}

/* Remove a network: dnsmasq, NAT table, bridge (if @index), state. */
int
net_teardown(const struct net_ctx *ctx, const char *bridge, int index)
{
	char dir[PATH_MAX];
	int rc = 0, err = 0;

	net_path(ctx, bridge, NULL, dir, sizeof(dir));
	if (dhcp_stop(dir, bridge) < 0) {
		rc = -1;
		err = errno;
	}
	if (nat_remove(bridge) < 0 && !rc) {
		rc = -1;
		err = errno;
	}
	if (index && netlink_link_delete(index) < 0 && errno != ENODEV && !rc) {
		rc = -1;
		err = errno;
	}
	net_remove_dir(dir);
	errno = err;
	return rc;
}

/* One of our TAPs: tagged at attach, which needs CAP_NET_ADMIN (so its user cannot). */
static bool
net_is_our_tap(const struct netlink_link *l)
{
	return strcmp(l->kind, "tun") == 0 && strcmp(l->alias, NET_ALIAS) == 0;
}

/*
 * Delete TAP @tap_index (0: none) if it is ours, whatever its name, owner
 * or persistence now, and every TAP of ours left behind: made persistent
 * (ours never are) and without carrier (no descriptor attached: its
 * process is gone). Return: 0, or -1 with errno.
 */
static int
net_remove_taps(struct net_ctx *ctx, int tap_index)
{
	const struct netlink_link *l;
	bool removed = false;
	int rc = 0, err = 0;
	size_t i;

	for (i = 0; i < ctx->nlinks; i++) {
		l = &ctx->links[i];
		if (!net_is_our_tap(l) ||
		    (l->index != tap_index && !(l->tun_persist && !l->carrier)))
			continue;
		removed = true;
		if (netlink_link_delete(l->index) < 0 && errno != ENODEV && !rc) {
			rc = -1;
			err = errno;
		}
	}
	if (removed && net_refresh(ctx) < 0)
		return -1;
	errno = err;
	return rc;
}

/*
 * Tear down TAP @tap_index (see net_remove_taps()), the TAPs left behind,
 * our bridges without ports, and state directories whose bridge is gone.
 * Return: 0, or -1 with errno of the first failure.
 */
int
net_sweep(struct net_ctx *ctx, int tap_index)
{
	const struct netlink_link *l;
	struct dirent *e;
	int rc, err = 0;
	size_t i;
	DIR *d;

	rc = net_remove_taps(ctx, tap_index);
	if (rc < 0)
		err = errno;
	for (i = 0; i < ctx->nlinks; i++) {
		l = &ctx->links[i];
		if (net_is_ours(l) && net_ports(ctx, l->index) == 0 &&
		    net_teardown(ctx, l->name, l->index) < 0 && !rc) {
			rc = -1;
			err = errno;
		}
	}
	if (net_refresh(ctx) < 0)
		return -1;
	d = opendir(ctx->dir);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, NET_PREFIX, 3) != 0 || strlen(e->d_name) >= IF_NAMESIZE)
			continue;
		l = net_find(ctx, e->d_name);
		if ((!l || !net_is_ours(l)) && net_teardown(ctx, e->d_name, 0) < 0 && !rc) {
			rc = -1;
			err = errno;
		}
	}
	closedir(d);
	errno = err;
	return rc;
}

/* After a failed change: reclaim what it left, keep errno. */
void
net_undo(struct net_ctx *ctx)
{
	int err = errno;

	if (ctx->lock_fd >= 0 && net_refresh(ctx) == 0)
		net_sweep(ctx, 0);
	if (ctx->lock_fd >= 0)
		net_remove_if_empty(ctx);
	errno = err;
}

/* Inodes of the network namespaces of all processes. Return: count, or -1. */
static ssize_t
net_live_namespaces(ino_t **inos)
{
	size_t n = 0, cap = 0;
	struct dirent *e;
	char path[64];
	struct stat st;
	DIR *d = opendir("/proc");

	*inos = NULL;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/ns/net", e->d_name);
		if (stat(path, &st) < 0)
			continue;
		if (n == cap) {
			ino_t *more = realloc(*inos, (cap = cap ? 2 * cap : 256) * sizeof(**inos));

			if (!more) {
				closedir(d);
				free(*inos);
				*inos = NULL;
				errno = ENOMEM;
				return -1;
			}
			*inos = more;
		}
		(*inos)[n++] = st.st_ino;
	}
	closedir(d);
	return (ssize_t)n;
}

/*
 * Remove the state directories of network namespaces no process is in any
 * more (deleted with their networks still up). A namespace with a network
 * has its dnsmasq inside, so a namespace without processes has no network
 * state worth keeping. The directory's own lock, taken without waiting,
 * keeps us from racing a new namespace that reuses the inode.
 */
static void
net_collect_dead(void)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *e;
	ino_t *live;
	ssize_t nlive, i;
	DIR *root;

	nlive = net_live_namespaces(&live);
	if (nlive < 0)
		return;
	root = opendir(NET_STATE_ROOT);
	while (root && (e = readdir(root))) {
		char *end;
		unsigned long long ino = strtoull(e->d_name, &end, 10);
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' || *end)
			continue;
		for (i = 0; i < nlive && live[i] != (ino_t)ino; i++)
			;
		if (i < nlive)
			continue;
		snprintf(dir, sizeof(dir), NET_STATE_ROOT "/%llu", ino);
		snprintf(path, sizeof(path), "%s/lock", dir);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			DIR *d = opendir(dir);
			struct dirent *n;

			while (d && (n = readdir(d))) {
				if (strncmp(n->d_name, NET_PREFIX, 3) != 0)
					continue;
				snprintf(path, sizeof(path), "%s/%.16s", dir, n->d_name);
				net_remove_dir(path);
			}
			if (d)
				closedir(d);
			snprintf(path, sizeof(path), "%s/lock", dir);
			unlink(path);
			rmdir(dir);
		}
		close(fd);
	}
	if (root)
		closedir(root);
	free(live);
}

int
vmnet_net_release(int tap_index)
{
	struct net_ctx ctx;
	int rc = -1;

	if (net_lock(&ctx) == 0) {
		rc = net_sweep(&ctx, tap_index);
		net_remove_if_empty(&ctx);
	}
	net_unlock(&ctx);
	net_collect_dead();
	return rc;
}
