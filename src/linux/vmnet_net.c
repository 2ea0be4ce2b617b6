// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_net.c - lifecycle of the emulated vmnet networks.
 *
 * Theory of operation: a host or shared network is a bridge named after
 * its mode and subnet ("vmn" + 'h' or 's' + subnet in hex + "-" + prefix
 * length, e.g. vmns0a0a0000-24) and tagged with the alias "vmnet-linux",
 * so any process finds it by computing the name and nobody else's bridge is
 * ever mistaken for ours. The gateway address sits on the bridge; dnsmasq
 * serves DHCP on it; a shared network adds a ULA /64 and an nftables table
 * of the same name. The state directory /run/vmnet-linux/<netns inode>/
 * holds the lock and one directory per network (its parameters, dnsmasq's
 * pid, lease and log files).
 *
 * Two more kinds: a macOS 26 network made from a configuration ('S' or
 * 'H' instead of 's' or 'h', never joined by a classic start) carries
 * exactly the services its configuration asks for and a random identity
 * (file "netid") that its serialization names; a host network by
 * identifier ('i' + the first 44 bits of the UUID) has the host's
 * addresses and nothing else.
 *
 * TAP devices vanish with the process that holds them, so a network whose
 * bridge has no port is unused: every attach and release, under the lock,
 * tears such networks down. That is how the last stop removes a network
 * and how whatever a killed process left behind is reclaimed.
 */
#include "vmnet_net.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmnet/vmnet.h>

#include "dhcp.h"
#include "nat.h"
#include "netlink.h"

#define NET_STATE_ROOT "/run/vmnet-linux"
#define NET_ALIAS      "vmnet-linux"
#define NET_PREFIX     "vmn"
#define NET_PARAM_FILE "network"
/* Default subnets, as vmnet picks them: 192.168.64.0/24 and 192.168.128.0/24. */
#define NET_SHARED_BASE 0xc0a84000u
#define NET_HOST_BASE   0xc0a88000u
#define NET_LAST_BASE   0xc0a8ff00u

/* A locked view of the namespace's networks. */
struct net_ctx {
	char dir[PATH_MAX - 32]; /* /run/vmnet-linux/<netns inode> */
	int lock_fd;
	struct netlink_link *links;
	size_t nlinks;
};

static uint32_t
net_mask(unsigned int prefixlen)
{
	return prefixlen ? ~0u << (32 - prefixlen) : 0;
}

void
vmnet_net_derive_mac(const void *data, size_t len, uint8_t mac[6])
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

static bool
net_is_ours(const struct netlink_link *l)
{
	return strcmp(l->kind, "bridge") == 0 && strncmp(l->name, NET_PREFIX, 3) == 0 &&
	       strcmp(l->alias, NET_ALIAS) == 0;
}

static int
net_refresh(struct net_ctx *ctx)
{
	free(ctx->links);
	ctx->links = NULL;
	ctx->nlinks = 0;
	return netlink_links(&ctx->links, &ctx->nlinks);
}

static const struct netlink_link *
net_find(const struct net_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nlinks; i++)
		if (strcmp(ctx->links[i].name, name) == 0)
			return &ctx->links[i];
	return NULL;
}

static size_t
net_ports(const struct net_ctx *ctx, int index)
{
	size_t i, n = 0;

	for (i = 0; i < ctx->nlinks; i++)
		n += ctx->links[i].master == index;
	return n;
}

static int
net_mkdir(const char *path)
{
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/*
 * Take the namespace's lock and list its links. The last release removes
 * the lock file, so after waiting for the lock check that the file we
 * hold is still the one in the directory, else start over.
 */
static int
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
static void
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

static void
net_unlock(struct net_ctx *ctx)
{
	int err = errno;

	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	free(ctx->links);
	errno = err;
}

static void
net_path(const struct net_ctx *ctx, const char *bridge, const char *file, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", ctx->dir, bridge, file ? "/" : "", file ? file : "");
}

static void
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

/* Remove a network: dnsmasq, NAT table, bridge (if @index), state. */
static int
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
static int
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

static void
net_bridge_name(uint32_t mode, uint32_t subnet, uint8_t prefixlen, char name[IF_NAMESIZE])
{
	snprintf(name, IF_NAMESIZE, NET_PREFIX "%c%08x-%u", mode == VMNET_SHARED_MODE ? 's' : 'h',
	         subnet, prefixlen);
}

/* Does subnet/prefixlen overlap an address on any link but @skip? */
static bool
net_subnet_used(const struct netlink_addr4 *addrs, size_t n, uint32_t subnet, uint8_t prefixlen,
                int skip)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t m =
		    net_mask(addrs[i].prefixlen < prefixlen ? addrs[i].prefixlen : prefixlen);

		if (addrs[i].index != skip && (ntohl(addrs[i].addr.s_addr) & m) == (subnet & m))
			return true;
	}
	return false;
}

