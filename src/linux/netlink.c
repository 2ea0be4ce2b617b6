// SPDX-License-Identifier: Apache-2.0
/*
 * netlink.c - minimal rtnetlink client for the vmnet emulation.
 *
 * Requests are built in a fixed-size buffer with nested attributes written
 * by hand; dumps are read until NLMSG_DONE. One socket per call keeps the
 * code free of shared state, so any thread may call it.
 */
#include "netlink.h"

#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NL_BUFSIZE 32768

struct nl_req {
	struct nlmsghdr *nh;
	size_t cap;
};

/* Start a request in @buf; @payload is the fixed header after nlmsghdr. */
static void
nl_req_init(struct nl_req *req, void *buf, size_t cap, uint16_t type, uint16_t flags,
            const void *payload, size_t len)
{
	memset(buf, 0, cap);
	req->nh = buf;
	req->cap = cap;
	req->nh->nlmsg_type = type;
	req->nh->nlmsg_flags = NLM_F_REQUEST | flags;
	req->nh->nlmsg_len = NLMSG_LENGTH(len);
	memcpy(NLMSG_DATA(req->nh), payload, len);
}

/* Append an attribute; returns it so nested attributes can be closed. */
static struct rtattr *
nl_attr(struct nl_req *req, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(req->nh->nlmsg_len);
	struct rtattr *rta = (struct rtattr *)((char *)req->nh + off);

	if (off + RTA_SPACE(len) > req->cap)
		abort(); /* requests are fixed and small: a bug, not input */
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	req->nh->nlmsg_len = off + RTA_SPACE(len);
	return rta;
}

static struct rtattr *
nl_nest(struct nl_req *req, uint16_t type)
{
	return nl_attr(req, type | NLA_F_NESTED, NULL, 0);
}

static void
nl_nest_end(struct nl_req *req, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)req->nh + req->nh->nlmsg_len - (char *)nest);
}

static int
nl_open(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/*
 * Send @nh and read answers, calling @cb on every data message, until the
 * ACK (requests) or NLMSG_DONE (dumps).
 * Return: 0, or -1 with errno from the kernel's error message.
 */
static int
nl_talk(struct nlmsghdr *nh, void (*cb)(struct nlmsghdr *msg, void *arg), void *arg)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char *buf;
	int fd, err = 0;
	bool done = false;

	fd = nl_open();
	if (fd < 0)
		return -1;
	buf = malloc(NL_BUFSIZE);
	if (!buf) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	nh->nlmsg_seq = 1;
	if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		goto out;
	}
	while (!done) {
		ssize_t n = recv(fd, buf, NL_BUFSIZE, 0);
		struct nlmsghdr *msg;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		for (msg = (struct nlmsghdr *)buf; NLMSG_OK(msg, (unsigned int)n);
		     msg = NLMSG_NEXT(msg, n)) {
			if (msg->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (msg->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(msg);

				err = -e->error;
				done = true;
				break;
			}
			if (cb)
				cb(msg, arg);
		}
	}
out:
	free(buf);
	close(fd);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* A growable array filled by dump callbacks. */
struct nl_vec {
	void *items;
	size_t count, cap, size;
	bool oom;
};

static void *
nl_vec_push(struct nl_vec *v)
{
	if (v->count == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 16;
		void *items = realloc(v->items, cap * v->size);

		if (!items) {
			v->oom = true;
			return NULL;
		}
		v->items = items;
		v->cap = cap;
	}
	return memset((char *)v->items + v->count++ * v->size, 0, v->size);
}

static void
nl_copy_str(char *dst, size_t size, struct rtattr *rta)
{
	size_t len = RTA_PAYLOAD(rta);

	if (len >= size)
		len = size - 1;
	memcpy(dst, RTA_DATA(rta), len);
	dst[len] = '\0';
}

/* IFLA_INFO_DATA of a tun/tap link: is it persistent? */
static void
nl_tun_info(struct netlink_link *link, struct rtattr *data)
{
	int len = (int)RTA_PAYLOAD(data);
	struct rtattr *rta;

	for (rta = RTA_DATA(data); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_TUN_PERSIST && RTA_PAYLOAD(rta) >= 1)
			link->tun_persist = *(uint8_t *)RTA_DATA(rta) != 0;
}

static void
nl_link_cb(struct nlmsghdr *msg, void *arg)
{
	struct ifinfomsg *ifi = NLMSG_DATA(msg);
	int len = (int)IFLA_PAYLOAD(msg);
	struct netlink_link *link;
	struct rtattr *rta;

	if (msg->nlmsg_type != RTM_NEWLINK)
		return;
	link = nl_vec_push(arg);
	if (!link)
		return;
	link->index = ifi->ifi_index;
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		switch (rta->rta_type) {
		case IFLA_IFNAME:
			nl_copy_str(link->name, sizeof(link->name), rta);
			break;
		case IFLA_MASTER:
			memcpy(&link->master, RTA_DATA(rta), sizeof(int));
			break;
		case IFLA_IFALIAS:
			nl_copy_str(link->alias, sizeof(link->alias), rta);
			break;
		case IFLA_CARRIER:
			link->carrier = RTA_PAYLOAD(rta) >= 1 && *(uint8_t *)RTA_DATA(rta) != 0;
			break;
		case IFLA_LINKINFO: {
			int ilen = (int)RTA_PAYLOAD(rta);
			struct rtattr *info;

			/* The kernel sends IFLA_INFO_KIND before IFLA_INFO_DATA. */
			for (info = RTA_DATA(rta); RTA_OK(info, ilen); info = RTA_NEXT(info, ilen))
				if (info->rta_type == IFLA_INFO_KIND)
					nl_copy_str(link->kind, sizeof(link->kind), info);
				else if (info->rta_type == IFLA_INFO_DATA &&
				         strcmp(link->kind, "tun") == 0)
					nl_tun_info(link, info);
			break;
		}
		default:
			break;
		}
	}
}

