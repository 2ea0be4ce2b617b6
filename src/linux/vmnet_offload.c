// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_offload.c - virtio-net headers for vmnet's TSO and checksum
 * offload on a TAP device (see vmnet_offload.h, docs/linux-platform.md).
 *
 * Theory of operation: vmnet's caller sees plain Ethernet frames, up to
 * 64 KiB with TSO, whose checksums may be partial. The TAP wants a
 * virtio-net header in front of each frame that says so. Written frames
 * carry no such header, so it is derived from the frame's own Ethernet,
 * IP and TCP/UDP headers, and only when they describe the frame exactly:
 * the kernel would otherwise segment or checksum bytes the headers do not
 * account for. Frames read come with the kernel's header; a partial
 * checksum is completed here because vmnet's reader cannot be told it is
 * partial, and GSO frames are handed on whole.
 *
 * Checksums are RFC 1071 sums over memory in native byte order: the
 * folded sum stored back as it is has the right bytes on any host.
 */
#include "vmnet_offload.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define TCP_CSUM_OFF   16
#define UDP_CSUM_OFF   6
#define TCP_FLAG_CWR   0x80

/* Where a frame's IP and transport headers are. */
struct frame_layout {
	size_t l4;     /* transport header */
	size_t end;    /* end of the IP packet (frame length minus padding) */
	size_t l4_hdr; /* transport header length */
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, or other */
	bool ipv6;
	bool fragment;   /* IPv4 fragment: no per-frame checksum possible */
	uint64_t pseudo; /* pseudo-header sum, unfolded */
};

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Add @n bytes at @p, in memory order, to @sum. */
static uint64_t
sum_bytes(const uint8_t *p, size_t n, uint64_t sum)
{
	uint64_t w;
	uint16_t h;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		sum += (w & 0xffffffffu) + (w >> 32);
	}
	for (; n >= 2; p += 2, n -= 2) {
		memcpy(&h, p, 2);
		sum += h;
	}
	if (n) {
		uint8_t last[2] = {p[0], 0};

		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

static uint16_t
fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t
swab16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/* Sum of the pseudo header: addresses from the packet, protocol and length. */
static uint64_t
pseudo_sum(const uint8_t *ip, bool ipv6, uint8_t proto, size_t l4_len)
{
	uint64_t sum = ipv6 ? sum_bytes(ip + 8, 32, 0) : sum_bytes(ip + 12, 8, 0);

	sum += htons(proto);
	sum += htons((uint16_t)(l4_len >> 16)) + htons((uint16_t)l4_len);
	return sum;
}

static bool
layout_ipv4(const uint8_t *frame, size_t len, struct frame_layout *fl)
{
	const uint8_t *ip = frame + VMNET_OFFLOAD_ETH_HLEN;
	size_t ihl, total;

	if (len < VMNET_OFFLOAD_ETH_HLEN + 20 || ip[0] >> 4 != 4)
		return false;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total = get_be16(ip + 2);
	if (ihl < 20 || total < ihl || VMNET_OFFLOAD_ETH_HLEN + total > len)
		return false;
	/* A header the kernel would rebuild for each segment must be right. */
	if (fold(sum_bytes(ip, ihl, 0)) != 0xffff)
		return false;
	fl->l4 = VMNET_OFFLOAD_ETH_HLEN + ihl;
	fl->end = VMNET_OFFLOAD_ETH_HLEN + total;
	fl->proto = ip[9];
	fl->fragment = (get_be16(ip + 6) & 0x3fff) != 0;
	return true;
}

static bool
layout_ipv6(const uint8_t *frame, size_t len, struct frame_layout *fl)
{
	const uint8_t *ip = frame + VMNET_OFFLOAD_ETH_HLEN;

	if (len < VMNET_OFFLOAD_ETH_HLEN + 40 || ip[0] >> 4 != 6)
		return false;
	fl->l4 = VMNET_OFFLOAD_ETH_HLEN + 40;
	fl->end = fl->l4 + get_be16(ip + 4);
	if (fl->end > len)
		return false;
	fl->proto = ip[6]; /* extension headers: not offloaded */
	fl->ipv6 = true;
	return true;
}

/* Check the transport header against the IP packet. */
static bool
layout_l4(const uint8_t *frame, struct frame_layout *fl)
{
	const uint8_t *l4 = frame + fl->l4;

	if (fl->proto == IPPROTO_TCP) {
		if (fl->l4 + 20 > fl->end)
			return false;
		fl->l4_hdr = (size_t)(l4[12] >> 4) * 4;
		return fl->l4_hdr >= 20 && fl->l4 + fl->l4_hdr <= fl->end;
	}
	if (fl->proto == IPPROTO_UDP) {
		fl->l4_hdr = 8;
		return fl->l4 + 8 <= fl->end && get_be16(l4 + 4) == fl->end - fl->l4;
	}
	return true;
}

/*
 * Return: 1 for an offloadable TCP or UDP frame (layout filled), 0 for a
 * frame to send as it is, -1 for headers that contradict the frame.
 */
static int
frame_layout(const uint8_t *frame, size_t len, struct frame_layout *fl)
{
	uint16_t type = get_be16(frame + 12);

	memset(fl, 0, sizeof(*fl));
	if (type == ETHERTYPE_IPV4) {
		if (!layout_ipv4(frame, len, fl))
			return -1;
	} else if (type == ETHERTYPE_IPV6) {
		if (!layout_ipv6(frame, len, fl))
			return -1;
	} else {
		return 0;
	}
	/* A fragment's transport header, if any, describes the whole datagram. */
	if (fl->fragment)
		return 0;
	if (!layout_l4(frame, fl))
		return -1;
	if (fl->proto != IPPROTO_TCP && fl->proto != IPPROTO_UDP)
		return 0;
	fl->pseudo =
	    pseudo_sum(frame + VMNET_OFFLOAD_ETH_HLEN, fl->ipv6, fl->proto, fl->end - fl->l4);
	return 1;
}

static void
set_csum(struct vmnet_offload_tx *tx, size_t at, uint16_t csum)
{
	tx->csum_at = at;
	memcpy(tx->csum, &csum, 2);
}

/* NEEDS_CSUM from the transport header on, the field seeded with the pseudo header. */
static void
tx_partial(struct vmnet_offload_tx *tx, const struct frame_layout *fl, size_t csum_off)
{
	tx->hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	tx->hdr.csum_start = (uint16_t)fl->l4;
	tx->hdr.csum_offset = (uint16_t)csum_off;
	set_csum(tx, fl->l4 + csum_off, fold(fl->pseudo));
}

/* The whole checksum, for a frame whose padding the kernel would sum too. */
static void
tx_complete(struct vmnet_offload_tx *tx, const uint8_t *frame, const struct frame_layout *fl,
            size_t csum_off)
{
	size_t at = fl->l4 + csum_off;
	uint64_t sum = fl->pseudo;
	uint16_t csum;

	sum = sum_bytes(frame + fl->l4, csum_off, sum);
	/* csum_off is even, so the bytes after the field keep their parity. */
	sum = sum_bytes(frame + at + 2, fl->end - at - 2, sum);
	csum = (uint16_t)~fold(sum);
	set_csum(tx, at, csum ? csum : 0xffff);
}

int
vmnet_offload_tx(const uint8_t *frame, size_t len, unsigned modes, size_t mtu,
                 struct vmnet_offload_tx *tx)
{
	bool large = len > VMNET_OFFLOAD_ETH_HLEN + mtu;
	struct frame_layout fl;
	size_t csum_off;
	int kind;

	memset(tx, 0, sizeof(*tx));
	tx->hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	if (len < VMNET_OFFLOAD_ETH_HLEN)
		return -1;
	if (!large && !(modes & VMNET_OFFLOAD_CSUM))
		return 0;
	kind = frame_layout(frame, len, &fl);
	if (kind < 0)
		return -1;
	if (large) {
		/* Only TSO makes large frames, and only a whole TCP segment. */
		if (!(modes & VMNET_OFFLOAD_TSO) || kind == 0 || fl.proto != IPPROTO_TCP ||
		    fl.end != len)
			return -1;
		tx->hdr.gso_type = fl.ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		if (frame[fl.l4 + 13] & TCP_FLAG_CWR)
			tx->hdr.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		tx->hdr.hdr_len = (uint16_t)(fl.l4 + fl.l4_hdr);
		tx->hdr.gso_size = (uint16_t)(mtu - (fl.l4 - VMNET_OFFLOAD_ETH_HLEN) - fl.l4_hdr);
		tx_partial(tx, &fl, TCP_CSUM_OFF);
		return 0;
	}
	if (kind == 0)
		return 0;
	csum_off = fl.proto == IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF;
	if (fl.end == len)
		tx_partial(tx, &fl, csum_off);
	else
		tx_complete(tx, frame, &fl, csum_off);
	return 0;
}

int
vmnet_offload_iov(const struct vmnet_offload_tx *tx, const uint8_t *frame, size_t len,
                  struct iovec iov[4])
{
	int n = 0;

	iov[n++] =
	    (struct iovec){.iov_base = (void *)(uintptr_t)&tx->hdr, .iov_len = sizeof(tx->hdr)};
	if (tx->csum_at) {
		iov[n++] =
		    (struct iovec){.iov_base = (void *)(uintptr_t)frame, .iov_len = tx->csum_at};
		iov[n++] = (struct iovec){.iov_base = (void *)(uintptr_t)tx->csum,
		                          .iov_len = sizeof(tx->csum)};
		frame += tx->csum_at + sizeof(tx->csum);
		len -= tx->csum_at + sizeof(tx->csum);
	}
	iov[n++] = (struct iovec){.iov_base = (void *)(uintptr_t)frame, .iov_len = len};
	return n;
}

/* Sum bytes [from, from + n) of the frame in @iov, as if they started at an even offset. */
static uint64_t
iov_sum(const struct iovec *iov, int iovcnt, size_t from, size_t n)
{
	uint64_t sum = 0;
	size_t pos = 0; /* bytes summed so far */

	for (int i = 0; i < iovcnt && n; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t l = iov[i].iov_len, take;
		uint16_t part;

		if (from >= l) {
			from -= l;
			continue;
		}
		p += from;
		take = l - from < n ? l - from : n;
		from = 0;
		part = fold(sum_bytes(p, take, 0));
		/* A piece that starts at an odd position has its bytes swapped. */
		sum += pos & 1 ? swab16(part) : part;
		pos += take;
		n -= take;
	}
	return sum;
}

/* Store @v's two bytes at offset @at of the frame in @iov. */
static void
iov_put16(const struct iovec *iov, int iovcnt, size_t at, uint16_t v)
{
	uint8_t b[2];
	int k = 0;

	memcpy(b, &v, 2);
	for (int i = 0; i < iovcnt && k < 2; i++) {
		uint8_t *p = iov[i].iov_base;
		size_t l = iov[i].iov_len;

		while (k < 2 && at < l)
			p[at++] = b[k++];
		at = at >= l ? at - l : 0;
	}
}

int
vmnet_offload_rx(const struct virtio_net_hdr *hdr, const struct iovec *iov, int iovcnt, size_t len)
{
	size_t start = hdr->csum_start, off = hdr->csum_offset;
	uint16_t csum;

	if (!(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start >= len || off + 2 > len - start)
		return -1;
	csum = (uint16_t)~fold(iov_sum(iov, iovcnt, start, len - start));
	iov_put16(iov, iovcnt, start + off, csum ? csum : 0xffff);
	return 0;
}
