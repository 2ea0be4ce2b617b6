// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_net_conf.c - the networks of macOS 26 configurations.
 *
 * Theory of operation: a network made from a configuration ('S' or 'H'
 * instead of 's' or 'h' in its bridge's name, so a classic start never
 * joins it) carries exactly the services its configuration asks for (NAT
 * and port forwards, DHCP with reservations, DNS proxy, router
 * advertisement) and a random identity (file "netid") that its
 * serialization names. Its first port is the holder TAP of the creating
 * ref; lookup and join find it by bridge name and check the identity, so a
 * serialization of a network that is gone, or replaced, finds nothing.
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
#include "vmnet_net_internal.h"

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
