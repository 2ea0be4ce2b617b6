/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_desc.h - validate a vmnet interface description (the xpc
 * dictionary given to vmnet_start_interface) into plain C values.
 */
#ifndef VMNET_DESC_H
#define VMNET_DESC_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <xpc/xpc.h>

/* What the network part of a description asks for. */
struct vmnet_desc_net {
	uint32_t mode;        /* VMNET_HOST_MODE, ... */
	bool has_range;       /* start, end and mask were given */
	struct in_addr start; /* gateway */
	struct in_addr end;   /* last DHCP address */
	struct in_addr mask;
	uint8_t prefixlen;        /* of mask */
	bool has_nat66;           /* nat66 prefix was given (shared) */
	struct in6_addr nat66;    /* /64 ULA prefix */
	char bridge[IF_NAMESIZE]; /* bridged mode: existing bridge */
	bool isolated;            /* ports cannot reach each other */
	uint32_t mtu;             /* vmnet_mtu_key (shared, host), 0 if not given */
	bool has_network_id;      /* host mode: an isolated network, no DHCP */
	uuid_t network_id;
	bool has_host_addr; /* the host's address on that network */
	struct in_addr host_addr;
	struct in_addr host_mask;
	uint8_t host_prefixlen;
	bool has_host_addr6;
	struct in6_addr host_addr6;
};

struct vmnet_desc {
	struct vmnet_desc_net net;
	bool has_id;
	uuid_t id; /* vmnet_interface_id */
	bool allocate_mac;
	bool tso;
};

/*
 * vmnet_desc_parse() - check a description and convert it
 * @xdesc:	the caller's xpc dictionary
 * @desc:	filled on success
 *
 * Unknown keys are ignored; a known key of the wrong type, a bad value or a
 * combination vmnet refuses makes the description invalid.
 *
 * Return: 0, or -1 with errno EINVAL.
 */
int vmnet_desc_parse(xpc_object_t xdesc, struct vmnet_desc *desc);

/*
 * vmnet_desc_parse_network() - check the description given to
 * vmnet_interface_start_with_network(): only the four keys Apple documents
 * for it count (allocate MAC, TSO, isolation, checksum offload), every
 * other key is ignored; desc->net is left for the network to fill.
 *
 * Return: 0, or -1 with errno EINVAL (a wrong type).
 */
int vmnet_desc_parse_network(xpc_object_t xdesc, struct vmnet_desc *desc);

#endif /* VMNET_DESC_H */
