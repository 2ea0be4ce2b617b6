// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_portfwd.c - port forwarding on a running interface: the
 * vmnet_interface_*_port_forwarding_rule(s) functions and the rule getters.
 *
 * Theory of operation: an interface's rules live in its own nftables
 * tables ("vmnet_pf_" + its id in hex, ip and ip6), rewritten as a whole
 * on every change (nat.c), scoped to the network's bridge. The keeper
 * removes them with the interface, also after the process's death. Adding
 * or removing needs CAP_NET_ADMIN, as vmnet needs root on macOS 15 and
 * earlier: a caller adds its rules before it drops privileges. Completion
 * handlers, which take no queue, run on the platform's private queue.
 * Rules are for shared mode, as on macOS.
 */
#include <Block.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmnet/vmnet.h>

#include "nat.h"
#include "vmnet_internal.h"

/* Keys of a rule dictionary. */
#define RULE_PROTOCOL      "protocol"
#define RULE_EXTERNAL_PORT "external_port"
#define RULE_FAMILY        "address_family"
#define RULE_ADDRESS       "internal_address"
#define RULE_INTERNAL_PORT "internal_port"

void
vmnet_portfwd_table(const struct vmnet_interface *iface, char name[VMNET_KEEPER_TABLE_LEN])
{
	int i, n = snprintf(name, VMNET_KEEPER_TABLE_LEN, "vmnet_pf_");

	for (i = 0; i < 16; i++)
		n += snprintf(name + n, (size_t)(VMNET_KEEPER_TABLE_LEN - n), "%02x", iface->id[i]);
}

/* Rewrite the interface's tables; called with iface->lock held. */
static vmnet_return_t
portfwd_apply(struct vmnet_interface *iface)
{
	uint32_t mask = ntohl(iface->net.mask.s_addr);

	if (nat_remove(iface->keeper.table) < 0)
		return VMNET_FAILURE;
	if (iface->nrules == 0)
		return VMNET_SUCCESS;
	return nat_add(iface->keeper.table, iface->net.bridge,
	               &(struct nat_conf){.subnet = {htonl(ntohl(iface->net.start.s_addr) & mask)},
	                                  .prefixlen = (uint8_t)__builtin_popcount(mask),
	                                  .external = "",
	                                  .nrules = iface->nrules,
	                                  .rules = iface->rules}) < 0
	           ? VMNET_FAILURE
	           : VMNET_SUCCESS;
}

/* A completion in flight: one of the handlers, with its argument. */
struct portfwd_done {
	vmnet_interface_completion_handler_t status_handler;
	vmnet_interface_get_ip_port_forwarding_rules_handler_t rules_handler;
	vmnet_return_t status;
	xpc_object_t rules; /* owned, or NULL */
};

static void
portfwd_run(void *arg)
{
	struct portfwd_done *d = arg;

	if (d->status_handler) {
		d->status_handler(d->status);
		Block_release(d->status_handler);
	} else {
		d->rules_handler(d->rules); /* NULL: no rules, as on macOS */
		Block_release(d->rules_handler);
	}
	if (d->rules)
		xpc_release(d->rules);
	free(d);
}

/* Queue @d's handler on the private queue. Return: VMNET_SUCCESS or MEM_FAILURE. */
static vmnet_return_t
portfwd_complete(struct portfwd_done d)
{
	struct portfwd_done *copy;

	if (!d.status_handler && !d.rules_handler)
		return VMNET_SUCCESS;
	copy = malloc(sizeof(*copy));
	if (!copy) {
		if (d.rules)
			xpc_release(d.rules);
		return VMNET_MEM_FAILURE;
	}
	*copy = d;
	if (d.status_handler)
		copy->status_handler = Block_copy(d.status_handler);
	else
		copy->rules_handler = Block_copy(d.rules_handler);
	dispatch_async_f(vmnet_work_queue(), copy, portfwd_run);
	return VMNET_SUCCESS;
}

static bool
portfwd_usable(interface_ref iface)
{
	return iface && atomic_load(&iface->state) == IFACE_RUNNING &&
	       iface->desc.net.mode == VMNET_SHARED_MODE;
}

static int
portfwd_find(const struct vmnet_interface *iface, uint8_t protocol, uint16_t port, uint8_t family)
{
	unsigned i;

	for (i = 0; i < iface->nrules; i++)
		if (iface->rules[i].protocol == protocol && iface->rules[i].external_port == port &&
		    iface->rules[i].family == family)
			return (int)i;
	return -1;
}

vmnet_return_t
vmnet_interface_add_ip_port_forwarding_rule(interface_ref interface, uint8_t protocol,
                                            uint16_t external_port, uint8_t address_family,
                                            const void *internal_address, uint16_t internal_port,
                                            vmnet_interface_completion_handler_t handler)
{
	struct vmnet_netconf_rule *r;
	vmnet_return_t st;

	if (!portfwd_usable(interface) || !internal_address || !external_port || !internal_port ||
	    (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP) ||
	    (address_family != AF_INET && address_family != AF_INET6))
		return VMNET_INVALID_ARGUMENT;
	pthread_mutex_lock(&interface->lock);
	if (portfwd_find(interface, protocol, external_port, address_family) >= 0 ||
	    interface->nrules == VMNET_NETCONF_MAX_RULES) {
		pthread_mutex_unlock(&interface->lock);
		return VMNET_INVALID_ARGUMENT;
	}
	r = &interface->rules[interface->nrules++];
	memset(r, 0, sizeof(*r));
	r->protocol = protocol;
	r->family = address_family;
	r->external_port = external_port;
	r->internal_port = internal_port;
	memcpy(&r->internal, internal_address,
	       address_family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr));
	st = portfwd_apply(interface);
	if (st != VMNET_SUCCESS)
		interface->nrules--;
	pthread_mutex_unlock(&interface->lock);
	return portfwd_complete((struct portfwd_done){.status_handler = handler, .status = st});
}

