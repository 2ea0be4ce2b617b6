/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_netconf.h - what a macOS 26 network configuration asks for, as
 * plain C values: filled by the vmnet_network_configuration_* functions
 * (vmnet_config.c), checked as a whole and created by vmnet_net.c.
 */
#ifndef VMNET_NETCONF_H
#define VMNET_NETCONF_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define VMNET_NETCONF_MAX_RULES        32
#define VMNET_NETCONF_MAX_RESERVATIONS 64
#define VMNET_NETCONF_MTU_MIN          576
#define VMNET_NETCONF_MTU_MAX          9000
#define VMNET_NETCONF_MTU_DEFAULT      1500

/* One port forwarding rule: external (host) port to an internal address. */
struct vmnet_netconf_rule {
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint16_t external_port;
	uint16_t internal_port;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} internal;
};

struct vmnet_netconf_reservation {
	uint8_t mac[6];
	struct in_addr addr;
};

struct vmnet_netconf {
	uint32_t mode; /* VMNET_SHARED_MODE or VMNET_HOST_MODE */
	bool has_subnet;
	struct in_addr subnet; /* network address */
	struct in_addr mask;
	bool has_prefix6;
	struct in6_addr prefix6;
	uint8_t prefix6_len;
	uint32_t mtu;
	bool dhcp, dns_proxy, nat44, nat66, router_advertisement;
	char external[IF_NAMESIZE]; /* "" = the default route's interface */
	unsigned nrules;
	struct vmnet_netconf_rule rules[VMNET_NETCONF_MAX_RULES];
	unsigned nreservations;
	struct vmnet_netconf_reservation reservations[VMNET_NETCONF_MAX_RESERVATIONS];
};

#endif /* VMNET_NETCONF_H */
