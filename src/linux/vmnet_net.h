/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_net.h - the networks behind emulated vmnet interfaces: one Linux
 * bridge per host or shared network (with its gateway address, dnsmasq
 * and, in shared mode, NAT), or an existing bridge in bridged mode.
 *
 * Networks are shared by every process of a network namespace and live as
 * long as some TAP is a port of their bridge. All changes happen under an
 * flock on /run/vmnet-linux/<netns inode>/lock.
 */
#ifndef VMNET_NET_H
#define VMNET_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmnet_desc.h"
#include "vmnet_netconf.h"

/* The network an interface was attached to. */
struct vmnet_net {
	char bridge[IF_NAMESIZE];
	struct in_addr start; /* host and shared mode only */
	struct in_addr end;
	struct in_addr mask;
	bool has_nat66; /* shared mode, or any network made from a configuration */
	struct in6_addr nat66;
	uint8_t nat66_len; /* its prefix length */
	uint32_t mtu;
	uint8_t id[16]; /* networks made from a configuration: their identity */
};

/*
 * The caller's work of a start that need not wait for a new network's
 * dnsmasq (see vmnet_net_attach()).
 * @arg:	the caller's
 * @dhcp:	the first process of that dnsmasq while it starts (it exits
 *		once the daemon serves), or 0 when there is none
 *
 * Return: 0, or -1 with errno, which fails the attach.
 */
typedef int (*vmnet_net_meanwhile_fn)(void *arg, pid_t dhcp);

/*
 * vmnet_net_attach() - make TAP @tap_index a port of the network @want
 * describes, creating that network if needed
 * @want:	mode, addresses, bridge name and isolation
 * @tap_index:	the TAP device
 * @net:	filled with the network's actual parameters
 * @meanwhile:	called once with @arg when the network is chosen (@net is
 *		filled in) and before the TAP joins, under the namespace's
 *		lock and while a new network's dnsmasq starts
 *
 * Networks left without ports (by a killed process) are reclaimed first,
 * with the TAPs of killed processes (see vmnet_net_release()). The TAP
 * is tagged as ours (IFLA_IFALIAS "vmnet-linux") before it joins, once
 * the network's dnsmasq serves.
 *
 * Return: 0, or -1 with errno: ENODEV or EINVAL when the bridge for
 * bridged mode is missing, not a bridge or one of ours; EADDRINUSE when
 * the requested subnet overlaps another network or the existing network
 * has other parameters; @meanwhile's; anything else for a system failure.
 * A network this call created is removed again on failure.
 */
int vmnet_net_attach(const struct vmnet_desc_net *want, int tap_index, struct vmnet_net *net,
                     vmnet_net_meanwhile_fn meanwhile, void *arg);

/*
 * vmnet_net_create() - create a network from a macOS 26 configuration,
 * with TAP @holder_index as its first port (it keeps the network while
 * the caller holds it open)
 * @conf:	the configuration; subnet and prefix chosen when not set
 * @holder_index: the TAP
 * @net:	filled with the network's actual parameters and a new id
 *
 * Return: 0, or -1 with errno: EINVAL for a configuration that does not
 * hold together (a reservation outside the subnet), ENODEV for a missing
 * external interface, EADDRINUSE when the subnet is taken, EADDRNOTAVAIL
 * when no default subnet is free, anything else for a system failure.
 */
int vmnet_net_create(const struct vmnet_netconf *conf, int holder_index, struct vmnet_net *net);

/*
 * vmnet_net_lookup() - the parameters of the network called @bridge,
 * made by vmnet_net_create() with identity @id
 *
 * Return: 0, or -1 with errno ENOENT when there is no such network (any
 * more).
 */
int vmnet_net_lookup(const char *bridge, const uint8_t id[16], struct vmnet_net *net);

/*
 * vmnet_net_join() - make TAP @tap_index a port of the network @bridge
 * with identity @id, at the network's MTU
 *
 * Return: 0, or -1 with errno (ENOENT: the network is gone).
 */
int vmnet_net_join(const char *bridge, const uint8_t id[16], int tap_index, bool isolated,
                   struct vmnet_net *net);

/*
 * vmnet_net_release() - remove TAP @tap_index, the TAPs of killed
 * processes, and every network of ours that has no port left: its
 * dnsmasq, NAT table, bridge and state directory
 * @tap_index:	a TAP whose process stopped or died, or 0. It is deleted
 *		by index if it is one of ours (tagged at attach), also when
 *		its process made it persistent or changed its owner.
 *
 * A TAP of ours that no descriptor holds (persistent, its process gone)
 * is deleted too.
 *
 * Return: 0, or -1 with errno of the first failure.
 */
int vmnet_net_release(int tap_index);

/*
 * vmnet_net_foreign_bridges() - names of the bridges usable in bridged
 * mode: all bridges of the namespace that are not ours
 * @names:	set to a malloc'ed array the caller frees
 * @count:	set to its length
 *
 * Return: 0, or -1 with errno.
 */
int vmnet_net_foreign_bridges(char (**names)[IF_NAMESIZE], size_t *count);

/*
 * vmnet_net_derive_mac() - a locally administered unicast Ethernet address
 * that depends only on @data
 */
void vmnet_net_derive_mac(const void *data, size_t len, uint8_t mac[6]);

#endif /* VMNET_NET_H */
