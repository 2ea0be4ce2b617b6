/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netlink.h - the few rtnetlink operations the vmnet emulation needs:
 * list links and IPv4 addresses, create and delete bridges, bring links up,
 * set MTUs, enslave ports, isolate bridge ports, add addresses.
 *
 * Every function opens its own NETLINK_ROUTE socket in the caller's network
 * namespace, waits for the kernel's answer and closes it again: these run
 * on setup and teardown paths only. Functions returning int return 0 on
 * success, or -1 with errno set from the kernel's error.
 */
#ifndef NETLINK_H
#define NETLINK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One network interface, as RTM_GETLINK reports it. */
struct netlink_link {
	int index;
	int master; /* ifindex of the bridge it is a port of, or 0 */
	char name[IF_NAMESIZE];
	char kind[16];    /* IFLA_INFO_KIND, e.g. "bridge", or "" */
	char alias[64];   /* IFLA_IFALIAS, or "" */
	bool carrier;     /* IFLA_CARRIER; a tun/tap has it while a descriptor is attached */
	bool tun_persist; /* tun/tap: IFF_PERSIST set */
};

/* One IPv4 address of an interface. */
struct netlink_addr4 {
	int index;
	struct in_addr addr;
	uint8_t prefixlen;
};

/*
 * netlink_links() - list all links of the current network namespace
 * @links:	set to a malloc'ed array the caller frees
 * @count:	set to the number of entries
 */
int netlink_links(struct netlink_link **links, size_t *count);

/*
 * netlink_addrs4() - list all IPv4 addresses of the current namespace
 * @addrs:	set to a malloc'ed array the caller frees
 * @count:	set to the number of entries
 */
int netlink_addrs4(struct netlink_addr4 **addrs, size_t *count);

/*
 * netlink_bridge_create() - create a bridge (STP off), down
 * @name:	interface name
 * @mac:	its fixed Ethernet address
 * @alias:	IFLA_IFALIAS to tag it with
 */
int netlink_bridge_create(const char *name, const uint8_t mac[6], const char *alias);

/* netlink_link_set_alias() - set IFLA_IFALIAS of link @index */
int netlink_link_set_alias(int index, const char *alias);

/* netlink_link_delete() - delete the link with index @index */
int netlink_link_delete(int index);

/* netlink_link_up() - set link @index up */
int netlink_link_up(int index);

/* netlink_link_set_master() - make link @index a port of bridge @master */
int netlink_link_set_master(int index, int master);

/* netlink_link_set_mtu() - set the MTU of link @index */
int netlink_link_set_mtu(int index, uint32_t mtu);

/* netlink_port_set_isolated() - set the bridge port flag "isolated" */
int netlink_port_set_isolated(int index, bool isolated);

/*
 * netlink_addr_add() - add an address to a link
 * @index:	link
 * @family:	AF_INET or AF_INET6
 * @addr:	struct in_addr or struct in6_addr
 * @prefixlen:	prefix length
 */
int netlink_addr_add(int index, int family, const void *addr, uint8_t prefixlen);

#endif /* NETLINK_H */
