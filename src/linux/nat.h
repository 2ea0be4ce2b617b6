/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nat.h - IPv4 NAT for a shared-mode network, with nftables.
 *
 * One table per network, "table ip <bridge>", holding a masquerade rule for
 * the subnet leaving through any other interface and forward accept rules
 * for the bridge. Written through libnftables, never by running nft.
 */
#ifndef NAT_H
#define NAT_H

#include <netinet/in.h>
#include <stdint.h>

/*
 * nat_add() - create the NAT table of a network and enable IPv4 forwarding
 * in the current network namespace
 * @bridge:	bridge name, also the table name
 * @subnet:	network address of the subnet
 * @prefixlen:	its prefix length
 *
 * Return: 0, or -1 with errno (EIO when nftables refused the rules).
 */
int nat_add(const char *bridge, struct in_addr subnet, uint8_t prefixlen);

/*
 * nat_remove() - delete the NAT table of a network; a missing table is not
 * an error
 *
 * Return: 0, or -1 with errno.
 */
int nat_remove(const char *bridge);

#endif /* NAT_H */
