/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nat.h - the nftables tables of a network: IPv4 and IPv6 masquerade for
 * shared mode, and port forwards (DNAT) into the network.
 *
 * One table per family and network, "table ip <bridge>" and "table ip6
 * <bridge>", holding masquerade rules for the network's prefix leaving
 * through any other (or the chosen external) interface, DNAT rules for its
 * port forwards, and forward accept rules for the bridge. Written through
 * libnftables, never by running nft. The same functions keep the rules an
 * interface adds at run time (vmnet_interface_add_ip_port_forwarding_rule)
 * in tables of their own, named after the interface.
 */
#ifndef NAT_H
#define NAT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmnet_netconf.h"

struct nat_conf {
	struct in_addr subnet; /* network address */
	uint8_t prefixlen;
	bool masquerade4;
	bool has_prefix6;
	struct in6_addr prefix6;
	uint8_t prefix6_len;
	bool masquerade6;
	bool routed;          /* forward the network's traffic also without masquerade (NAT off) */
	const char *external; /* uplink for masquerade and forwards, "" = any other */
	size_t nrules;
	const struct vmnet_netconf_rule *rules;
};

/*
 * nat_add() - create the tables of a network and enable forwarding in the
 * current network namespace
 * @table:	table name: the bridge, or a name of the interface's own
 * @bridge:	the network's bridge
 * @conf:	what to put in them; tables without rules are not created
 *
 * Return: 0, or -1 with errno (EIO when nftables refused the rules).
 */
int nat_add(const char *table, const char *bridge, const struct nat_conf *conf);

/*
 * nat_remove() - delete the tables called @table (both families); missing
 * tables are not an error
 *
 * Return: 0, or -1 with errno.
 */
int nat_remove(const char *table);

#endif /* NAT_H */