static int
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

static int
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

/* Tear down a network half made. Return: -1, errno kept. */
static int
net_abandon(const struct net_ctx *ctx, const char *bridge, int index)
{
	int err = errno;

	net_teardown(ctx, bridge, index);
	errno = err;
	return -1;
}

/* A random ULA /64: fd + 40-bit global id + 16-bit subnet. */
static int
net_random_ula(struct in6_addr *prefix)
{
	memset(prefix, 0, sizeof(*prefix));
	prefix->s6_addr[0] = 0xfd;
	return getrandom(&prefix->s6_addr[1], 7, 0) == 7 ? 0 : -1;
}

/*
 * Make the state directory and the bridge of network @bridge, down.
 * Return: the bridge's ifindex, or -1 with errno (nothing left behind).
 */
static int
net_new_bridge(struct net_ctx *ctx, const char *bridge)
{
	const struct netlink_link *l;
	char dir[PATH_MAX];
	uint8_t mac[6];

	net_path(ctx, bridge, NULL, dir, sizeof(dir));
	if (net_mkdir(dir) < 0)
		return -1;
	vmnet_net_derive_mac(bridge, strlen(bridge), mac);
	if (netlink_bridge_create(bridge, mac, NET_ALIAS) == 0 && net_refresh(ctx) == 0) {
		l = net_find(ctx, bridge);
		if (l)
			return l->index;
		errno = ENODEV;
	}
	return net_abandon(ctx, bridge, 0);
}

/* Create the bridge, addresses, NAT and dnsmasq of @net. Return: ifindex or -1. */
static int
net_create(struct net_ctx *ctx, uint32_t mode, uint8_t prefixlen, struct vmnet_net *net)
{
	uint32_t subnet = ntohl(net->start.s_addr) & net_mask(prefixlen);
	struct in_addr first = {htonl(ntohl(net->start.s_addr) + 1)};
	struct in6_addr gw6;
	char dir[PATH_MAX], path[PATH_MAX];
	int index = 0;

	net_path(ctx, net->bridge, NULL, dir, sizeof(dir));
	net_path(ctx, net->bridge, NET_PARAM_FILE, path, sizeof(path));
	index = net_new_bridge(ctx, net->bridge);
	if (index < 0)
		return -1;
	if (netlink_link_set_mtu(index, net->mtu) < 0 ||
	    netlink_addr_add(index, AF_INET, &net->start, prefixlen) < 0)
		goto fail;
	if (mode == VMNET_SHARED_MODE) {
		if (!net->has_nat66) {
			if (net_random_ula(&net->nat66) < 0)
				goto fail;
			net->has_nat66 = true;
		}
		gw6 = net->nat66;
		gw6.s6_addr[15] = 1;
		if (netlink_addr_add(index, AF_INET6, &gw6, 64) < 0)
			goto fail;
	}
	if (netlink_link_up(index) < 0)
		goto fail;
	if (mode == VMNET_SHARED_MODE && nat_add(net->bridge, net->bridge,
	                                         &(struct nat_conf){.subnet = {htonl(subnet)},
	                                                            .prefixlen = prefixlen,
	                                                            .masquerade4 = true,
	                                                            .external = ""}) < 0)
		goto fail;
	if (dhcp_start(dir, net->bridge,
	               &(struct dhcp_conf){.dhcp = true,
	                                   .first = first,
	                                   .last = net->end,
	                                   .mask = net->mask,
	                                   .dns = mode == VMNET_SHARED_MODE}) < 0)
		goto fail;
	if (net_save(path, net) < 0)
		goto fail;
	return index;
fail:
	return net_abandon(ctx, net->bridge, index);
}

/*
 * Join the network called net->bridge if it exists, else create it.
 * @conflict: fail with EADDRINUSE unless the existing network has exactly
 * @want's parameters (an explicit range was requested).
 * Return: bridge ifindex, 0 when the subnet is taken by something else, or -1.
 */