vmnet_return_t
vmnet_interface_remove_ip_port_forwarding_rule(interface_ref interface, uint8_t protocol,
                                               uint16_t external_port, uint8_t address_family,
                                               vmnet_interface_completion_handler_t handler)
{
	vmnet_return_t st;
	int i;

	if (!portfwd_usable(interface))
		return VMNET_INVALID_ARGUMENT;
	pthread_mutex_lock(&interface->lock);
	i = portfwd_find(interface, protocol, external_port, address_family);
	if (i < 0) {
		pthread_mutex_unlock(&interface->lock);
		return VMNET_INVALID_ARGUMENT;
	}
	interface->rules[i] = interface->rules[--interface->nrules];
	st = portfwd_apply(interface);
	pthread_mutex_unlock(&interface->lock);
	return portfwd_complete((struct portfwd_done){.status_handler = handler, .status = st});
}

static xpc_object_t
portfwd_rule_dict(const struct vmnet_netconf_rule *r)
{
	xpc_object_t d = xpc_dictionary_create_empty();
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(r->family, &r->internal, addr, sizeof(addr));
	xpc_dictionary_set_uint64(d, RULE_PROTOCOL, r->protocol);
	xpc_dictionary_set_uint64(d, RULE_EXTERNAL_PORT, r->external_port);
	xpc_dictionary_set_uint64(d, RULE_FAMILY, r->family);
	xpc_dictionary_set_string(d, RULE_ADDRESS, addr);
	xpc_dictionary_set_uint64(d, RULE_INTERNAL_PORT, r->internal_port);
	return d;
}

vmnet_return_t
vmnet_interface_get_ip_port_forwarding_rules(
    interface_ref interface, uint8_t address_family,
    vmnet_interface_get_ip_port_forwarding_rules_handler_t handler)
{
	xpc_object_t rules = NULL, d;
	unsigned i;

	if (!portfwd_usable(interface) || !handler ||
	    (address_family != AF_INET && address_family != AF_INET6))
		return VMNET_INVALID_ARGUMENT;
	pthread_mutex_lock(&interface->lock);
	for (i = 0; i < interface->nrules; i++) {
		if (interface->rules[i].family != address_family)
			continue;
		if (!rules)
			rules = xpc_array_create_empty();
		d = portfwd_rule_dict(&interface->rules[i]);
		xpc_array_append_value(rules, d);
		xpc_release(d);
	}
	pthread_mutex_unlock(&interface->lock);
	return portfwd_complete((struct portfwd_done){.rules_handler = handler, .rules = rules});
}

vmnet_return_t
vmnet_ip_port_forwarding_rule_get_details(xpc_object_t rule, uint8_t *protocol,
                                          uint16_t *external_port, uint8_t address_family,
                                          void *internal_address, uint16_t *internal_port)
{
	const char *addr;
	uint64_t proto, ext, in, fam;

	if (!rule || xpc_get_type(rule) != XPC_TYPE_DICTIONARY || !protocol || !external_port ||
	    !internal_address || !internal_port)
		return VMNET_INVALID_ARGUMENT;
	proto = xpc_dictionary_get_uint64(rule, RULE_PROTOCOL);
	ext = xpc_dictionary_get_uint64(rule, RULE_EXTERNAL_PORT);
	fam = xpc_dictionary_get_uint64(rule, RULE_FAMILY);
	in = xpc_dictionary_get_uint64(rule, RULE_INTERNAL_PORT);
	addr = xpc_dictionary_get_string(rule, RULE_ADDRESS);
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !ext || ext > 65535 || !in ||
	    in > 65535 || fam != address_family || !addr ||
	    inet_pton(address_family, addr, internal_address) != 1)
		return VMNET_INVALID_ARGUMENT;
	*protocol = (uint8_t)proto;
	*external_port = (uint16_t)ext;
	*internal_port = (uint16_t)in;
	return VMNET_SUCCESS;
}

/* The IPv4-only calls of macOS 10.15, deprecated since 12.0. */
vmnet_return_t
vmnet_interface_add_port_forwarding_rule(interface_ref interface, uint8_t protocol,
                                         uint16_t external_port, struct in_addr internal_address,
                                         uint16_t internal_port,
                                         vmnet_interface_completion_handler_t handler)
{
	return vmnet_interface_add_ip_port_forwarding_rule(
	    interface, protocol, external_port, AF_INET, &internal_address, internal_port, handler);
}

vmnet_return_t
vmnet_interface_remove_port_forwarding_rule(interface_ref interface, uint8_t protocol,
                                            uint16_t external_port,
                                            vmnet_interface_completion_handler_t handler)
{
	return vmnet_interface_remove_ip_port_forwarding_rule(interface, protocol, external_port,
	                                                      AF_INET, handler);
}

vmnet_return_t
vmnet_port_forwarding_rule_get_details(xpc_object_t rule, uint8_t *protocol,
                                       uint16_t *external_port, struct in_addr *internal_address,
                                       uint16_t *internal_port)
{
	return vmnet_ip_port_forwarding_rule_get_details(rule, protocol, external_port, AF_INET,
	                                                 internal_address, internal_port);
}

vmnet_return_t
vmnet_interface_get_port_forwarding_rules(
    interface_ref interface, vmnet_interface_get_port_forwarding_rules_handler_t handler)
{
	return vmnet_interface_get_ip_port_forwarding_rules(interface, AF_INET, handler);
}
