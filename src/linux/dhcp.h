/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp.h - DHCP (and, in shared mode, DNS) for a host or shared network,
 * served by dnsmasq.
 *
 * dnsmasq binds only to the network's bridge and keeps its pid file, lease
 * file and log in the network's state directory. It runs as a daemon, not
 * as our child, so it outlives a killed process until the network is
 * reclaimed.
 */
#ifndef DHCP_H
#define DHCP_H

#include <netinet/in.h>
#include <stdbool.h>

/*
 * dhcp_start() - start dnsmasq for a network
 * @dir:	the network's state directory
 * @bridge:	bridge to serve
 * @first:	first address to lease
 * @last:	last address to lease
 * @mask:	subnet mask
 * @dns:	also forward DNS on the bridge's addresses
 *
 * Return: 0 once dnsmasq has written its pid file and serves, or -1 with
 * errno (EIO when dnsmasq reported a start-up error).
 */
int dhcp_start(const char *dir, const char *bridge, struct in_addr first, struct in_addr last,
               struct in_addr mask, bool dns);

/*
 * dhcp_stop() - stop the dnsmasq started by dhcp_start() for @bridge in
 * @dir, if it still runs, and wait until it is gone
 *
 * The pid file is trusted only if that process is dnsmasq serving @bridge
 * in the current network namespace.
 *
 * Return: 0 (also when nothing was running), or -1 with errno.
 */
int dhcp_stop(const char *dir, const char *bridge);

#endif /* DHCP_H */
