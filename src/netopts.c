// SPDX-License-Identifier: Apache-2.0
/*
 * netopts.c - parse and check the network options (see netopts.h).
 *
 * Values are checked as strictly as the address options: vmnet refuses
 * some of them late (at network creation, or by never completing a start),
 * so everything it documents as invalid is refused here first, naming the
 * option. Port forwards and reservations with an IPv4 address need the
 * subnet given (--start-address, --end-address, --subnet-mask), because
 * the default one is known only once the network exists.
 *
 * API choice: --ipv6-prefix, the --disable-* options, --external-interface
 * and --dhcp-reservation exist only in the macOS 26 network API; --mtu and
 * --port-forward use it where it exists and the classic interface
 * otherwise (vmnet_mtu_key in the description, the port-forwarding calls
 * of macOS 11), and also on macOS 26 when an option only the classic
 * interface honours is given (--interface-id, a DHCP range that is not a
 * whole subnet); --network-id and the host address options exist only in
 * the classic description (macOS 11), so they cannot be combined with the
 * 26-only ones.
 */
#include "netopts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "num.h"
#include "os_version.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The options only the macOS 26 network API offers, in --help order. */
static const char *const network_api_only[] = {
    "ipv6-prefix",        "disable-dhcp",     "disable-dns-proxy",
    "disable-nat44",      "disable-nat66",    "disable-router-advertisement",
    "external-interface", "dhcp-reservation",
};

static bool
needs_network_api(const struct netopts *n, const char **first)
{
	const bool given[] = {
	    n->has_ipv6_prefix,
	    n->disable_dhcp,
	    n->disable_dns_proxy,
	    n->disable_nat44,
	    n->disable_nat66,
	    n->disable_ra,
	    n->external_interface != NULL,
	    n->nreservations > 0,
	};

	_Static_assert(ARRAY_SIZE(given) == ARRAY_SIZE(network_api_only), "one flag per option");
	for (size_t i = 0; i < ARRAY_SIZE(given); i++) {
		if (given[i]) {
			*first = network_api_only[i];
			return true;
		}
	}
	return false;
}

static int
parse_mtu(struct netopts *n, const char *value, const char **reason)
{
	uint64_t mtu;

	if (num_parse_u64(value, NETOPTS_MTU_MIN, NETOPTS_MTU_MAX, &mtu) < 0) {
		*reason = "expected a decimal number from 576 to 9000";
		return -1;
	}
	n->has_mtu = true;
	n->mtu = (uint32_t)mtu;
	return 0;
}

static int
parse_ipv6_prefix(struct netopts *n, const char *value, const char **reason)
{
	const char *slash = strchr(value, '/');
	char addr[INET6_ADDRSTRLEN];
	uint64_t len;
	unsigned i;

	if (!slash || (size_t)(slash - value) >= sizeof(addr)) {
		*reason = "expected PREFIX/LEN, e.g. fd12:3456:789a:1::/64";
		return -1;
	}
	memcpy(addr, value, (size_t)(slash - value));
	addr[slash - value] = '\0';
	if (inet_pton(AF_INET6, addr, &n->ipv6_prefix) != 1) {
		*reason = "not an IPv6 address before the '/'";
		return -1;
	}
	if (num_parse_u64(slash + 1, 8, 64, &len) < 0) {
		*reason = "prefix length must be 8 to 64";
		return -1;
	}
	if (n->ipv6_prefix.s6_addr[0] != 0xfd) {
		*reason = "not a unique local prefix (fd00::/8)";
		return -1;
	}
	for (i = (unsigned)len; i < 128; i++) {
		if (n->ipv6_prefix.s6_addr[i / 8] & (0x80 >> (i % 8))) {
			*reason = "bits set after the prefix length";
			return -1;
		}
	}
	n->has_ipv6_prefix = true;
	n->ipv6_prefix_len = (uint8_t)len;
	return 0;
}

static int
parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	unsigned v[6];
	char buf[18], tail;

	if (len != 17)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	           &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int
