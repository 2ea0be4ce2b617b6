// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_addr.c - the address, identifier and number parsers (addr.c,
 * num.c) on arbitrary strings and values.
 *
 * The first input byte picks the parser, the rest is its input. Beyond not
 * crashing, each accepted value is checked: an IPv4 address is already in
 * its canonical form (options.c copies it as is), a NAT66 prefix's
 * canonical form parses to itself, a UUID formats back to its input, a
 * number is the input's decimal value within its range, and an accepted
 * DHCP range has the documented properties.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_ipv4(const char *s)
{
	struct in_addr a;
	const char *reason = NULL;
	char back[INET_ADDRSTRLEN];

	if (addr_parse_ipv4(s, &a, &reason) < 0) {
		if (!reason)
			abort();
		return;
	}
	if (!inet_ntop(AF_INET, &a, back, sizeof(back)) || strcmp(back, s) != 0)
		abort();
}

static void
fuzz_nat66(const char *s)
{
	char out[ADDR_NAT66_STRLEN], again[ADDR_NAT66_STRLEN];
	const char *reason = NULL;
	struct in6_addr in6;

	if (addr_parse_nat66_prefix(s, out, &reason) < 0) {
		if (!reason)
			abort();
		return;
	}
	if (addr_parse_nat66_prefix(out, again, &reason) < 0 || strcmp(out, again) != 0)
		abort();
	if (inet_pton(AF_INET6, out, &in6) != 1 || in6.s6_addr[0] != 0xfd)
		abort();
	for (int i = 8; i < 16; i++) {
		if (in6.s6_addr[i])
			abort();
	}
}

static void
fuzz_uuid(const char *s)
{
	uint8_t id[16], again[16];
	char text[ADDR_UUID_LEN + 1];
	const char *reason = NULL;

	if (addr_parse_uuid(s, id, &reason) < 0) {
		if (!reason)
			abort();
		return;
	}
	addr_format_uuid(id, text);
	if (strcasecmp(text, s) != 0 || addr_parse_uuid(text, again, &reason) < 0 ||
	    memcmp(id, again, sizeof(id)) != 0)
		abort();
}

/* Input: 8 bytes min, 8 bytes max, then the text. */
static void
fuzz_num(const uint8_t *data, size_t size, const char *s)
{
	uint64_t min, max, v = 0, ref = 0;
	bool digits, overflow = false;

	if (size < 16)
		return;
	memcpy(&min, data, 8);
	memcpy(&max, data + 8, 8);
	s += 16;
	digits = *s != '\0';
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9') {
			digits = false;
			break;
		}
		if (ref > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
			overflow = true;
		ref = ref * 10 + (uint64_t)(*c - '0');
	}
	errno = 0;
	if (num_parse_u64(s, min, max, &v) == 0) {
		if (!digits || overflow || v != ref || v < min || v > max)
			abort();
	} else if (errno != (digits ? ERANGE : EINVAL) ||
	           (digits && !overflow && ref >= min && ref <= max)) {
		abort();
	}
}

/* Input: start, end and mask, 4 bytes each in network order. */
static void
fuzz_dhcp_range(const uint8_t *data, size_t size)
{
	struct in_addr start, end, mask;
	const char *reason = NULL;
	uint32_t s, e, m;

	if (size < 12)
		return;
	memcpy(&start, data, 4);
	memcpy(&end, data + 4, 4);
	memcpy(&mask, data + 8, 4);
	if (addr_check_dhcp_range(start, end, mask, &reason) < 0) {
		if (!reason)
			abort();
		return;
	}
	s = ntohl(start.s_addr);
	e = ntohl(end.s_addr);
	m = ntohl(mask.s_addr);
	if ((~m & (~m + 1)) != 0 || ~m < 3 || (s & m) != (e & m) || s >= e || (s & ~m) == 0 ||
	    (e & ~m) == ~m)
		abort();
	if (!((m & 0xff000000) == 0xff000000 && (s >> 24) == 10) &&
	    !((m & 0xfff00000) == 0xfff00000 && (s & 0xfff00000) == 0xac100000) &&
	    !((m & 0xffff0000) == 0xffff0000 && (s & 0xffff0000) == 0xc0a80000))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		fuzz_ipv4(s);
		break;
	case 1:
		fuzz_nat66(s);
		break;
	case 2:
		fuzz_uuid(s);
		break;
	case 3:
		fuzz_num(data + 1, size - 1, s);
		break;
	default:
		fuzz_dhcp_range(data + 1, size - 1);
		break;
	}
	free(s);
	return 0;
}
