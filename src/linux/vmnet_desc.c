// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_desc.c - validate vmnet interface descriptions.
 *
 * The rules are vmnet's (shared/reference/vmnet-api.md section 2): start,
 * end and mask come together, only in host and shared mode, and describe
 * an RFC 1918 subnet; the NAT66 prefix is a /64 ULA and only for shared
 * mode; bridged mode needs an interface name and has no addresses; a
 * network identifier makes an isolated host-mode network, optionally with
 * a host address (IPv4 with its mask, IPv6), and excludes a DHCP range.
 */
#include "vmnet_desc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <vmnet/vmnet.h>

#include "vmnet_netconf.h"

/* Is @key absent, or present with type @type? */
static bool
desc_typed(xpc_object_t xdesc, const char *key, xpc_type_t type)
{
	xpc_object_t value = xpc_dictionary_get_value(xdesc, key);

	return !value || xpc_get_type(value) == type;
}

static bool
desc_has(xpc_object_t xdesc, const char *key)
{
	return xpc_dictionary_get_value(xdesc, key) != NULL;
}

/* Read an optional bool; @def when absent. Return: false on a wrong type. */
static bool
desc_bool(xpc_object_t xdesc, const char *key, bool def, bool *out)
{
	if (!desc_typed(xdesc, key, XPC_TYPE_BOOL))
		return false;
	*out = desc_has(xdesc, key) ? xpc_dictionary_get_bool(xdesc, key) : def;
	return true;
}

static bool
desc_addr(xpc_object_t xdesc, const char *key, struct in_addr *addr)
{
	const char *s = xpc_dictionary_get_string(xdesc, key);

	return s && inet_pton(AF_INET, s, addr) == 1;
}

static bool
desc_rfc1918(uint32_t a)
{
	return (a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) || (a >> 16) == (192u << 8 | 168);
}

/* Parse start, end and mask, all or none. */
static bool
desc_range(xpc_object_t xdesc, struct vmnet_desc_net *net)
{
	int given = desc_has(xdesc, vmnet_start_address_key) +
	            desc_has(xdesc, vmnet_end_address_key) + desc_has(xdesc, vmnet_subnet_mask_key);
	uint32_t start, end, mask;

	if (given == 0)
		return true;
	if (given != 3 || net->mode == VMNET_BRIDGED_MODE)
		return false;
	if (!desc_addr(xdesc, vmnet_start_address_key, &net->start) ||
	    !desc_addr(xdesc, vmnet_end_address_key, &net->end) ||
	    !desc_addr(xdesc, vmnet_subnet_mask_key, &net->mask))
		return false;
	start = ntohl(net->start.s_addr);
	end = ntohl(net->end.s_addr);
	mask = ntohl(net->mask.s_addr);
	/* Contiguous, and leaving room for a gateway and a client. */
	if (mask == 0 || (~mask & (~mask + 1)) != 0 || (~mask) < 3)
		return false;
	if (!desc_rfc1918(start) || (start & mask) != (end & mask) || start >= end)
		return false;
	if ((start & ~mask) == 0 || (end & ~mask) == ~mask)
		return false;
	net->prefixlen = (uint8_t)__builtin_popcount(mask);
	net->has_range = true;
	return true;
}

/* Parse the NAT66 prefix: a ULA /64 with a zero interface part. */
static bool
desc_nat66(xpc_object_t xdesc, struct vmnet_desc_net *net)
{
	static const uint8_t zero[8];
	const char *s;

	if (!desc_typed(xdesc, vmnet_nat66_prefix_length_key, XPC_TYPE_UINT64) ||
	    (desc_has(xdesc, vmnet_nat66_prefix_length_key) &&
	     xpc_dictionary_get_uint64(xdesc, vmnet_nat66_prefix_length_key) != 64))
		return false;
	if (!desc_has(xdesc, vmnet_nat66_prefix_key))
		return true;
	s = xpc_dictionary_get_string(xdesc, vmnet_nat66_prefix_key);
	if (!s || net->mode != VMNET_SHARED_MODE || inet_pton(AF_INET6, s, &net->nat66) != 1)
		return false;
	if (net->nat66.s6_addr[0] != 0xfd || memcmp(&net->nat66.s6_addr[8], zero, 8) != 0)
		return false;
	net->has_nat66 = true;
	return true;
}