static int
net_join_or_create(struct net_ctx *ctx, const struct vmnet_desc_net *want, uint8_t prefixlen,
                   const struct netlink_addr4 *addrs, size_t naddrs, struct vmnet_net *net)
{
	uint32_t subnet = ntohl(net->start.s_addr) & net_mask(prefixlen);
	const struct netlink_link *l = net_find(ctx, net->bridge);
	struct vmnet_net have;
	char path[PATH_MAX];

	if (l && !net_is_ours(l))
		return 0;
	if (!l)
		return net_subnet_used(addrs, naddrs, subnet, prefixlen, 0)
		           ? 0
		           : net_create(ctx, want->mode, prefixlen, net);
	net_path(ctx, net->bridge, NET_PARAM_FILE, path, sizeof(path));
	if (net_load(path, &have) < 0)
		return -1;
	if ((want->has_range &&
	     (have.start.s_addr != net->start.s_addr || have.end.s_addr != net->end.s_addr)) ||
	    (want->has_nat66 &&
	     (!have.has_nat66 || memcmp(&have.nat66, &want->nat66, sizeof(have.nat66)) != 0)) ||
	    (want->has_range && want->mtu && have.mtu != want->mtu)) {
		errno = EADDRINUSE;
		return -1;
	}
	/* A default network with another MTU: try the next subnet. */
	if (want->mtu && have.mtu != want->mtu)
		return 0;
	memcpy(have.bridge, net->bridge, sizeof(have.bridge));
	*net = have;
	return l->index;
}

/* Find or create the host or shared network. Return: bridge ifindex or -1. */
static int
net_choose(struct net_ctx *ctx, const struct vmnet_desc_net *want, struct vmnet_net *net)
{
	struct netlink_addr4 *addrs;
	size_t naddrs;
	uint32_t base;
	int index = 0;

	if (netlink_addrs4(&addrs, &naddrs) < 0)
		return -1;
	net->has_nat66 = want->has_nat66;
	net->nat66 = want->nat66;
	net->mtu = want->mtu ? want->mtu : VMNET_NETCONF_MTU_DEFAULT;
	if (want->has_range) {
		net->start = want->start;
		net->end = want->end;
		net->mask = want->mask;
		net_bridge_name(want->mode, ntohl(want->start.s_addr) & net_mask(want->prefixlen),
		                want->prefixlen, net->bridge);
		index = net_join_or_create(ctx, want, want->prefixlen, addrs, naddrs, net);
		if (index == 0)
			errno = EADDRINUSE;
	} else {
		base = want->mode == VMNET_SHARED_MODE ? NET_SHARED_BASE : NET_HOST_BASE;
		for (; base <= NET_LAST_BASE && index == 0; base += 256) {
			net->start.s_addr = htonl(base + 1);
			net->end.s_addr = htonl(base + 254);
			net->mask.s_addr = htonl(net_mask(24));
			net_bridge_name(want->mode, base, 24, net->bridge);
			index = net_join_or_create(ctx, want, 24, addrs, naddrs, net);
		}
		if (index == 0)
			errno = EADDRNOTAVAIL;
	}
	free(addrs);
	return index > 0 ? index : -1;
}

