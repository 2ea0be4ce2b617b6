// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_config.c - macOS 26 network configurations on Linux: the
 * vmnet_network_configuration_* functions.
 *
 * A configuration is a CoreFoundation object (cf.c) holding a struct
 * vmnet_netconf with Apple's defaults: NAT44, NAT66, DHCP, DNS proxy and
 * router advertisement on, MTU 1500, subnet and prefix chosen when the
 * network is created. Each setter checks what it can alone and answers
 * VMNET_INVALID_ARGUMENT otherwise; what depends on the whole (a
 * reservation inside the subnet) is checked by vmnet_network_create().
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <vmnet/vmnet.h>

#include "cf_internal.h"
#include "vmnet_config.h"

static void
config_finalize(struct cf_object *obj)
{
	free(obj);
}

static void
set_status(vmnet_return_t *status, vmnet_return_t value)
{
	if (status)
		*status = value;
}

vmnet_network_configuration_ref
vmnet_network_configuration_create(vmnet_mode_t mode, vmnet_return_t *status)
{
	struct vmnet_network_configuration *c;

	if (mode != VMNET_SHARED_MODE && mode != VMNET_HOST_MODE) {
		set_status(status, VMNET_INVALID_ARGUMENT);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		set_status(status, VMNET_MEM_FAILURE);
		return NULL;
	}
	cf_object_init(&c->cf, config_finalize);
	c->conf.mode = mode;
	c->conf.mtu = VMNET_NETCONF_MTU_DEFAULT;
	c->conf.dhcp = c->conf.dns_proxy = c->conf.router_advertisement = true;
	/* Apple's defaults; NAT takes effect in shared mode only. */
	c->conf.nat44 = c->conf.nat66 = true;
	set_status(status, VMNET_SUCCESS);
	return c;
}

vmnet_return_t
vmnet_network_configuration_set_external_interface(vmnet_network_configuration_ref config,
                                                   const char *interface_name)
{
	/* The name goes into nftables rules: only the characters names use. */
	if (!config || !interface_name || !*interface_name ||
	    strlen(interface_name) >= sizeof(config->conf.external) ||
	    strspn(interface_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                           "0123456789._-") != strlen(interface_name) ||
	    config->conf.mode != VMNET_SHARED_MODE)
		return VMNET_INVALID_ARGUMENT;
	strcpy(config->conf.external, interface_name);
	return VMNET_SUCCESS;
}

void
vmnet_network_configuration_disable_nat44(vmnet_network_configuration_ref config)
{
	if (config)
		config->conf.nat44 = false;
}

void
vmnet_network_configuration_disable_nat66(vmnet_network_configuration_ref config)
{
	if (config)
		config->conf.nat66 = false;
}

void
vmnet_network_configuration_disable_dhcp(vmnet_network_configuration_ref config)
{
	if (config)
		config->conf.dhcp = false;
}

void
vmnet_network_configuration_disable_dns_proxy(vmnet_network_configuration_ref config)
{
	if (config)
		config->conf.dns_proxy = false;
}

void
vmnet_network_configuration_disable_router_advertisement(vmnet_network_configuration_ref config)
{
	if (config)
		config->conf.router_advertisement = false;
}

static bool
private_subnet(uint32_t net, uint32_t mask)
{
	return ((net >> 24) == 10 && mask >= 0xff000000u) ||
	       ((net >> 20) == 0xac1 && mask >= 0xfff00000u) ||
	       ((net >> 16) == 0xc0a8 && mask >= 0xffff0000u);
}

vmnet_return_t
vmnet_network_configuration_set_ipv4_subnet(vmnet_network_configuration_ref config,
                                            const struct in_addr *subnet_addr,
                                            const struct in_addr *subnet_mask)
{
	uint32_t net, mask;

	if (!config || !subnet_addr || !subnet_mask)
		return VMNET_INVALID_ARGUMENT;
	net = ntohl(subnet_addr->s_addr);
	mask = ntohl(subnet_mask->s_addr);
	/* Contiguous, room for network, host, one client and broadcast. */
	if (mask == 0 || (~mask & (~mask + 1)) != 0 || ~mask < 3 || (net & ~mask) != 0 ||
	    !private_subnet(net, mask))
		return VMNET_INVALID_ARGUMENT;
	config->conf.has_subnet = true;
	config->conf.subnet = *subnet_addr;
	config->conf.mask = *subnet_mask;
	return VMNET_SUCCESS;
}

