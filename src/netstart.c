// SPDX-License-Identifier: Apache-2.0
/*
 * netstart.c - the interface on a macOS 26 network, and port forwards on a
 * classic interface (see netstart.h).
 *
 * On the 26 path the helper owns the network: it makes a configuration
 * from the options, creates the network, starts the interface on it (which
 * retains the network) and drops its own references, so the network lives
 * exactly as long as the interface. The subnet and prefix the network got
 * are added to the interface parameters as net_ipv4_subnet, net_ipv4_mask,
 * net_ipv6_prefix and net_ipv6_prefix_len, for the JSON line.
 */
#include "netstart.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* The configuration the options describe. Return: VMNET_SUCCESS or the failure. */
static vmnet_return_t
configure(vmnet_network_configuration_ref c, const struct options *o, const char **what)
    API_AVAILABLE(macos(26.0))
{
	const struct netopts *n = &o->net;
	struct in_addr start, mask, subnet;
	struct in6_addr nat66;
	vmnet_return_t st = VMNET_SUCCESS;
	unsigned i;

#define TRY(call)                                                                                  \
	do {                                                                                       \
		if ((st = (call)) != VMNET_SUCCESS) {                                              \
			*what = #call;                                                             \
			return st;                                                                 \
		}                                                                                  \
	} while (0)
	if (o->has_dhcp_range) {
		inet_pton(AF_INET, o->start_address, &start);
		inet_pton(AF_INET, o->subnet_mask, &mask);
		subnet.s_addr = start.s_addr & mask.s_addr;
		TRY(vmnet_network_configuration_set_ipv4_subnet(c, &subnet, &mask));
	}
	if (n->has_ipv6_prefix)
		TRY(vmnet_network_configuration_set_ipv6_prefix(c, &n->ipv6_prefix,
		                                                n->ipv6_prefix_len));
	if (o->has_nat66_prefix && inet_pton(AF_INET6, o->nat66_prefix, &nat66) == 1)
		TRY(vmnet_network_configuration_set_ipv6_prefix(c, &nat66, 64));
	if (n->has_mtu)
		TRY(vmnet_network_configuration_set_mtu(c, n->mtu));
	if (n->external_interface)
		TRY(vmnet_network_configuration_set_external_interface(c, n->external_interface));
	if (n->disable_dhcp)
		vmnet_network_configuration_disable_dhcp(c);
	if (n->disable_dns_proxy)
		vmnet_network_configuration_disable_dns_proxy(c);
	if (n->disable_nat44)
		vmnet_network_configuration_disable_nat44(c);
	if (n->disable_nat66)
		vmnet_network_configuration_disable_nat66(c);
	if (n->disable_ra)
		vmnet_network_configuration_disable_router_advertisement(c);
	for (i = 0; i < n->nreservations; i++) {
		ether_addr_t mac;

		memcpy(&mac, n->reservations[i].mac, sizeof(n->reservations[i].mac));
		TRY(vmnet_network_configuration_add_dhcp_reservation(c, &mac,
		                                                     &n->reservations[i].addr));
	}
	for (i = 0; i < n->nforwards; i++) {
		const struct netopts_forward *f = &n->forwards[i];

		TRY(vmnet_network_configuration_add_port_forwarding_rule(
		    c, f->protocol, f->family, f->guest_port, f->host_port, &f->guest));
	}
#undef TRY
	return st;
}

/* The network's subnet and prefix as the JSON line shows them. */
static void
describe_network(xpc_object_t param, vmnet_network_ref net) API_AVAILABLE(macos(26.0))
{
	char buf[INET6_ADDRSTRLEN];
	struct in_addr subnet, mask;
	struct in6_addr prefix;
	uint8_t len = 0;

	vmnet_network_get_ipv4_subnet(net, &subnet, &mask);
	vmnet_network_get_ipv6_prefix(net, &prefix, &len);
	xpc_dictionary_set_string(param, "net_ipv4_subnet",
	                          inet_ntop(AF_INET, &subnet, buf, sizeof(buf)));
	xpc_dictionary_set_string(param, "net_ipv4_mask",
	                          inet_ntop(AF_INET, &mask, buf, sizeof(buf)));
	xpc_dictionary_set_string(param, "net_ipv6_prefix",
	                          inet_ntop(AF_INET6, &prefix, buf, sizeof(buf)));
	xpc_dictionary_set_uint64(param, "net_ipv6_prefix_len", len);
}

/* The four keys vmnet_interface_start_with_network() honours. */
static xpc_object_t
interface_desc(const struct options *o)
{
	xpc_object_t desc = xpc_dictionary_create(NULL, NULL, 0);

	if (desc)
		vmnet_if_describe_port(desc, o);
	return desc;
}