/* The existing, foreign bridge for bridged mode. Return: ifindex or -1. */
static int
net_bridged(const struct net_ctx *ctx, const struct vmnet_desc_net *want, struct vmnet_net *net)
{
	const struct netlink_link *l = net_find(ctx, want->bridge);

	if (!l) {
		errno = ENODEV;
		return -1;
	}
	if (strcmp(l->kind, "bridge") != 0 || net_is_ours(l)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(net->bridge, want->bridge, sizeof(net->bridge));
	return l->index;
}

static int
net_add_port(int tap_index, int bridge_index, bool isolated)
{
	if (netlink_link_set_alias(tap_index, NET_ALIAS) < 0 ||
	    netlink_link_set_master(tap_index, bridge_index) < 0)
		return -1;
	if (isolated && netlink_port_set_isolated(tap_index, true) < 0)
		return -1;
	return netlink_link_up(tap_index);
}

/* Identity of a network: "<id in hex> <IPv6 prefix length>". */
#define NET_ID_FILE "netid"

static int
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
static int
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

/* Is @a a usable node address of subnet/mask, other than the host's? */
static bool
net_node_addr(struct in_addr a, uint32_t subnet, uint32_t mask)
{
	uint32_t h = ntohl(a.s_addr);

	return (h & mask) == subnet && h != subnet && h != subnet + 1 && h != (subnet | ~mask);
}

/* Do the reservations and IPv4 forwards of @conf fit subnet/mask? */
static bool
net_conf_fits(const struct vmnet_netconf *conf, uint32_t subnet, uint32_t mask)
{
	unsigned i;

	for (i = 0; i < conf->nreservations; i++)
		if (!net_node_addr(conf->reservations[i].addr, subnet, mask))
			return false;
	for (i = 0; i < conf->nrules; i++)
		if (conf->rules[i].family == AF_INET &&
		    !net_node_addr(conf->rules[i].internal.v4, subnet, mask))
			return false;
	return true;
}

/* Tables and dnsmasq of a configured network. */
static int
net_conf_services(const char *dir, const struct vmnet_netconf *conf, const struct vmnet_net *net,
                  uint32_t subnet, uint8_t prefixlen)
{
	uint8_t macs[VMNET_NETCONF_MAX_RESERVATIONS][6];
	struct in_addr addrs[VMNET_NETCONF_MAX_RESERVATIONS];
	bool shared = conf->mode == VMNET_SHARED_MODE;
	unsigned i;

	if (nat_add(net->bridge, net->bridge,
	            &(struct nat_conf){.subnet = {htonl(subnet)},
	                               .prefixlen = prefixlen,
	                               .masquerade4 = shared && conf->nat44,
	                               .has_prefix6 = true,
	                               .prefix6 = net->nat66,
	                               .prefix6_len = net->nat66_len,
	                               .masquerade6 = shared && conf->nat66,
	                               .routed = shared,
	                               .external = conf->external,
	                               .nrules = conf->nrules,
	                               .rules = conf->rules}) < 0)
		return -1;
	for (i = 0; i < conf->nreservations; i++) {
		memcpy(macs[i], conf->reservations[i].mac, 6);
		addrs[i] = conf->reservations[i].addr;
	}
	return dhcp_start(dir, net->bridge,
	                  &(struct dhcp_conf){.dhcp = conf->dhcp,
	                                      .first = {htonl(subnet + 2)},
	                                      .last = net->end,
	                                      .mask = net->mask,
	                                      .dns = conf->dns_proxy,
	                                      .ra = conf->router_advertisement,
	                                      .nfixed = conf->nreservations,
	                                      .fixed_mac = (const uint8_t(*)[6])macs,
	                                      .fixed_addr = addrs});
}

/* Create the bridge of a configured network. Return: its ifindex, or -1. */
static int
net_conf_create(struct net_ctx *ctx, const struct vmnet_netconf *conf, uint32_t subnet,
                uint8_t prefixlen, struct vmnet_net *net)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct in6_addr gw6;
	int index = 0;

	net->start.s_addr = htonl(subnet + 1);
	net->end.s_addr = htonl((subnet | ~net_mask(prefixlen)) - 1);
	net->mask.s_addr = htonl(net_mask(prefixlen));
	net->mtu = conf->mtu;
	net->has_nat66 = true;
	if (conf->has_prefix6) {
		net->nat66 = conf->prefix6;
		net->nat66_len = conf->prefix6_len;
	} else {
		if (net_random_ula(&net->nat66) < 0)
			return -1;
		net->nat66_len = 64;
	}
	net_path(ctx, net->bridge, NULL, dir, sizeof(dir));
	net_path(ctx, net->bridge, NET_PARAM_FILE, path, sizeof(path));
	index = net_new_bridge(ctx, net->bridge);
	if (index < 0)
		return -1;
	gw6 = net->nat66;
	gw6.s6_addr[15] |= 1;
	if (netlink_link_set_mtu(index, net->mtu) < 0 ||
	    netlink_addr_add(index, AF_INET, &net->start, prefixlen) < 0 ||
	    netlink_addr_add(index, AF_INET6, &gw6, net->nat66_len) < 0 ||
	    netlink_link_up(index) < 0 ||
	    net_conf_services(dir, conf, net, subnet, prefixlen) < 0 || net_save(path, net) < 0 ||
	    net_save_id(ctx, net) < 0)
		goto fail;
	return index;
fail:
	return net_abandon(ctx, net->bridge, index);
}