/* Parse the network identifier and the host addresses that need it. */
static bool
desc_network_id(xpc_object_t xdesc, struct vmnet_desc_net *net)
{
	const char *s6;
	uint32_t a, m;

	if (!desc_typed(xdesc, vmnet_network_identifier_key, XPC_TYPE_UUID) ||
	    !desc_typed(xdesc, vmnet_host_ipv6_address_key, XPC_TYPE_STRING))
		return false;
	if (!desc_has(xdesc, vmnet_network_identifier_key))
		return !desc_has(xdesc, vmnet_host_ip_address_key) &&
		       !desc_has(xdesc, vmnet_host_subnet_mask_key) &&
		       !desc_has(xdesc, vmnet_host_ipv6_address_key);
	if (net->mode != VMNET_HOST_MODE || net->has_range)
		return false;
	memcpy(net->network_id, xpc_dictionary_get_uuid(xdesc, vmnet_network_identifier_key),
	       sizeof(uuid_t));
	net->has_network_id = true;
	if (desc_has(xdesc, vmnet_host_ip_address_key) ||
	    desc_has(xdesc, vmnet_host_subnet_mask_key)) {
		if (!desc_addr(xdesc, vmnet_host_ip_address_key, &net->host_addr) ||
		    !desc_addr(xdesc, vmnet_host_subnet_mask_key, &net->host_mask))
			return false;
		a = ntohl(net->host_addr.s_addr);
		m = ntohl(net->host_mask.s_addr);
		if (m == 0 || (~m & (~m + 1)) != 0 || ~m < 3 || (a & ~m) == 0 || (a & ~m) == ~m)
			return false;
		net->host_prefixlen = (uint8_t)__builtin_popcount(m);
		net->has_host_addr = true;
	}
	s6 = xpc_dictionary_get_string(xdesc, vmnet_host_ipv6_address_key);
	if (s6) {
		if (inet_pton(AF_INET6, s6, &net->host_addr6) != 1 ||
		    IN6_IS_ADDR_UNSPECIFIED(&net->host_addr6) ||
		    IN6_IS_ADDR_MULTICAST(&net->host_addr6))
			return false;
		net->has_host_addr6 = true;
	}
	return true;
}

static bool
desc_bridge(xpc_object_t xdesc, struct vmnet_desc_net *net)
{
	const char *name;

	if (!desc_typed(xdesc, vmnet_shared_interface_name_key, XPC_TYPE_STRING))
		return false;
	name = xpc_dictionary_get_string(xdesc, vmnet_shared_interface_name_key);
	if (net->mode != VMNET_BRIDGED_MODE)
		return name == NULL;
	if (!name || !*name || strlen(name) >= sizeof(net->bridge) || strchr(name, '/') ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	strcpy(net->bridge, name);
	return true;
}

static bool
desc_parse(xpc_object_t xdesc, struct vmnet_desc *desc)
{
	struct vmnet_desc_net *net = &desc->net;
	bool checksum;

	if (!xdesc || xpc_get_type(xdesc) != XPC_TYPE_DICTIONARY)
		return false;
	if (!desc_has(xdesc, vmnet_operation_mode_key) ||
	    !desc_typed(xdesc, vmnet_operation_mode_key, XPC_TYPE_UINT64))
		return false;
	switch (xpc_dictionary_get_uint64(xdesc, vmnet_operation_mode_key)) {
	case VMNET_HOST_MODE:
	case VMNET_SHARED_MODE:
	case VMNET_BRIDGED_MODE:
		net->mode = (uint32_t)xpc_dictionary_get_uint64(xdesc, vmnet_operation_mode_key);
		break;
	default:
		return false;
	}
	/* Shared and host mode take an MTU (vmnet's header); bridged mode none. */
	if (!desc_typed(xdesc, vmnet_mtu_key, XPC_TYPE_UINT64))
		return false;
	if (desc_has(xdesc, vmnet_mtu_key)) {
		uint64_t mtu = xpc_dictionary_get_uint64(xdesc, vmnet_mtu_key);

		if (net->mode == VMNET_BRIDGED_MODE || mtu < VMNET_NETCONF_MTU_MIN ||
		    mtu > VMNET_NETCONF_MTU_MAX)
			return false;
		net->mtu = (uint32_t)mtu;
	}
	if (!desc_bridge(xdesc, net) || !desc_range(xdesc, net) || !desc_nat66(xdesc, net) ||
	    !desc_network_id(xdesc, net))
		return false;
	if (!desc_typed(xdesc, vmnet_interface_id_key, XPC_TYPE_UUID))
		return false;
	if (desc_has(xdesc, vmnet_interface_id_key)) {
		memcpy(desc->id, xpc_dictionary_get_uuid(xdesc, vmnet_interface_id_key),
		       sizeof(uuid_t));
		desc->has_id = true;
	}
	if (!desc_bool(xdesc, vmnet_allocate_mac_address_key, true, &desc->allocate_mac) ||
	    !desc_bool(xdesc, vmnet_enable_tso_key, false, &desc->tso) ||
	    !desc_bool(xdesc, vmnet_enable_isolation_key, false, &net->isolated) ||
	    !desc_bool(xdesc, vmnet_enable_checksum_offload_key, false, &checksum))
		return false;
	/* Isolation is a property of vmnet's own networks. */
	return !(net->isolated && net->mode == VMNET_BRIDGED_MODE);
}

int
vmnet_desc_parse_network(xpc_object_t xdesc, struct vmnet_desc *desc)
{
	bool checksum;

	memset(desc, 0, sizeof(*desc));
	if (!xdesc || xpc_get_type(xdesc) != XPC_TYPE_DICTIONARY ||
	    !desc_bool(xdesc, vmnet_allocate_mac_address_key, true, &desc->allocate_mac) ||
	    !desc_bool(xdesc, vmnet_enable_tso_key, false, &desc->tso) ||
	    !desc_bool(xdesc, vmnet_enable_isolation_key, false, &desc->net.isolated) ||
	    !desc_bool(xdesc, vmnet_enable_checksum_offload_key, false, &checksum)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
vmnet_desc_parse(xpc_object_t xdesc, struct vmnet_desc *desc)
{
	memset(desc, 0, sizeof(*desc));
	if (!desc_parse(xdesc, desc)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
