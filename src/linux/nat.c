// SPDX-License-Identifier: Apache-2.0
/*
 * nat.c - a network's NAT and port-forward tables through libnftables.
 *
 * Table and bridge names are our own generated names, the external
 * interface name was checked to exist (no quote or space can be in it),
 * and addresses come from inet_ntop(), so the ruleset text contains
 * nothing a caller typed unchecked.
 */
#include "nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Run @cmds in a fresh context; errors stay in the context's buffer. */
static int
nat_run(const char *cmds)
{
	struct nft_ctx *ctx;
	int rc;

	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		errno = ENOMEM;
		return -1;
	}
	/* Buffer output and errors instead of printing them. */
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	rc = nft_run_cmd_from_buffer(ctx, cmds);
	nft_ctx_free(ctx);
	if (rc != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int
nat_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, "1\n", 2);
	close(fd);
	return n == 2 ? 0 : -1;
}

/*
 * IPv6 forwarding only for a network with IPv6 rules: it also stops the
 * namespace from accepting router advertisements on its other interfaces.
 */
static int
nat_enable_forwarding(bool ipv6)
{
	if (nat_write("/proc/sys/net/ipv4/ip_forward") < 0)
		return -1;
	/* A namespace with IPv6 disabled has no IPv6 to forward. */
	if (ipv6 && nat_write("/proc/sys/net/ipv6/conf/all/forwarding") < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* printf into the growing ruleset. Return: 0, or -1 (ENAMETOOLONG). */
static int nat_printf(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
nat_printf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	*len += (size_t)n;
	return 0;
}

/* Is traffic of @family forwarded without masquerade (a shared network with NAT off)? */
static bool
nat_routed(int family, const struct nat_conf *c)
{
	return c->routed && (family == AF_INET || c->has_prefix6);
}

/* The table of one family (AF_INET or AF_INET6) into @buf. */
static int
nat_table(char *buf, size_t size, size_t *len, int family, const char *table, const char *bridge,
          const struct nat_conf *c)
{
	const char *fam = family == AF_INET ? "ip" : "ip6";
	char net[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN];
	bool masq = family == AF_INET ? c->masquerade4 : (c->masquerade6 && c->has_prefix6);
	unsigned plen = family == AF_INET ? c->prefixlen : c->prefix6_len;
	const char *in_ext = *c->external ? "iifname" : "iifname !=";
	const char *out_ext = *c->external ? "oifname" : "oifname !=";
	const char *ext = *c->external ? c->external : bridge;
	size_t i, nrules = 0;

	for (i = 0; i < c->nrules; i++)
		nrules += c->rules[i].family == family;
	if (!masq && nrules == 0 && !nat_routed(family, c))
		return 0;
	if (family == AF_INET)
		inet_ntop(AF_INET, &c->subnet, net, sizeof(net));
	else
		inet_ntop(AF_INET6, &c->prefix6, net, sizeof(net));
	if (nat_printf(buf, size, len,
	               "table %s %s {\n"
	               " chain forward {\n"
	               "  type filter hook forward priority filter; policy accept;\n"
	               "  iifname \"%s\" accept\n"
	               "  oifname \"%s\" accept\n"
	               " }\n",
	               fam, table, bridge, bridge) < 0)
		return -1;
	if (masq && nat_printf(buf, size, len,
	                       " chain postrouting {\n"
	                       "  type nat hook postrouting priority srcnat; policy accept;\n"
	                       "  %s saddr %s/%u %s daddr != %s/%u %s \"%s\" masquerade\n"
	                       " }\n",
	                       fam, net, plen, fam, net, plen, out_ext, ext) < 0)
		return -1;
	if (nrules &&
	    nat_printf(buf, size, len,
	               " chain prerouting {\n"
	               "  type nat hook prerouting priority dstnat; policy accept;\n") < 0)
		return -1;
	for (i = 0; i < c->nrules; i++) {
		const struct vmnet_netconf_rule *r = &c->rules[i];

		if (r->family != family)
			continue;
		inet_ntop(family, &r->internal, to, sizeof(to));
		if (nat_printf(buf, size, len, "  %s \"%s\" %s dport %u dnat to %s%s%s:%u\n",
		               in_ext, ext, r->protocol == IPPROTO_TCP ? "tcp" : "udp",
		               r->external_port, family == AF_INET6 ? "[" : "", to,
		               family == AF_INET6 ? "]" : "", r->internal_port) < 0)
			return -1;
	}
	if (nrules && nat_printf(buf, size, len, " }\n") < 0)
		return -1;
	return nat_printf(buf, size, len, "}\n");
}

int
nat_add(const char *table, const char *bridge, const struct nat_conf *conf)
{
	size_t size = 4096 + 160 * conf->nrules, len = 0, len4 = 0;
	char *cmds = malloc(size);
	int rc = -1;

	if (!cmds)
		return -1;
	cmds[0] = '\0';
	if (nat_table(cmds, size, &len, AF_INET, table, bridge, conf) == 0) {
		len4 = len;
		if (nat_table(cmds, size, &len, AF_INET6, table, bridge, conf) == 0)
			rc = len ? nat_run(cmds) : 0;
	}
	free(cmds);
	if (rc < 0 || len == 0)
		return rc;
	return nat_enable_forwarding(len > len4);
}

int
nat_remove(const char *table)
{
	char cmds[256];
	int n;

	/* Adding first makes the delete succeed whether or not it existed. */
	n = snprintf(cmds, sizeof(cmds),
	             "add table ip %1$s\ndelete table ip %1$s\n"
	             "add table ip6 %1$s\ndelete table ip6 %1$s\n",
	             table);
	if (n < 0 || (size_t)n >= sizeof(cmds)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return nat_run(cmds);
}