vmnet_return_t
vmnet_network_configuration_set_ipv6_prefix(vmnet_network_configuration_ref config,
                                            const struct in6_addr *prefix, uint8_t len)
{
	unsigned i;

	/* A unique local prefix (fd00::/8) with room for SLAAC (/64 or shorter). */
	if (!config || !prefix || len < 8 || len > 64 || prefix->s6_addr[0] != 0xfd)
		return VMNET_INVALID_ARGUMENT;
	for (i = len; i < 128; i++)
		if (prefix->s6_addr[i / 8] & (0x80 >> (i % 8)))
			return VMNET_INVALID_ARGUMENT;
	config->conf.has_prefix6 = true;
	config->conf.prefix6 = *prefix;
	config->conf.prefix6_len = len;
	return VMNET_SUCCESS;
}

vmnet_return_t
vmnet_network_configuration_add_port_forwarding_rule(vmnet_network_configuration_ref config,
                                                     uint8_t protocol, sa_family_t address_family,
                                                     uint16_t internal_port, uint16_t external_port,
                                                     const void *internal_address)
{
	struct vmnet_netconf_rule *r;
	unsigned i;

	if (!config || !internal_address || internal_port == 0 || external_port == 0 ||
	    (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP) ||
	    (address_family != AF_INET && address_family != AF_INET6) ||
	    config->conf.mode != VMNET_SHARED_MODE)
		return VMNET_INVALID_ARGUMENT;
	for (i = 0; i < config->conf.nrules; i++) {
		r = &config->conf.rules[i];
		if (r->protocol == protocol && r->family == address_family &&
		    r->external_port == external_port)
			return VMNET_INVALID_ARGUMENT;
	}
	if (config->conf.nrules == VMNET_NETCONF_MAX_RULES)
		return VMNET_MEM_FAILURE;
	r = &config->conf.rules[config->conf.nrules++];
	memset(r, 0, sizeof(*r));
	r->protocol = protocol;
	r->family = (uint8_t)address_family;
	r->internal_port = internal_port;
	r->external_port = external_port;
	if (address_family == AF_INET)
		memcpy(&r->internal.v4, internal_address, sizeof(r->internal.v4));
	else
		memcpy(&r->internal.v6, internal_address, sizeof(r->internal.v6));
	return VMNET_SUCCESS;
}

vmnet_return_t
vmnet_network_configuration_add_dhcp_reservation(vmnet_network_configuration_ref config,
                                                 const ether_addr_t *client,
                                                 const struct in_addr *reservation)
{
	struct vmnet_netconf_reservation *r;
	uint8_t mac[6];
	unsigned i;

	if (!config || !client || !reservation)
		return VMNET_INVALID_ARGUMENT;
	memcpy(mac, client, sizeof(mac));
	/* A client's address: unicast and not all zero. */
	if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return VMNET_INVALID_ARGUMENT;
	for (i = 0; i < config->conf.nreservations; i++) {
		r = &config->conf.reservations[i];
		if (memcmp(r->mac, mac, sizeof(mac)) == 0 || r->addr.s_addr == reservation->s_addr)
			return VMNET_INVALID_ARGUMENT;
	}
	if (config->conf.nreservations == VMNET_NETCONF_MAX_RESERVATIONS)
		return VMNET_MEM_FAILURE;
	r = &config->conf.reservations[config->conf.nreservations++];
	memcpy(r->mac, mac, sizeof(mac));
	r->addr = *reservation;
	return VMNET_SUCCESS;
}

vmnet_return_t
vmnet_network_configuration_set_mtu(vmnet_network_configuration_ref config, uint32_t mtu)
{
	if (!config || mtu < VMNET_NETCONF_MTU_MIN || mtu > VMNET_NETCONF_MTU_MAX)
		return VMNET_INVALID_ARGUMENT;
	config->conf.mtu = mtu;
	return VMNET_SUCCESS;
}
