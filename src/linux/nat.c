// SPDX-License-Identifier: Apache-2.0
/*
 * nat.c - shared-mode NAT tables through libnftables.
 *
 * The bridge name is one of our own generated names and the subnet comes
 * from inet_ntop(), so the ruleset text contains nothing a caller typed.
 */
#include "nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdio.h>
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
nat_enable_forwarding(void)
{
	int fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, "1\n", 2);
	close(fd);
	return n == 2 ? 0 : -1;
}

int
nat_add(const char *bridge, struct in_addr subnet, uint8_t prefixlen)
{
	char net[INET_ADDRSTRLEN], cmds[1024];
	int n;

	if (!inet_ntop(AF_INET, &subnet, net, sizeof(net)))
		return -1;
	n = snprintf(cmds, sizeof(cmds),
	             "table ip %1$s {\n"
	             " chain postrouting {\n"
	             "  type nat hook postrouting priority srcnat; policy accept;\n"
	             "  ip saddr %2$s/%3$u ip daddr != %2$s/%3$u oifname != \"%1$s\" masquerade\n"
	             " }\n"
	             " chain forward {\n"
	             "  type filter hook forward priority filter; policy accept;\n"
	             "  iifname \"%1$s\" accept\n"
	             "  oifname \"%1$s\" accept\n"
	             " }\n"
	             "}\n",
	             bridge, net, prefixlen);
	if (n < 0 || (size_t)n >= sizeof(cmds)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (nat_run(cmds) < 0)
		return -1;
	return nat_enable_forwarding();
}

int
nat_remove(const char *bridge)
{
	char cmds[128];
	int n;

	/* Adding first makes the delete succeed whether or not it existed. */
	n = snprintf(cmds, sizeof(cmds), "add table ip %1$s\ndelete table ip %1$s\n", bridge);
	if (n < 0 || (size_t)n >= sizeof(cmds)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return nat_run(cmds);
}