parse_reservation(struct netopts *n, const char *value, const char **reason)
{
	const char *eq = strchr(value, '=');
	struct netopts_reservation r;

	if (!eq || parse_mac(value, (size_t)(eq - value), r.mac) < 0) {
		*reason = "expected MAC=IPV4, e.g. 52:54:00:12:34:56=192.168.64.10";
		return -1;
	}
	if ((r.mac[0] & 1) || !(r.mac[0] | r.mac[1] | r.mac[2] | r.mac[3] | r.mac[4] | r.mac[5])) {
		*reason = "not a unicast MAC address";
		return -1;
	}
	if (addr_parse_ipv4(eq + 1, &r.addr, reason) < 0)
		return -1;
	for (unsigned i = 0; i < n->nreservations; i++) {
		if (memcmp(n->reservations[i].mac, r.mac, 6) == 0) {
			*reason = "this MAC address already has a reservation";
			return -1;
		}
		if (n->reservations[i].addr.s_addr == r.addr.s_addr) {
			*reason = "this address is already reserved";
			return -1;
		}
	}
	if (n->nreservations == NETOPTS_MAX_RESERVATIONS) {
		*reason = "too many reservations (at most 32)";
		return -1;
	}
	n->reservations[n->nreservations++] = r;
	return 0;
}

/*
 * Split off the next field of a port forward: an address in brackets or
 * up to the next ':'. Return: the field's end (its ':' or NUL), or NULL.
 */
static const char *
next_field(const char *s, char *out, size_t size, bool *bracketed)
{
	const char *end;
	size_t len;

	*bracketed = *s == '[';
	if (*bracketed) {
		end = strchr(s, ']');
		if (!end || (end[1] != ':' && end[1] != '\0'))
			return NULL;
		s++;
		len = (size_t)(end - s);
		end++;
	} else {
		end = strchr(s, ':');
		if (!end)
			end = s + strlen(s);
		len = (size_t)(end - s);
	}
	if (len == 0 || len >= size)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return end;
}