/*
 * netstart_create() - create the macOS 26 network the options describe
 *
 * Return: +1 network, or NULL with @err set
 */
vmnet_network_ref
netstart_create(const struct options *o, struct netstart_error *err)
{
	vmnet_network_configuration_ref config;
	vmnet_network_ref net;

	err->what = "vmnet_network_configuration_create";
	config = vmnet_network_configuration_create(
	    o->mode == OPTIONS_MODE_HOST ? VMNET_HOST_MODE : VMNET_SHARED_MODE, &err->status);
	if (!config)
		return NULL;
	err->status = configure(config, o, &err->what);
	if (err->status != VMNET_SUCCESS) {
		CFRelease(config);
		return NULL;
	}
	err->what = "vmnet_network_create";
	net = vmnet_network_create(config, &err->status);
	CFRelease(config);
	return net;
}

/*
 * netstart_join() - start the interface on @net (which it retains) with the
 * interface options of @o, and add the network's subnet and prefix to the
 * interface parameters
 *
 * Return: 0, or -1 with @err set (errno ETIMEDOUT: no answer in time)
 */
int
netstart_join(struct vmnet_if *vif, vmnet_network_ref net, const struct options *o,
              dispatch_queue_t queue, int timeout_sec, struct netstart_error *err)
{
	xpc_object_t desc = interface_desc(o);
	int rc;

	memset(vif, 0, sizeof(*vif));
	err->what = "vmnet_interface_start_with_network";
	rc = desc ? vmnet_if_start_on(vif, net, desc, queue, timeout_sec, &err->status) : -1;
	if (desc)
		xpc_release(desc);
	if (rc == 0)
		describe_network(vif->param, net);
	return rc;
}

/* netstart_network() on macOS 26 and later. */
static int
start_on_network(struct vmnet_if *vif, const struct options *o, dispatch_queue_t queue,
                 int timeout_sec, struct netstart_error *err) API_AVAILABLE(macos(26.0))
{
	vmnet_network_ref net = netstart_create(o, err);
	int rc;

	if (!net) {
		errno = EIO;
		return -1;
	}
	rc = netstart_join(vif, net, o, queue, timeout_sec, err);
	/* The interface holds the network from here on. */
	CFRelease(net);
	return rc;
}

/*
 * netstart_network() - create the macOS 26 network the options describe
 * and start the interface on it
 *
 * Return: 0, or -1 with @err set (errno ETIMEDOUT: no answer in time)
 */
int
netstart_network(struct vmnet_if *vif, const struct options *o, dispatch_queue_t queue,
                 int timeout_sec, struct netstart_error *err)
{
	memset(vif, 0, sizeof(*vif));
	// cppcheck-suppress unknownMacro
	if (__builtin_available(macOS 26.0, *))
		return start_on_network(vif, o, queue, timeout_sec, err);
	err->what = "the macOS 26 network API";
	err->status = VMNET_FAILURE;
	errno = ENOTSUP;
	return -1;
}

/*
 * netstart_forwards() - add the port forwards to a classic interface
 *
 * Return: 0, or -1 with @err set (errno ETIMEDOUT or EIO)
 */
int
netstart_forwards(struct vmnet_if *vif, const struct netopts *n, int timeout_sec,
                  struct netstart_error *err)
{
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block vmnet_return_t result;
	unsigned i;

	if (!done) {
		errno = ENOMEM;
		return -1;
	}
	err->what = "vmnet_interface_add_ip_port_forwarding_rule";
	for (i = 0; i < n->nforwards; i++) {
		const struct netopts_forward *f = &n->forwards[i];

		result = VMNET_FAILURE;
		err->status = vmnet_interface_add_ip_port_forwarding_rule(
		    vif->iface, f->protocol, f->host_port, f->family, &f->guest, f->guest_port,
		    ^(vmnet_return_t st) {
			    result = st;
			    dispatch_semaphore_signal(done);
		    });
		if (err->status != VMNET_SUCCESS) {
			errno = EIO;
			break;
		}
		if (dispatch_semaphore_wait(
		        done,
		        dispatch_time(DISPATCH_TIME_NOW, timeout_sec * (int64_t)NSEC_PER_SEC))) {
			errno = ETIMEDOUT;
			return -1; /* the handler may still run: keep its semaphore */
		}
		err->status = result;
		if (result != VMNET_SUCCESS) {
			errno = EIO;
			break;
		}
	}
	dispatch_release(done);
	return i == n->nforwards ? 0 : -1;
}
