/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp.h - DHCP (and, in shared mode, DNS) for a host or shared network,
 * served by dnsmasq.
 *
 * dnsmasq binds only to the network's bridge and keeps its pid file, lease
 * file and log in the network's state directory. It runs as a daemon, not
 * as our child, so it outlives a killed process until the network is
 * reclaimed.
 */
#ifndef DHCP_H
#define DHCP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What dnsmasq serves on one network. */
struct dhcp_conf {
	bool dhcp;            /* lease first..last */
	struct in_addr first; /* first address to lease */
	struct in_addr last;  /* last address to lease */
	struct in_addr mask;  /* subnet mask */
	bool dns;             /* forward DNS on the bridge's addresses */
	bool ra;              /* router advertisements for the bridge's IPv6 prefix */
	size_t nfixed;        /* fixed leases: MAC -> address */
	const uint8_t (*fixed_mac)[6];
	const struct in_addr *fixed_addr;
};

/*
 * dhcp_start() - start dnsmasq for a network
 * @dir:	the network's state directory
 * @bridge:	bridge to serve
 * @conf:	what to serve; with nothing to serve, nothing is started
 *
 * Return: 0 once dnsmasq has written its pid file and serves, or -1 with
 * errno (EIO when dnsmasq reported a start-up error).
 */
int dhcp_start(const char *dir, const char *bridge, const struct dhcp_conf *conf);

/*
 * dhcp_spawn() - the first half of dhcp_start(): start dnsmasq and return
 * without waiting for it
 *
 * Return: the pid of dnsmasq's first process, a child of the caller that
 * exits once the daemon serves or failed (dhcp_wait() reaps it); 0 when
 * there is nothing to serve; or -1 with errno.
 */
pid_t dhcp_spawn(const char *dir, const char *bridge, const struct dhcp_conf *conf);

/*
 * dhcp_wait() - the second half of dhcp_start(): wait for the first
 * process @pid of dhcp_spawn() and reap it
 *
 * Return: 0 once dnsmasq has written its pid file and serves, or -1 with
 * errno (EIO when dnsmasq reported a start-up error).
 */
int dhcp_wait(pid_t pid);

/*
 * dhcp_stop() - stop the dnsmasq started by dhcp_start() for @bridge in
 * @dir, if it still runs, and wait until it is gone
 *
 * The pid file is trusted only if that process is dnsmasq serving @bridge
 * in the current network namespace.
 *
 * Return: 0 (also when nothing was running), or -1 with errno.
 */
int dhcp_stop(const char *dir, const char *bridge);

/*
 * dhcp_may_run() - whether the dnsmasq of the network in @dir may still
 * run, in any namespace: its pid file names a live process, or cannot be
 * read for another reason than its absence
 */
bool dhcp_may_run(const char *dir);

#endif /* DHCP_H */
