// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_net_state.c - the state of a namespace's networks: its directory,
 * its lock, the view of its links and the files of each network.
 *
 * Theory of operation: /run/vmnet-linux/<netns inode>/ holds the lock and
 * one directory per network, named after its bridge: its parameters
 * ("network"), its identity ("netid", for networks made from a
 * configuration or by identifier) and dnsmasq's pid, lease and log files.
 * Every change to the networks of a namespace happens under the lock, with
 * a list of the namespace's links taken under it; the last release removes
 * the lock file, so a waiter checks that the file it locked is still the
 * one in the directory and starts over if not.
 */
#include "vmnet_net_internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmnet/vmnet.h>

bool
net_is_ours(const struct netlink_link *l)
{
	return strcmp(l->kind, "bridge") == 0 && strncmp(l->name, NET_PREFIX, 3) == 0 &&
	       strcmp(l->alias, NET_ALIAS) == 0;
}

int
net_refresh(struct net_ctx *ctx)
{
	free(ctx->links);
	ctx->links = NULL;
	ctx->nlinks = 0;
	return netlink_links(&ctx->links, &ctx->nlinks);
}

const struct netlink_link *
net_find(const struct net_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nlinks; i++)
		if (strcmp(ctx->links[i].name, name) == 0)
			return &ctx->links[i];
	return NULL;
}

int
net_mkdir(const char *path)
{
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/*
 * Take the namespace's lock and list its links. The last release removes
 * the lock file, so after waiting for the lock check that the file we
 * hold is still the one in the directory, else start over.
 */
int
net_lock(struct net_ctx *ctx)
{
	char path[PATH_MAX];
	struct stat ns, held, named;

	memset(ctx, 0, sizeof(*ctx));
	ctx->lock_fd = -1;
	if (stat("/proc/thread-self/ns/net", &ns) < 0)
		return -1;
	snprintf(ctx->dir, sizeof(ctx->dir), NET_STATE_ROOT "/%llu", (unsigned long long)ns.st_ino);
	snprintf(path, sizeof(path), "%s/lock", ctx->dir);
	for (;;) {
		if (net_mkdir(NET_STATE_ROOT) < 0 || net_mkdir(ctx->dir) < 0)
			return -1;
		ctx->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (ctx->lock_fd < 0) {
			if (errno == ENOENT)
				continue; /* directory removed meanwhile */
			return -1;
		}
		while (flock(ctx->lock_fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return -1;
		if (fstat(ctx->lock_fd, &held) == 0 && stat(path, &named) == 0 &&
		    held.st_ino == named.st_ino && held.st_dev == named.st_dev)
			break;
		close(ctx->lock_fd);
		ctx->lock_fd = -1;
	}
	return net_refresh(ctx);
}

/* With no network left, remove the namespace's state directory. */
void
net_remove_if_empty(const struct net_ctx *ctx)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool empty = true;
	DIR *d = opendir(ctx->dir);

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "lock") != 0)
			empty = false;
	closedir(d);
	if (!empty)
		return;
	snprintf(path, sizeof(path), "%s/lock", ctx->dir);
	unlink(path);
	rmdir(ctx->dir);
}

void
net_unlock(struct net_ctx *ctx)
{
	int err = errno;

	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	free(ctx->links);
	errno = err;
}

void
net_path(const struct net_ctx *ctx, const char *bridge, const char *file, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", ctx->dir, bridge, file ? "/" : "", file ? file : "");
}

void
net_remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(path);
}

int
net_save(const char *path, const struct vmnet_net *net)
{
	char s[INET_ADDRSTRLEN], e[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	FILE *f;
	int rc;

	inet_ntop(AF_INET, &net->start, s, sizeof(s));
	inet_ntop(AF_INET, &net->end, e, sizeof(e));
	inet_ntop(AF_INET, &net->mask, m, sizeof(m));
	if (net->has_nat66)
		inet_ntop(AF_INET6, &net->nat66, p, sizeof(p));
	else
		strcpy(p, "-");
	f = fopen(path, "we");
	if (!f)
		return -1;
	rc = fprintf(f, "%s %s %s %s %u\n", s, e, m, p, net->mtu) < 0;
	return (fclose(f) != 0 || rc) ? -1 : 0;
}

int
net_load(const char *path, struct vmnet_net *net)
{
	char s[INET_ADDRSTRLEN], e[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%15s %15s %15s %45s %u", s, e, m, p, &net->mtu);
	fclose(f);
	if (n != 5 || inet_pton(AF_INET, s, &net->start) != 1 ||
	    inet_pton(AF_INET, e, &net->end) != 1 || inet_pton(AF_INET, m, &net->mask) != 1 ||
	    net->mtu < VMNET_NETCONF_MTU_MIN || net->mtu > VMNET_NETCONF_MTU_MAX) {
		errno = EINVAL;
		return -1;
	}
	net->has_nat66 = inet_pton(AF_INET6, p, &net->nat66) == 1;
	return 0;
}

/* Identity of a network: "<id in hex> <IPv6 prefix length>". */
#define NET_ID_FILE "netid"

int
net_save_id(const struct net_ctx *ctx, const struct vmnet_net *net)
{
	char path[PATH_MAX];
	FILE *f;
	int rc = 0, i;

	net_path(ctx, net->bridge, NET_ID_FILE, path, sizeof(path));
	f = fopen(path, "we");
	if (!f)
		return -1;
	for (i = 0; i < 16; i++)
		rc |= fprintf(f, "%02x", net->id[i]) < 0;
	rc |= fprintf(f, " %u\n", net->nat66_len) < 0;
	return (fclose(f) != 0 || rc) ? -1 : 0;
}

/* Load the parameters and identity of network @bridge into @net. */
int
net_load_all(const struct net_ctx *ctx, const char *bridge, struct vmnet_net *net)
{
	char path[PATH_MAX], hex[33];
	unsigned plen, i, byte;
	FILE *f;
	int n;

	memset(net, 0, sizeof(*net));
	net_path(ctx, bridge, NET_PARAM_FILE, path, sizeof(path));
	if (net_load(path, net) < 0)
		return -1;
	net_path(ctx, bridge, NET_ID_FILE, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fscanf(f, "%32s %u", hex, &plen);
	fclose(f);
	if (n != 2 || strlen(hex) != 32 || plen > 128) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < 16; i++) {
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
			errno = EINVAL;
			return -1;
		}
		net->id[i] = (uint8_t)byte;
	}
	net->nat66_len = (uint8_t)plen;
	snprintf(net->bridge, sizeof(net->bridge), "%s", bridge);
	return 0;
}
