/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netopts.h - the network options of vmnet-helper (--mtu, --disable-dhcp,
 * --port-forward, --network-id, ...): their values, parsing, the rules
 * between them, and which vmnet API serves them.
 *
 * options.c calls netopts_set() for each of these options and
 * netopts_check() after the command line; the helper asks netopts_plan()
 * at run time, before anything is created, whether the running macOS can
 * honour them and through which API.
 */
#ifndef NETOPTS_H
#define NETOPTS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NETOPTS_MAX_RESERVATIONS 32
#define NETOPTS_MAX_FORWARDS     32
#define NETOPTS_MTU_MIN          576
#define NETOPTS_MTU_MAX          9000
#define NETOPTS_ERROR_MAX        256

struct netopts_reservation {
	uint8_t mac[6];
	struct in_addr addr;
};

struct netopts_forward {
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family;   /* AF_INET or AF_INET6, of the guest address */
	uint16_t host_port;
	uint16_t guest_port;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} guest;
};

struct netopts {
	bool has_mtu;
	uint32_t mtu;
	bool has_ipv6_prefix;
	struct in6_addr ipv6_prefix;
	uint8_t ipv6_prefix_len;
	bool disable_dhcp, disable_dns_proxy, disable_nat44, disable_nat66, disable_ra;
	const char *external_interface;
	unsigned nreservations;
	struct netopts_reservation reservations[NETOPTS_MAX_RESERVATIONS];
	unsigned nforwards;
	struct netopts_forward forwards[NETOPTS_MAX_FORWARDS];
	bool has_network_id;
	uint8_t network_id[16];
	bool has_host_ip;
	struct in_addr host_ip;
	bool has_host_mask;
	struct in_addr host_mask;
	bool has_host_ipv6;
	struct in6_addr host_ipv6;
	/* Set by netopts_check(): an option only the classic interface honours. */
	bool needs_classic;
};

/* The rest of the command line that the network options depend on. */
struct netopts_context {
	bool shared, host, bridged; /* the operation mode */
	bool has_dhcp_range;        /* --start-address, --end-address, --subnet-mask */
	struct in_addr start, end, mask;
	bool has_nat66_prefix;
	bool has_interface_id;
};

/* Which vmnet API starts the interface. */
enum netopts_api {
	NETOPTS_API_CLASSIC, /* vmnet_start_interface, port forwards after start */
	NETOPTS_API_NETWORK, /* macOS 26: configuration, network, start with it */
};

int netopts_set(struct netopts *n, const char *name, const char *value, const char **reason);
bool netopts_is_repeatable(const char *name);
int netopts_check(struct netopts *n, const struct netopts_context *ctx,
                  char error[NETOPTS_ERROR_MAX]);
int netopts_plan(const struct netopts *n, bool have_network_api, enum netopts_api *api,
                 char error[NETOPTS_ERROR_MAX]);
bool netopts_have_network_api(void);
bool netopts_whole_subnet(struct in_addr start, struct in_addr end, struct in_addr mask);

#ifdef __cplusplus
}
#endif

#endif /* NETOPTS_H */