static int
parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (num_parse_u64(s, 1, 65535, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int
parse_forward(struct netopts *n, const char *value, const char **reason)
{
	char f[5][INET6_ADDRSTRLEN];
	bool br[5];
	const char *p = value;
	struct netopts_forward fw = {0};
	struct in6_addr host6;
	struct in_addr host4;
	int nf = 0, h;

	while (nf < 5) {
		p = next_field(p, f[nf], sizeof(f[nf]), &br[nf]);
		if (!p)
			break;
		nf++;
		if (*p == '\0')
			break;
		p++;
	}
	if (!p || *p != '\0' || (nf != 4 && nf != 5)) {
		*reason = "expected PROTO:[HOSTADDR:]HOSTPORT:GUESTADDR:GUESTPORT";
		return -1;
	}
	if (strcmp(f[0], "tcp") == 0) {
		fw.protocol = IPPROTO_TCP;
	} else if (strcmp(f[0], "udp") == 0) {
		fw.protocol = IPPROTO_UDP;
	} else {
		*reason = "protocol must be tcp or udp";
		return -1;
	}
	h = nf == 5 ? 2 : 1;
	if (parse_port(f[h], &fw.host_port) < 0 || parse_port(f[h + 2], &fw.guest_port) < 0) {
		*reason = "ports must be 1 to 65535";
		return -1;
	}
	if (!br[h + 1] && inet_pton(AF_INET, f[h + 1], &fw.guest.v4) == 1) {
		fw.family = AF_INET;
	} else if (br[h + 1] && inet_pton(AF_INET6, f[h + 1], &fw.guest.v6) == 1) {
		fw.family = AF_INET6;
		if (IN6_IS_ADDR_UNSPECIFIED(&fw.guest.v6) || IN6_IS_ADDR_MULTICAST(&fw.guest.v6) ||
		    IN6_IS_ADDR_LOOPBACK(&fw.guest.v6)) {
			*reason = "the guest address is not a unicast address";
			return -1;
		}
	} else {
		*reason = "guest address: an IPv4 address, or an IPv6 address in brackets";
		return -1;
	}
	/* vmnet forwards from every host address: only "any" can be named. */
	if (nf == 5) {
		bool any4 = !br[1] && inet_pton(AF_INET, f[1], &host4) == 1 && host4.s_addr == 0;
		bool any6 = br[1] && inet_pton(AF_INET6, f[1], &host6) == 1 &&
		            IN6_IS_ADDR_UNSPECIFIED(&host6);

		if (!(fw.family == AF_INET ? any4 : any6)) {
			*reason = "vmnet forwards from every host address: HOSTADDR can only be "
			          "0.0.0.0 (IPv4 guest) or [::] (IPv6 guest)";
			return -1;
		}
	}
	for (unsigned i = 0; i < n->nforwards; i++) {
		const struct netopts_forward *o = &n->forwards[i];

		if (o->protocol == fw.protocol && o->family == fw.family &&
		    o->host_port == fw.host_port) {
			*reason = "this host port is already forwarded";
			return -1;
		}
	}
	if (n->nforwards == NETOPTS_MAX_FORWARDS) {
		*reason = "too many port forwards (at most 32)";
		return -1;
	}
	n->forwards[n->nforwards++] = fw;
	return 0;
}

/* 0.0.0.0/8, loopback, link-local, multicast and above. */
static bool
ipv4_reserved(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return (h >> 24) == 0 || (h >> 24) == 127 || (h >> 16) == 0xa9fe || (h >> 28) >= 14;
}

static int
parse_host_ip(struct netopts *n, const char *value, const char **reason)
{
	if (addr_parse_ipv4(value, &n->host_ip, reason) < 0)
		return -1;
	if (ipv4_reserved(n->host_ip)) {
		*reason = "a reserved address (0/8, loopback, link-local, multicast or above)";
		return -1;
	}
	n->has_host_ip = true;
	return 0;
}

static int
parse_host_mask(struct netopts *n, const char *value, const char **reason)
{
	uint32_t m;

	if (addr_parse_ipv4(value, &n->host_mask, reason) < 0)
		return -1;
	m = ntohl(n->host_mask.s_addr);
	if (m == 0 || (~m & (~m + 1)) != 0 || ~m < 3) {
		*reason = "not a contiguous mask of /1 to /30";
		return -1;
	}
	n->has_host_mask = true;
	return 0;
}

static int
parse_host_ipv6(struct netopts *n, const char *value, const char **reason)
{
	if (inet_pton(AF_INET6, value, &n->host_ipv6) != 1) {
		*reason = "not an IPv6 address";
		return -1;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&n->host_ipv6) || IN6_IS_ADDR_MULTICAST(&n->host_ipv6) ||
	    IN6_IS_ADDR_LOOPBACK(&n->host_ipv6) || IN6_IS_ADDR_LINKLOCAL(&n->host_ipv6)) {
		*reason = "not a global or unique local unicast address";
		return -1;
	}
	n->has_host_ipv6 = true;
	return 0;
}

/*
 * netopts_set() - apply one network option
 * @name:	long option name without "--"
 * @value:	its argument, NULL for a flag
 *
 * Return: 0, or -1 with *reason set
 */
int
netopts_set(struct netopts *n, const char *name, const char *value, const char **reason)
{
	if (strcmp(name, "mtu") == 0)
		return parse_mtu(n, value, reason);
	if (strcmp(name, "ipv6-prefix") == 0)
		return parse_ipv6_prefix(n, value, reason);
	if (strcmp(name, "disable-dhcp") == 0)
		return n->disable_dhcp = true, 0;
	if (strcmp(name, "disable-dns-proxy") == 0)
		return n->disable_dns_proxy = true, 0;
	if (strcmp(name, "disable-nat44") == 0)
		return n->disable_nat44 = true, 0;
	if (strcmp(name, "disable-nat66") == 0)
		return n->disable_nat66 = true, 0;
	if (strcmp(name, "disable-router-advertisement") == 0)
		return n->disable_ra = true, 0;
	if (strcmp(name, "external-interface") == 0) {
		if (!*value || strlen(value) >= 16 ||
		    strspn(value,
		           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		        strlen(value)) {
			*reason = "not an interface name (1-15 letters, digits, '.', '_', '-')";
			return -1;
		}
		n->external_interface = value;
		return 0;
	}
	if (strcmp(name, "dhcp-reservation") == 0)
		return parse_reservation(n, value, reason);
	if (strcmp(name, "port-forward") == 0)
		return parse_forward(n, value, reason);
	if (strcmp(name, "network-id") == 0) {
		n->has_network_id = true;
		return addr_parse_uuid(value, n->network_id, reason);
	}
	if (strcmp(name, "host-ip-address") == 0)
		return parse_host_ip(n, value, reason);
	if (strcmp(name, "host-subnet-mask") == 0)
		return parse_host_mask(n, value, reason);
	if (strcmp(name, "host-ipv6-address") == 0)
		return parse_host_ipv6(n, value, reason);
	*reason = "not a network option";
	return -1;
}

/* Return: whether option @name may be given more than once */
bool
netopts_is_repeatable(const char *name)
{
	return strcmp(name, "dhcp-reservation") == 0 || strcmp(name, "port-forward") == 0;
}

/* Is @a a node address of start/mask's subnet, not network, gateway or broadcast? */
static bool
in_subnet(struct in_addr a, const struct netopts_context *c)
{
	uint32_t m = ntohl(c->mask.s_addr), net = ntohl(c->start.s_addr) & m, h = ntohl(a.s_addr);

	return (h & m) == net && h != net && h != (net | ~m) && a.s_addr != c->start.s_addr;
}

/*
 * netopts_whole_subnet() - whether a DHCP range is what a macOS 26 network
 * takes: a 26 network's gateway is its subnet's first address, and DHCP
 * serves the rest
 */
bool
netopts_whole_subnet(struct in_addr start, struct in_addr end, struct in_addr mask)
{
	uint32_t m = ntohl(mask.s_addr), net = ntohl(start.s_addr) & m;

	return ntohl(start.s_addr) == net + 1 && ntohl(end.s_addr) == (net | ~m) - 1;
}

/* No DHCP range, or one the macOS 26 network API can express. */
static bool
range_is_whole(const struct netopts_context *c)
{
	return !c->has_dhcp_range || netopts_whole_subnet(c->start, c->end, c->mask);
}

#define FAIL(...) (snprintf(error, NETOPTS_ERROR_MAX, __VA_ARGS__), -1)

/* The rules of the macOS 26 options, given one of them (@first). */
static int
check_network_api(const struct netopts *n, const struct netopts_context *c, const char *first,
                  char *error)
{
	if (c->bridged)
		return FAIL("--%s: not valid in bridged mode", first);
	if (n->has_network_id)
		return FAIL("--network-id and --%s: cannot be used together (the macOS 26 network "
		            "API has no network identifier)",
		            first);
	if (c->has_interface_id)
		return FAIL("--interface-id and --%s: cannot be used together (the macOS 26 "
		            "network API ignores the interface identifier)",
		            first);
	if (!range_is_whole(c))
		return FAIL("--start-address, --end-address with --%s: the macOS 26 network API "
		            "takes a whole subnet: the start address must be its first host "
		            "address and the end address its last",
		            first);
	if (n->has_ipv6_prefix && c->has_nat66_prefix)
		return FAIL("--ipv6-prefix and --nat66-prefix: cannot be used together");
	if (!c->shared && (n->disable_nat44 || n->disable_nat66 || n->external_interface))
		return FAIL("--%s: only valid in shared mode", n->disable_nat44 ? "disable-nat44"
		                                               : n->disable_nat66
		                                                   ? "disable-nat66"
		                                                   : "external-interface");
	if (n->nreservations && n->disable_dhcp)
		return FAIL("--dhcp-reservation and --disable-dhcp: cannot be used together");
	return 0;
}

/*
 * netopts_check() - the rules between the network options and the rest
 * Return: 0, or -1 with a one-line message in @error
 */
int
netopts_check(struct netopts *n, const struct netopts_context *c, char error[NETOPTS_ERROR_MAX])
{
	const char *first;
	unsigned i;

	n->needs_classic = c->has_interface_id || n->has_network_id || !range_is_whole(c);
	if (n->has_mtu && c->bridged)
		return FAIL("--mtu: not valid in bridged mode");

	if (needs_network_api(n, &first) && check_network_api(n, c, first, error) < 0)
		return -1;
	if (n->nreservations && !c->has_dhcp_range)
		return FAIL("--dhcp-reservation: needs --start-address, --end-address and "
		            "--subnet-mask (the subnet must be known)");
	for (i = 0; i < n->nreservations; i++) {
		char a[INET_ADDRSTRLEN];

		if (!in_subnet(n->reservations[i].addr, c))
			return FAIL("--dhcp-reservation: %s is not a client address of the subnet",
			            inet_ntop(AF_INET, &n->reservations[i].addr, a, sizeof(a)));
	}
	if (n->nforwards && !c->shared)
		return FAIL("--port-forward: only valid in shared mode");
	for (i = 0; i < n->nforwards; i++) {
		char a[INET_ADDRSTRLEN];

		if (n->forwards[i].family != AF_INET)
			continue;
		if (!c->has_dhcp_range)
			return FAIL("--port-forward: an IPv4 guest address needs --start-address, "
			            "--end-address and --subnet-mask (the subnet must be known)");
		if (!in_subnet(n->forwards[i].guest.v4, c))
			return FAIL("--port-forward: %s is not a client address of the subnet",
			            inet_ntop(AF_INET, &n->forwards[i].guest.v4, a, sizeof(a)));
	}
	if (n->has_network_id && !c->host)
		return FAIL("--network-id: only valid in host mode");
	if (n->has_network_id && c->has_dhcp_range)
		return FAIL(
		    "--network-id: a network by identifier has no DHCP: cannot be used with "
		    "--start-address, --end-address, --subnet-mask");
	if ((n->has_host_ip || n->has_host_mask || n->has_host_ipv6) && !n->has_network_id)
		return FAIL("--host-ip-address, --host-subnet-mask, --host-ipv6-address: need "
		            "--network-id");
	if (n->has_host_ip != n->has_host_mask)
		return FAIL("--host-ip-address and --host-subnet-mask: give both or neither");
	if (n->has_host_ip) {
		uint32_t a = ntohl(n->host_ip.s_addr), m = ntohl(n->host_mask.s_addr);

		if ((a & ~m) == 0 || (a & ~m) == ~m)
			return FAIL("--host-ip-address: the network or broadcast address of "
			            "--host-subnet-mask's subnet");
	}
	return 0;
}

/*
 * netopts_plan() - the API that serves the options on this macOS
 * @have_network_api:	netopts_have_network_api()
 *
 * Return: 0, or -1 with "--OPTION needs macOS 26" in @error
 */
int
netopts_plan(const struct netopts *n, bool have_network_api, enum netopts_api *api,
             char error[NETOPTS_ERROR_MAX])
{
	const char *first;
	bool needs = needs_network_api(n, &first);

	if (needs && !have_network_api)
		return FAIL("--%s needs macOS 26", first);
	*api = needs || ((n->nforwards || n->has_mtu) && have_network_api && !n->needs_classic)
	           ? NETOPTS_API_NETWORK
	           : NETOPTS_API_CLASSIC;
	return 0;
}

#undef FAIL

/*
 * netopts_have_network_api() - whether the macOS 26 network API is there
 *
 * On macOS the availability check decides and the version agrees; on
 * Linux the check is always true and the version the platform stands in
 * for decides (os_version_current()).
 */
bool
netopts_have_network_api(void)
{
	// cppcheck-suppress unknownMacro
	if (__builtin_available(macOS 26.0, *))
		return os_version_current() >= 26;
	return false;
}
