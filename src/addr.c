// SPDX-License-Identifier: Apache-2.0
/*
 * addr.c - IPv4 DHCP range, NAT66 prefix and UUID rules (see addr.h).
 *
 * vmnet decides itself whether it accepts a subnet, and a rejected or
 * conflicting subnet can leave vmnet_start_interface() hanging (see the
 * reference notes), so the helper refuses everything vmnet documents as
 * invalid before asking it.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The three private IPv4 blocks of RFC 1918, host byte order. */
static const struct {
	uint32_t net;
	uint32_t mask;
} rfc1918[] = {
    {0x0a000000, 0xff000000}, /* 10.0.0.0/8 */
    {0xac100000, 0xfff00000}, /* 172.16.0.0/12 */
    {0xc0a80000, 0xffff0000}, /* 192.168.0.0/16 */
};

/*
 * addr_parse_ipv4() - parse a dotted-quad IPv4 address, nothing else
 * Return: 0, or -1 with *reason set
 */
int
addr_parse_ipv4(const char *s, struct in_addr *out, const char **reason)
{
	/* inet_pton() takes exactly four decimal parts, unlike inet_aton(). */
	if (inet_pton(AF_INET, s, out) != 1) {
		*reason = "not an IPv4 address in dotted-quad form";
		return -1;
	}
	return 0;
}

static bool
mask_is_contiguous(uint32_t mask)
{
	return mask != 0 && (~mask & (~mask + 1)) == 0;
}

static bool
subnet_is_private(uint32_t net, uint32_t mask)
{
	for (size_t i = 0; i < sizeof(rfc1918) / sizeof(rfc1918[0]); i++) {
		if ((mask & rfc1918[i].mask) == rfc1918[i].mask &&
		    (net & rfc1918[i].mask) == rfc1918[i].net)
			return true;
	}
	return false;
}

/*
 * addr_check_dhcp_range() - check --start-address/--end-address/--subnet-mask
 *
 * The start address is the gateway (the host's address), the end address
 * the last DHCP address. Both must be host addresses of one RFC 1918
 * subnet, start before end.
 *
 * Return: 0, or -1 with *reason set
 */
int
addr_check_dhcp_range(struct in_addr start, struct in_addr end, struct in_addr mask,
                      const char **reason)
{
	uint32_t s = ntohl(start.s_addr);
	uint32_t e = ntohl(end.s_addr);
	uint32_t m = ntohl(mask.s_addr);
	uint32_t net = s & m;
	uint32_t bcast = net | ~m;

	if (!mask_is_contiguous(m)) {
		*reason = "subnet mask is not a contiguous run of leading one bits";
		return -1;
	}
	if (~m < 3) {
		*reason = "subnet too small: a /30 (255.255.255.252) is the smallest";
		return -1;
	}
	if ((e & m) != net) {
		*reason = "start and end address are not in the same subnet";
		return -1;
	}
	if (s >= e) {
		*reason = "start address must be lower than end address";
		return -1;
	}
	if (s == net || e == bcast) {
		*reason = "start and end address must not be the network or broadcast address";
		return -1;
	}
	if (!subnet_is_private(net, m)) {
		*reason =
		    "subnet is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918)";
		return -1;
	}
	return 0;
}

/*
 * addr_parse_nat66_prefix() - parse a /64 ULA prefix, "fdxx:...::[/64]"
 * @s:		user input
 * @out:	canonical form without length, as vmnet reports it
 *
 * Return: 0, or -1 with *reason set
 */
int
addr_parse_nat66_prefix(const char *s, char out[ADDR_NAT66_STRLEN], const char **reason)
{
	char addr[ADDR_NAT66_STRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	struct in6_addr in6;

	if (slash && strcmp(slash, "/64") != 0) {
		*reason = "prefix length must be 64";
		return -1;
	}
	if (len >= sizeof(addr)) {
		*reason = "not an IPv6 prefix";
		return -1;
	}
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET6, addr, &in6) != 1) {
		*reason = "not an IPv6 prefix";
		return -1;
	}
	if (in6.s6_addr[0] != 0xfd) {
		*reason = "not a unique local prefix (fd00::/8)";
		return -1;
	}
	for (int i = 8; i < 16; i++) {
		if (in6.s6_addr[i] != 0) {
			*reason = "bits after the first 64 must be zero";
			return -1;
		}
	}
	if (!inet_ntop(AF_INET6, &in6, out, ADDR_NAT66_STRLEN)) {
		*reason = "not an IPv6 prefix";
		return -1;
	}
	return 0;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * addr_parse_uuid() - parse the canonical 8-4-4-4-12 hex form, any case
 * Return: 0, or -1 with *reason set
 */
int
addr_parse_uuid(const char *s, uint8_t out[16], const char **reason)
{
	size_t n = 0;

	if (strlen(s) != ADDR_UUID_LEN) {
		*reason = "not a UUID (expected 36 characters: 8-4-4-4-12 hex digits)";
		return -1;
	}
	for (size_t i = 0; i < ADDR_UUID_LEN;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-') {
				*reason =
				    "not a UUID (dashes expected after 8, 12, 16 and 20 digits)";
				return -1;
			}
			continue;
		}
		hi = hex_value(s[i++]);
		lo = hex_value(s[i++]);
		if (hi < 0 || lo < 0) {
			*reason = "not a UUID (invalid hex digit)";
			return -1;
		}
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* addr_format_uuid() - canonical upper-case form, as vmnet prints UUIDs */
void
addr_format_uuid(const uint8_t uuid[16], char out[ADDR_UUID_LEN + 1])
{
	snprintf(out, ADDR_UUID_LEN + 1,
	         "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", uuid[0],
	         uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9],
	         uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
}
