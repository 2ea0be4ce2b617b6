// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_net.c - creating and joining the networks of classic starts.
 *
 * Theory of operation: a host or shared network is a bridge named after
 * its mode and subnet ("vmn" + 'h' or 's' + subnet in hex + "-" + prefix
 * length, e.g. vmns0a0a0000-24) and tagged with the alias "vmnet-linux",
 * so any process finds it by computing the name and nobody else's bridge is
 * ever mistaken for ours. The gateway address sits on the bridge; dnsmasq
 * serves DHCP on it; a shared network adds a ULA /64 and an nftables table
 * of the same name. A host network by identifier ('i' + the first 44 bits
 * of the UUID) has the host's addresses and nothing else; bridged mode
 * uses a bridge that is not ours.
 *
 * A start takes the namespace's lock (vmnet_net_state.c), reclaims what is
 * unused (vmnet_net_sweep.c), then joins the network it asks for or
 * creates it, and makes its TAP a port. A network half made is torn down
 * again, so a failed start leaves nothing. The pieces a network is built
 * from are shared with the macOS 26 networks of vmnet_net_conf.c.
 *
 * Order of a creation: dnsmasq is the slowest part (its first process
 * exits only once the daemon serves), so it is started as soon as the
 * bridge is up with its addresses and waited for last. Meanwhile the NAT
 * child runs, the parameters are saved and the caller's own work runs
 * (vmnet.c forks the interface's keeper), all under the lock: no other
 * process sees the network before dnsmasq serves. Only then does the TAP
 * join. A failure on the way waits for dnsmasq too before the teardown,
 * which stops the daemon by the pid file it has written by then.
 */
#include "vmnet_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <vmnet/vmnet.h>

#include "dhcp.h"
#include "nat.h"
#include "netlink.h"
#include "vmnet_net_internal.h"

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

static void
net_bridge_name(uint32_t mode, uint32_t subnet, uint8_t prefixlen, char name[IF_NAMESIZE])
{
	snprintf(name, IF_NAMESIZE, NET_PREFIX "%c%08x-%u", mode == VMNET_SHARED_MODE ? 's' : 'h',
	         subnet, prefixlen);
}

/* Does subnet/prefixlen overlap an address on any link but @skip? */
bool
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

/*
 * Wait for the dnsmasq this change started, if one is still starting:
 * once it serves, it has written the pid file a teardown stops it by.
 * Return: 0 when it serves (or none was starting), or -1 with errno.
 */
int
net_dhcp_ready(struct net_ctx *ctx)
{
	pid_t pid = ctx->dhcp;

	ctx->dhcp = 0;
	return pid ? dhcp_wait(pid) : 0;
}

/* Tear down a network half made. Return: -1, errno kept. */
int
net_abandon(struct net_ctx *ctx, const char *bridge, int index)
{
	int err = errno;

	net_dhcp_ready(ctx);
	net_teardown(ctx, bridge, index);
	errno = err;
	return -1;
}

/* A random ULA /64: fd + 40-bit global id + 16-bit subnet. */
int
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
int
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

/*
 * Create the bridge, addresses, dnsmasq and NAT of @net; dnsmasq may still
 * be starting (ctx->dhcp). Return: ifindex or -1.
 */
static int
net_create(struct net_ctx *ctx, uint32_t mode, uint8_t prefixlen, struct vmnet_net *net)
{
	uint32_t subnet = ntohl(net->start.s_addr) & net_mask(prefixlen);
	struct in_addr first = {htonl(ntohl(net->start.s_addr) + 1)};
	struct in6_addr gw6;
	char dir[PATH_MAX], path[PATH_MAX];
	int index = 0;
	pid_t dnsmasq;

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
	dnsmasq = dhcp_spawn(dir, net->bridge,
	                     &(struct dhcp_conf){.dhcp = true,
	                                         .first = first,
	                                         .last = net->end,
	                                         .mask = net->mask,
	                                         .dns = mode == VMNET_SHARED_MODE});
	if (dnsmasq < 0)
		goto fail;
	ctx->dhcp = dnsmasq;
	if (mode == VMNET_SHARED_MODE && nat_add(net->bridge, net->bridge,
	                                         &(struct nat_conf){.subnet = {htonl(subnet)},
	                                                            .prefixlen = prefixlen,
	                                                            .masquerade4 = true,
	                                                            .external = ""}) < 0)
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

int
net_add_port(int tap_index, int bridge_index, bool isolated)
{
	if (netlink_link_set_alias(tap_index, NET_ALIAS) < 0 ||
	    netlink_link_set_master(tap_index, bridge_index) < 0)
		return -1;
	if (isolated && netlink_port_set_isolated(tap_index, true) < 0)
		return -1;
	return netlink_link_up(tap_index);
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
vmnet_net_attach(const struct vmnet_desc_net *want, int tap_index, struct vmnet_net *net,
                 vmnet_net_meanwhile_fn meanwhile, void *arg)
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
	/* The caller's work beside a new dnsmasq's start, then the wait for it. */
	if (meanwhile(arg, ctx.dhcp) < 0 || net_dhcp_ready(&ctx) < 0)
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
