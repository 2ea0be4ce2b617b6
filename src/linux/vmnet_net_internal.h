/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_net_internal.h - what the network files share: the namespace's
 * state directory and its lock (vmnet_net_state.c), the building blocks of
 * a network (vmnet_net.c), used by the configured networks too
 * (vmnet_net_conf.c), and the teardown (vmnet_net_sweep.c).
 */
#ifndef VMNET_NET_INTERNAL_H
#define VMNET_NET_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "netlink.h"
#include "vmnet_net.h"

#define NET_STATE_ROOT "/run/vmnet-linux"
#define NET_ALIAS      "vmnet-linux"
#define NET_PREFIX     "vmn"
#define NET_PARAM_FILE "network"
/* Default subnets, as vmnet picks them: 192.168.64.0/24 and 192.168.128.0/24. */
#define NET_SHARED_BASE 0xc0a84000u
#define NET_HOST_BASE   0xc0a88000u
#define NET_LAST_BASE   0xc0a8ff00u

/* A locked view of the namespace's networks. */
struct net_ctx {
	char dir[PATH_MAX - 32]; /* /run/vmnet-linux/<netns inode> */
	int lock_fd;
	struct netlink_link *links;
	size_t nlinks;
	pid_t dhcp; /* first process of a dnsmasq this change started, until it serves; or 0 */
};

static inline uint32_t
net_mask(unsigned int prefixlen)
{
	return prefixlen ? ~0u << (32 - prefixlen) : 0;
}

/* vmnet_net_state.c: the lock, the view of the links, the state files. */
int net_lock(struct net_ctx *ctx);
void net_unlock(struct net_ctx *ctx);
int net_refresh(struct net_ctx *ctx);
const struct netlink_link *net_find(const struct net_ctx *ctx, const char *name);
bool net_is_ours(const struct netlink_link *l);
int net_mkdir(const char *path);
void net_path(const struct net_ctx *ctx, const char *bridge, const char *file, char *buf,
              size_t size);
void net_remove_dir(const char *path);
void net_remove_if_empty(const struct net_ctx *ctx);
int net_save(const char *path, const struct vmnet_net *net);
int net_load(const char *path, struct vmnet_net *net);
int net_save_id(const struct net_ctx *ctx, const struct vmnet_net *net);
int net_load_all(const struct net_ctx *ctx, const char *bridge, struct vmnet_net *net);

/* vmnet_net.c: pieces of a network. */
bool net_subnet_used(const struct netlink_addr4 *addrs, size_t n, uint32_t subnet,
                     uint8_t prefixlen, int skip);
int net_random_ula(struct in6_addr *prefix);
int net_new_bridge(struct net_ctx *ctx, const char *bridge);
int net_abandon(struct net_ctx *ctx, const char *bridge, int index);
int net_dhcp_ready(struct net_ctx *ctx);
int net_add_port(int tap_index, int bridge_index, bool isolated);

/* vmnet_net_sweep.c: teardown. */
int net_sweep(struct net_ctx *ctx, int tap_index);
int net_teardown(const struct net_ctx *ctx, const char *bridge, int index);
void net_undo(struct net_ctx *ctx);

#endif /* VMNET_NET_INTERNAL_H */