/* Choose the subnet of a configured network and create it. Return: ifindex or -1. */
static int
net_conf_choose(struct net_ctx *ctx, const struct vmnet_netconf *conf, struct vmnet_net *net)
{
	char kind = conf->mode == VMNET_SHARED_MODE ? 'S' : 'H';
	uint32_t base, last, mask;
	struct netlink_addr4 *addrs;
	uint8_t prefixlen;
	size_t naddrs;
	int index = -1, err = EADDRNOTAVAIL;

	if (netlink_addrs4(&addrs, &naddrs) < 0)
		return -1;
	if (conf->has_subnet) {
		base = last = ntohl(conf->subnet.s_addr);
		prefixlen = (uint8_t)__builtin_popcount(ntohl(conf->mask.s_addr));
		err = EADDRINUSE;
	} else {
		base = conf->mode == VMNET_SHARED_MODE ? NET_SHARED_BASE : NET_HOST_BASE;
		last = NET_LAST_BASE;
		prefixlen = 24;
	}
	mask = net_mask(prefixlen);
	for (; base <= last && index < 0; base += 256) {
		snprintf(net->bridge, sizeof(net->bridge), NET_PREFIX "%c%08x-%u", kind, base,
		         prefixlen);
		if (net_find(ctx, net->bridge) ||
		    net_subnet_used(addrs, naddrs, base, prefixlen, 0))
			continue;
		if (!net_conf_fits(conf, base, mask)) {
			err = EINVAL;
			break;
		}
		index = net_conf_create(ctx, conf, base, prefixlen, net);
		err = errno;
		if (index < 0)
			break;
	}
	free(addrs);
	if (index < 0)
		errno = err;
	return index;
}

/* After a failed change: reclaim what it left, keep errno. */
static void
net_undo(struct net_ctx *ctx)
{
	int err = errno;

	if (ctx->lock_fd >= 0 && net_refresh(ctx) == 0)
		net_sweep(ctx, 0);
	if (ctx->lock_fd >= 0)
		net_remove_if_empty(ctx);
	errno = err;
}

int
vmnet_net_create(const struct vmnet_netconf *conf, int holder_index, struct vmnet_net *net)
{
	struct net_ctx ctx;
	int index, rc = -1;

	memset(net, 0, sizeof(*net));
	if (conf->external[0] && if_nametoindex(conf->external) == 0) {
		errno = ENODEV;
		return -1;
	}
	if (getrandom(net->id, sizeof(net->id), 0) != sizeof(net->id))
		return -1;
	if (net_lock(&ctx) < 0)
		goto out;
	net_sweep(&ctx, 0);
	if (net_refresh(&ctx) < 0)
		goto out;
	index = net_conf_choose(&ctx, conf, net);
	if (index < 0)
		goto out;
	/* Tagged as ours like an interface's TAP, but left down: it carries nothing. */
	if (netlink_link_set_mtu(holder_index, net->mtu) == 0 &&
	    netlink_link_set_alias(holder_index, NET_ALIAS) == 0)
		rc = netlink_link_set_master(holder_index, index);
out:
	if (rc < 0)
		net_undo(&ctx);
	net_unlock(&ctx);
	return rc;
}

/* Under the lock: the configured network @bridge with identity @id. */
static int
net_lookup_locked(const struct net_ctx *ctx, const char *bridge, const uint8_t id[16],
                  struct vmnet_net *net, int *index)
{
	const struct netlink_link *l = net_find(ctx, bridge);

	if (!l || !net_is_ours(l) || net_load_all(ctx, bridge, net) < 0 ||
	    memcmp(net->id, id, sizeof(net->id)) != 0) {
		errno = ENOENT;
		return -1;
	}
	*index = l->index;
	return 0;
}

int
vmnet_net_lookup(const char *bridge, const uint8_t id[16], struct vmnet_net *net)
{
	struct net_ctx ctx;
	int index, rc = -1;

	if (net_lock(&ctx) == 0)
		rc = net_lookup_locked(&ctx, bridge, id, net, &index);
	net_unlock(&ctx);
	return rc;
}

int
vmnet_net_join(const char *bridge, const uint8_t id[16], int tap_index, bool isolated,
               struct vmnet_net *net)
{
	struct net_ctx ctx;
	int index, rc = -1;

	if (net_lock(&ctx) == 0 && net_lookup_locked(&ctx, bridge, id, net, &index) == 0 &&
	    netlink_link_set_mtu(tap_index, net->mtu) == 0)
		rc = net_add_port(tap_index, index, isolated);
	net_unlock(&ctx);
	return rc;
}

/*
 * An isolated host network by identifier: bridge "vmni" + the first 44
 * bits of the id, the host's addresses if asked for, no DHCP, no NAT.
 * Joining needs the same id and host addresses. Return: ifindex or -1.
 */
