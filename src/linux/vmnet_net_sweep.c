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
#include <net/if.h>
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

/*
 * After a failed change: reclaim what it left, once a dnsmasq it started
 * serves or failed; keep errno.
 */
void
net_undo(struct net_ctx *ctx)
{
	int err = errno;

	net_dhcp_ready(ctx);
	if (ctx->lock_fd >= 0 && net_refresh(ctx) == 0)
		net_sweep(ctx, 0);
	if (ctx->lock_fd >= 0)
		net_remove_if_empty(ctx);
	errno = err;
}

/* A network namespace some process is in. */
struct net_live {
	ino_t ino;
	pid_t pid; /* one of its processes */
};

/* The network namespaces of all processes. Return: count, or -1. */
static ssize_t
net_live_namespaces(struct net_live **live)
{
	size_t n = 0, cap = 0;
	struct dirent *e;
	char path[64];
	struct stat st;
	DIR *d = opendir("/proc");

	*live = NULL;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/ns/net", e->d_name);
		if (stat(path, &st) < 0)
			continue;
		if (n == cap) {
			struct net_live *more =
			    realloc(*live, (cap = cap ? 2 * cap : 256) * sizeof(**live));

			if (!more) {
				closedir(d);
				free(*live);
				*live = NULL;
				errno = ENOMEM;
				return -1;
			}
			*live = more;
		}
		(*live)[n++] = (struct net_live){st.st_ino, (pid_t)atoi(e->d_name)};
	}
	closedir(d);
	return (ssize_t)n;
}

/* Has the network namespace of process @pid a link called @name? */
static bool
net_has_link(pid_t pid, const char *name)
{
	char path[64], line[512], *colon, *p;
	bool found = true; /* when in doubt, the network is kept */
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return found;
	found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		for (p = line; *p == ' '; p++)
			;
		found = colon && (size_t)(colon - p) == strlen(name) &&
		        strncmp(p, name, strlen(name)) == 0;
	}
	fclose(f);
	return found;
}

/*
 * Lock @fd, the lock file @path of a namespace's state. Held by someone
 * else, it is waited for (a change in progress, or another collector), and
 * then the processes are looked at again (*@live, *@nlive), since the
 * holder may have been a namespace new since the last look.
 * Return: 0 with the lock of the file still called @path, else -1.
 */
static int
net_lock_current(int fd, const char *path, struct net_live **live, ssize_t *nlive)
{
	struct stat held, named;

	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return -1;
		free(*live);
		*nlive = net_live_namespaces(live);
		if (*nlive < 0)
			return -1; /* *live is NULL */
	}
	/* A collector before us may have removed it. */
	if (fstat(fd, &held) < 0 || stat(path, &named) < 0 || held.st_ino != named.st_ino ||
	    held.st_dev != named.st_dev)
		return -1;
	return 0;
}

/*
 * Remove the state directories of network namespaces no process is in any
 * more (deleted with their networks still up). A namespace with a network
 * has its dnsmasq inside, so a namespace without processes has no network
 * state worth keeping.
 *
 * The kernel reuses the inode numbers of namespaces at once, so the state
 * of a deleted namespace may by now carry the number of a live one that
 * has no network, or other networks. Its networks are then those whose
 * bridge that namespace lacks and whose dnsmasq is gone (under the lock, a
 * network of the live namespace always has its bridge; one that lost it
 * keeps its dnsmasq, for that namespace's own sweep to stop); they are
 * removed, and the directory too once nothing is left in it. All this
 * under the directory's own lock, so no change of the namespace that
 * reuses the inode is half done meanwhile.
 */
static void
net_collect_dead(void)
{
	char path[PATH_MAX];
	struct net_ctx ctx = {.lock_fd = -1};
	struct net_live *live;
	struct dirent *e;
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
		snprintf(ctx.dir, sizeof(ctx.dir), NET_STATE_ROOT "/%llu", ino);
		snprintf(path, sizeof(path), "%s/lock", ctx.dir);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (net_lock_current(fd, path, &live, &nlive) == 0) {
			DIR *d = opendir(ctx.dir);
			struct dirent *n;

			for (i = 0; i < nlive && live[i].ino != (ino_t)ino; i++)
				;
			while (d && (n = readdir(d))) {
				if (strncmp(n->d_name, NET_PREFIX, 3) != 0 ||
				    strlen(n->d_name) >= IF_NAMESIZE)
					continue;
				net_path(&ctx, n->d_name, NULL, path, sizeof(path));
				if (i == nlive ||
				    (!net_has_link(live[i].pid, n->d_name) && !dhcp_may_run(path)))
					net_remove_dir(path);
			}
			if (d)
				closedir(d);
			net_remove_if_empty(&ctx);
		}
		close(fd);
		if (nlive < 0)
			break; /* no view of the processes left */
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