static void
nl_addr4_cb(struct nlmsghdr *msg, void *arg)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(msg);
	int len = (int)IFA_PAYLOAD(msg);
	struct netlink_addr4 *addr;
	struct rtattr *rta;

	if (msg->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type != IFA_LOCAL || RTA_PAYLOAD(rta) != sizeof(struct in_addr))
			continue;
		addr = nl_vec_push(arg);
		if (!addr)
			return;
		addr->index = (int)ifa->ifa_index;
		addr->prefixlen = ifa->ifa_prefixlen;
		memcpy(&addr->addr, RTA_DATA(rta), sizeof(addr->addr));
	}
}

/* Run a dump request and hand back its array. */
static int
nl_dump(struct nlmsghdr *nh, void (*cb)(struct nlmsghdr *, void *), size_t size, void **items,
        size_t *count)
{
	struct nl_vec v = {.size = size};

	if (nl_talk(nh, cb, &v) < 0 || v.oom) {
		int err = v.oom ? ENOMEM : errno;

		free(v.items);
		errno = err;
		return -1;
	}
	*items = v.items;
	*count = v.count;
	return 0;
}

int
netlink_links(struct netlink_link **links, size_t *count)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	char buf[256];
	struct nl_req req;

	nl_req_init(&req, buf, sizeof(buf), RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
	return nl_dump(req.nh, nl_link_cb, sizeof(**links), (void **)links, count);
}