static int
net_by_id(struct net_ctx *ctx, const struct vmnet_desc_net *want, struct vmnet_net *net)
{
	const uint8_t *id = want->network_id;
	char dir[PATH_MAX], path[PATH_MAX];
	const struct netlink_link *l;
	struct netlink_addr4 *addrs;
	struct vmnet_net have;
	size_t naddrs;
	int index = 0;
	bool used;

	snprintf(net->bridge, sizeof(net->bridge), NET_PREFIX "i%02x%02x%02x%02x%02x%x", id[0],
	         id[1], id[2], id[3], id[4], id[5] >> 4);
	memcpy(net->id, id, sizeof(net->id));
	net->mtu = want->mtu ? want->mtu : VMNET_NETCONF_MTU_DEFAULT;
	if (want->has_host_addr) {
		net->start = want->host_addr;
		net->mask = want->host_mask;
	}
	net->has_nat66 = want->has_host_addr6;
	net->nat66 = want->host_addr6;
	net->nat66_len = want->has_host_addr6 ? 64 : 0;
	l = net_find(ctx, net->bridge);
	if (l) {
		if (!net_is_ours(l) || net_load_all(ctx, net->bridge, &have) < 0 ||
		    memcmp(have.id, net->id, 16) != 0 || have.start.s_addr != net->start.s_addr ||
		    have.mask.s_addr != net->mask.s_addr || have.has_nat66 != net->has_nat66 ||
		    (want->mtu && have.mtu != want->mtu) ||
		    memcmp(&have.nat66, &net->nat66, sizeof(have.nat66)) != 0) {
			errno = EADDRINUSE;
			return -1;
		}
		*net = have;
		return l->index;
	}
	if (want->has_host_addr) {
		if (netlink_addrs4(&addrs, &naddrs) < 0)
			return -1;
		used = net_subnet_used(
		    addrs, naddrs, ntohl(want->host_addr.s_addr) & net_mask(want->host_prefixlen),
		    want->host_prefixlen, 0);
		free(addrs);
		if (used) {
			errno = EADDRINUSE;
			return -1;
		}
	}
	net_path(ctx, net->bridge, NULL, dir, sizeof(dir));
	net_path(ctx, net->bridge, NET_PARAM_FILE, path, sizeof(path));
	index = net_new_bridge(ctx, net->bridge);
	if (index < 0)
		return -1;
	if (netlink_link_set_mtu(index, net->mtu) < 0 ||
	    (want->has_host_addr &&
	     netlink_addr_add(index, AF_INET, &want->host_addr, want->host_prefixlen) < 0) ||
	    (want->has_host_addr6 &&
	     netlink_addr_add(index, AF_INET6, &want->host_addr6, 64) < 0) ||
	    netlink_link_up(index) < 0 || net_save(path, net) < 0 || net_save_id(ctx, net) < 0)
		goto fail;
	return index;
fail:
	return net_abandon(ctx, net->bridge, index);
}

int
vmnet_net_attach(const struct vmnet_desc_net *want, int tap_index, struct vmnet_net *net)
{
	struct net_ctx ctx;
	int index, rc = -1;

	memset(net, 0, sizeof(*net));
	if (net_lock(&ctx) < 0)
		goto out;
	/* Reclaiming is best effort: a failure here must not block a start. */
	net_sweep(&ctx, 0);
	if (net_refresh(&ctx) < 0)
		goto out;
	if (want->mode == VMNET_BRIDGED_MODE)
		index = net_bridged(&ctx, want, net);
	else if (want->has_network_id)
		index = net_by_id(&ctx, want, net);
	else
		index = net_choose(&ctx, want, net);
	if (index < 0)
		goto out;
	if (!net->mtu)
		net->mtu = VMNET_NETCONF_MTU_DEFAULT; /* bridged: not reported */
	else if (netlink_link_set_mtu(tap_index, net->mtu) < 0)
		goto out;
	rc = net_add_port(tap_index, index, want->isolated);
out:
	if (rc < 0)
		net_undo(&ctx);
	net_unlock(&ctx);
	return rc;
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

int
vmnet_net_foreign_bridges(char (**names)[IF_NAMESIZE], size_t *count)
{
	struct netlink_link *links;
	size_t n, i;

	if (netlink_links(&links, &n) < 0)
		return -1;
	*names = calloc(n ? n : 1, sizeof(**names));
	if (!*names) {
		free(links);
		errno = ENOMEM;
		return -1;
	}
	*count = 0;
	for (i = 0; i < n; i++)
		if (strcmp(links[i].kind, "bridge") == 0 && !net_is_ours(&links[i]))
			memcpy((*names)[(*count)++], links[i].name, IF_NAMESIZE);
	free(links);
	return 0;
}