int
netlink_addrs4(struct netlink_addr4 **addrs, size_t *count)
{
	struct ifaddrmsg ifa = {.ifa_family = AF_INET};
	char buf[256];
	struct nl_req req;

	nl_req_init(&req, buf, sizeof(buf), RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	return nl_dump(req.nh, nl_addr4_cb, sizeof(**addrs), (void **)addrs, count);
}

int
netlink_bridge_create(const char *name, const uint8_t mac[6], const char *alias)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	uint32_t stp = 0, delay = 0;
	struct rtattr *info, *data;
	char buf[512];
	struct nl_req req;
	int index;

	nl_req_init(&req, buf, sizeof(buf), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
	            &ifi, sizeof(ifi));
	nl_attr(&req, IFLA_IFNAME, name, strlen(name) + 1);
	nl_attr(&req, IFLA_ADDRESS, mac, 6);
	info = nl_nest(&req, IFLA_LINKINFO);
	nl_attr(&req, IFLA_INFO_KIND, "bridge", sizeof("bridge"));
	data = nl_nest(&req, IFLA_INFO_DATA);
	nl_attr(&req, IFLA_BR_STP_STATE, &stp, sizeof(stp));
	nl_attr(&req, IFLA_BR_FORWARD_DELAY, &delay, sizeof(delay));
	nl_nest_end(&req, data);
	nl_nest_end(&req, info);
	if (nl_talk(req.nh, NULL, NULL) < 0)
		return -1;

	/* The kernel applies IFLA_IFALIAS only to existing links. */
	index = (int)if_nametoindex(name);
	if (netlink_link_set_alias(index, alias) < 0) {
		int err = errno;

		netlink_link_delete(index);
		errno = err;
		return -1;
	}
	return 0;
}

int
netlink_link_set_alias(int index, const char *alias)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
	char buf[256];
	struct nl_req req;

	nl_req_init(&req, buf, sizeof(buf), RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	nl_attr(&req, IFLA_IFALIAS, alias, strlen(alias) + 1);
	return nl_talk(req.nh, NULL, NULL);
}

int
netlink_link_delete(int index)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
	char buf[128];
	struct nl_req req;

	nl_req_init(&req, buf, sizeof(buf), RTM_DELLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	return nl_talk(req.nh, NULL, NULL);
}

/* RTM_NEWLINK on an existing link: change @flags under @change, set @master. */
static int
nl_link_change(int index, unsigned int flags, unsigned int change, int master)
{
	struct ifinfomsg ifi = {
	    .ifi_family = AF_UNSPEC,
	    .ifi_index = index,
	    .ifi_flags = flags,
	    .ifi_change = change,
	};
	char buf[128];
	struct nl_req req;

	nl_req_init(&req, buf, sizeof(buf), RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (master)
		nl_attr(&req, IFLA_MASTER, &master, sizeof(master));
	return nl_talk(req.nh, NULL, NULL);
}

int
netlink_link_up(int index)
{
	return nl_link_change(index, IFF_UP, IFF_UP, 0);
}

int
netlink_link_set_master(int index, int master)
{
	return nl_link_change(index, 0, 0, master);
}

int
netlink_link_set_mtu(int index, uint32_t mtu)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
	char buf[128];
	struct nl_req req;

	nl_req_init(&req, buf, sizeof(buf), RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	nl_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
	return nl_talk(req.nh, NULL, NULL);
}

int
netlink_port_set_isolated(int index, bool isolated)
{
	struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE, .ifi_index = index};
	uint8_t on = isolated;
	struct rtattr *prot;
	char buf[128];
	struct nl_req req;

	nl_req_init(&req, buf, sizeof(buf), RTM_SETLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	prot = nl_nest(&req, IFLA_PROTINFO);
	nl_attr(&req, IFLA_BRPORT_ISOLATED, &on, sizeof(on));
	nl_nest_end(&req, prot);
	return nl_talk(req.nh, NULL, NULL);
}

int
netlink_addr_add(int index, int family, const void *addr, uint8_t prefixlen)
{
	struct ifaddrmsg ifa = {
	    .ifa_family = (uint8_t)family,
	    .ifa_prefixlen = prefixlen,
	    .ifa_index = (uint32_t)index,
	};
	size_t len = family == AF_INET6 ? sizeof(struct in6_addr) : sizeof(struct in_addr);
	uint32_t flags = IFA_F_NODAD; /* our own ULA: usable at once */
	char buf[256];
	struct nl_req req;

	nl_req_init(&req, buf, sizeof(buf), RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
	            &ifa, sizeof(ifa));
	nl_attr(&req, IFA_LOCAL, addr, len);
	nl_attr(&req, IFA_ADDRESS, addr, len);
	if (family == AF_INET6)
		nl_attr(&req, IFA_FLAGS, &flags, sizeof(flags));
	return nl_talk(req.nh, NULL, NULL);
}
