// SPDX-License-Identifier: Apache-2.0
/*
 * test_vmnet_offload.c - virtio-net headers for vmnet's TSO and checksum
 * offload: built for frames written, consumed for frames read, and
 * refused for frames whose headers do not describe them.
 *
 * Checksums are checked with a byte-by-byte RFC 1071 sum written here,
 * independent of the module's word-at-a-time one.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/linux/vmnet_offload.h"

#define FRAME_MAX 65550

static uint8_t frame[FRAME_MAX];

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Big-endian ones' complement sum of @n bytes, not folded. */
static uint32_t
naive_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i++)
		sum += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	return sum;
}

static unsigned
naive_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Pseudo-header sum of the IP packet at frame + 14 with its transport at @l4. */
static uint32_t
naive_pseudo(bool v6, size_t l4, size_t end, uint8_t proto)
{
	const uint8_t *ip = frame + 14;
	uint32_t sum = v6 ? naive_sum(ip + 8, 32, 0) : naive_sum(ip + 12, 8, 0);

	return sum + proto + (uint32_t)(end - l4);
}

/* Does the transport checksum of the packet verify, with @csum at @at? */
static bool
l4_verifies(bool v6, size_t l4, size_t end, uint8_t proto, size_t at, const uint8_t csum[2])
{
	uint8_t saved[2] = {frame[at], frame[at + 1]};
	bool ok;

	frame[at] = csum[0];
	frame[at + 1] = csum[1];
	ok =
	    naive_fold(naive_sum(frame + l4, end - l4, naive_pseudo(v6, l4, end, proto))) == 0xffff;
	frame[at] = saved[0];
	frame[at + 1] = saved[1];
	return ok;
}

static void
eth(unsigned type)
{
	memset(frame, 0xaa, 12);
	put16(frame + 12, type);
}

/* IPv4 header of @ihl bytes (options if > 20) at frame + 14; returns the transport offset. */
static size_t
ipv4(size_t ihl, size_t total, uint8_t proto)
{
	uint8_t *ip = frame + 14;

	eth(0x0800);
	memset(ip, 0, ihl);
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	put16(ip + 2, (unsigned)total);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, (uint8_t[]){192, 168, 105, 50, 192, 168, 105, 1}, 8);
	for (size_t i = 20; i < ihl; i++)
		ip[i] = 1; /* NOP options */
	put16(ip + 10, ~naive_fold(naive_sum(ip, ihl, 0)) & 0xffff);
	return 14 + ihl;
}

static size_t
ipv6(size_t payload, uint8_t next)
{
	uint8_t *ip = frame + 14;

	eth(0x86dd);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (unsigned)payload);
	ip[6] = next;
	ip[7] = 64;
	ip[8] = 0xfd;
	ip[23] = 0x50;
	ip[24] = 0xfd;
	ip[39] = 0x01;
	return 54;
}

/* TCP header of @doff bytes (options if > 20) at @l4, then @payload bytes. */
static void
tcp(size_t l4, size_t doff, size_t payload, uint8_t flags)
{
	uint8_t *t = frame + l4;

	memset(t, 0, doff);
	put16(t, 5201);
	put16(t + 2, 40000);
	t[12] = (uint8_t)(doff / 4 << 4);
	t[13] = flags;
	put16(t + 16, 0x1234); /* whatever the guest left there */
	for (size_t i = 20; i < doff; i++)
		t[i] = 1;
	for (size_t i = 0; i < payload; i++)
		t[doff + i] = (uint8_t)(i * 7 + 3);
}

static void
udp(size_t l4, size_t payload)
{
	uint8_t *u = frame + l4;

	put16(u, 53);
	put16(u + 2, 4000);
	put16(u + 4, (unsigned)(8 + payload));
	put16(u + 6, 0);
	for (size_t i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)(i ^ 0x5a);
}

/* An IPv4 TCP segment, IP and TCP options included, of @payload bytes. */
static size_t
ipv4_tcp(size_t payload, uint8_t flags)
{
	size_t l4 = ipv4(24, 24 + 32 + payload, IPPROTO_TCP);

	tcp(l4, 32, payload, flags);
	return l4 + 32 + payload;
}

static void
assert_seeded(const struct vmnet_offload_tx *tx, bool v6, size_t l4, size_t end, uint8_t proto,
              size_t off)
{
	unsigned seed = naive_fold(naive_pseudo(v6, l4, end, proto));

	assert_int_equal(tx->hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(tx->hdr.csum_start, l4);
	assert_int_equal(tx->hdr.csum_offset, off);
	assert_int_equal(tx->csum_at, l4 + off);
	assert_int_equal(get16(tx->csum), seed);
}

static void
test_tso_ipv4_tcp_options(void **state)
{
	struct vmnet_offload_tx tx;
	size_t len = ipv4_tcp(60000, 0x10);

	(void)state;
	assert_int_equal(
	    vmnet_offload_tx(frame, len, VMNET_OFFLOAD_TSO | VMNET_OFFLOAD_CSUM, 1500, &tx), 0);
	assert_int_equal(tx.hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(tx.hdr.gso_size, 1500 - 24 - 32);
	assert_int_equal(tx.hdr.hdr_len, 14 + 24 + 32);
	assert_seeded(&tx, false, 38, len, IPPROTO_TCP, 16);
	/* TSO alone builds the same header: segments need their checksums. */
	assert_int_equal(vmnet_offload_tx(frame, len, VMNET_OFFLOAD_TSO, 1500, &tx), 0);
	assert_int_equal(tx.hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_seeded(&tx, false, 38, len, IPPROTO_TCP, 16);
}

static void
test_tso_ipv6_tcp_ecn(void **state)
{
	struct vmnet_offload_tx tx;
	size_t l4 = ipv6(20 + 30000, IPPROTO_TCP), len = l4 + 20 + 30000;

	(void)state;
	tcp(l4, 20, 30000, 0x80 | 0x10); /* CWR */
	assert_int_equal(vmnet_offload_tx(frame, len, VMNET_OFFLOAD_TSO, 1500, &tx), 0);
	assert_int_equal(tx.hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN);
	assert_int_equal(tx.hdr.gso_size, 1500 - 40 - 20);
	assert_int_equal(tx.hdr.hdr_len, 54 + 20);
	assert_seeded(&tx, true, l4, len, IPPROTO_TCP, 16);
}

static void
test_csum_small_tcp_and_udp(void **state)
{
	struct vmnet_offload_tx tx;
	size_t len = ipv4_tcp(1000, 0x18), l4;

	(void)state;
	assert_int_equal(vmnet_offload_tx(frame, len, VMNET_OFFLOAD_CSUM, 1500, &tx), 0);
	assert_int_equal(tx.hdr.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_seeded(&tx, false, 38, len, IPPROTO_TCP, 16);

	l4 = ipv6(8 + 500, IPPROTO_UDP);
	udp(l4, 500);
	assert_int_equal(vmnet_offload_tx(frame, l4 + 508, VMNET_OFFLOAD_CSUM, 1500, &tx), 0);
	assert_int_equal(tx.hdr.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_seeded(&tx, true, l4, l4 + 508, IPPROTO_UDP, 6);
}

/* A padded runt gets its whole checksum here: the kernel would sum the padding. */
static void
test_csum_padded_frame_completed(void **state)
{
	struct vmnet_offload_tx tx;
	size_t l4 = ipv4(20, 20 + 20 + 3, IPPROTO_TCP), len = l4 + 20 + 3;

	(void)state;
	tcp(l4, 20, 3, 0x18);
	memset(frame + len, 0xee, 64 - len);
	assert_int_equal(vmnet_offload_tx(frame, 64, VMNET_OFFLOAD_CSUM, 1500, &tx), 0);
	assert_int_equal(tx.hdr.flags, 0);
	assert_int_equal(tx.csum_at, l4 + 16);
	assert_true(l4_verifies(false, l4, len, IPPROTO_TCP, tx.csum_at, tx.csum));
}

static void
test_plain_frames_untouched(void **state)
{
	struct vmnet_offload_tx tx;
	size_t len = ipv4_tcp(1000, 0x10);

	(void)state;
	/* TSO only: a frame that fits the MTU keeps its own checksum. */
	assert_int_equal(vmnet_offload_tx(frame, len, VMNET_OFFLOAD_TSO, 1500, &tx), 0);
	assert_int_equal(tx.hdr.flags, 0);
	assert_int_equal(tx.hdr.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(tx.csum_at, 0);
	/* ARP, ICMP and IPv4 fragments have nothing to offload. */
	eth(0x0806);
	assert_int_equal(vmnet_offload_tx(frame, 42, VMNET_OFFLOAD_CSUM, 1500, &tx), 0);
	assert_int_equal(tx.csum_at, 0);
	ipv4(20, 20 + 64, IPPROTO_ICMP);
	assert_int_equal(vmnet_offload_tx(frame, 14 + 84, VMNET_OFFLOAD_CSUM, 1500, &tx), 0);
	assert_int_equal(tx.csum_at, 0);
	ipv4(20, 20 + 8 + 100, IPPROTO_UDP);
	udp(34, 1000); /* the first fragment: UDP length is the datagram's */
	put16(frame + 14 + 6, 0x2000);
	put16(frame + 14 + 10, 0);
	put16(frame + 14 + 10, ~naive_fold(naive_sum(frame + 14, 20, 0)) & 0xffff);
	assert_int_equal(vmnet_offload_tx(frame, 14 + 128, VMNET_OFFLOAD_CSUM, 1500, &tx), 0);
	assert_int_equal(tx.csum_at, 0);
	assert_int_equal(tx.hdr.flags, 0);
}

static void
assert_refused(size_t len, unsigned modes)
{
	struct vmnet_offload_tx tx;

	assert_int_equal(vmnet_offload_tx(frame, len, modes, 1500, &tx), -1);
}

static void
test_hostile_headers_refused(void **state)
{
	const unsigned both = VMNET_OFFLOAD_TSO | VMNET_OFFLOAD_CSUM;
	size_t len, l4;

	(void)state;
	len = ipv4_tcp(30000, 0x10);
	assert_refused(len + 100, both);         /* bytes the IP header does not cover */
	assert_refused(len, VMNET_OFFLOAD_CSUM); /* large without TSO */
	put16(frame + 14 + 2, (unsigned)(len - 14 + 1));
	assert_refused(len, both); /* IP total length past the frame */

	len = ipv4_tcp(30000, 0x10);
	frame[14 + 10] ^= 0x01;
	assert_refused(len, both); /* IPv4 header checksum */

	len = ipv4_tcp(30000, 0x10);
	frame[14] = 0x44;
	assert_refused(len, both); /* IHL below 5 */

	len = ipv4_tcp(30000, 0x10);
	frame[14] = 0x65;
	assert_refused(len, both); /* version */

	len = ipv4_tcp(1000, 0x10);
	frame[38 + 12] = 0x40;
	assert_refused(len, both); /* TCP data offset below 5 */
	frame[38 + 12] = 0xf0;
	len = 14 + 24 + 40;
	ipv4(24, 24 + 40, IPPROTO_TCP);
	frame[38 + 12] = 0xf0;
	assert_refused(len, both); /* TCP options past the packet */

	l4 = ipv4(20, 20 + 8 + 30000, IPPROTO_UDP);
	udp(l4, 30000);
	assert_refused(l4 + 8 + 30000, both); /* large UDP: vmnet's TSO is TCP only */
	l4 = ipv4(20, 20 + 8 + 100, IPPROTO_UDP);
	udp(l4, 100);
	put16(frame + l4 + 4, 8 + 50);
	assert_refused(l4 + 8 + 100, VMNET_OFFLOAD_CSUM); /* UDP length */

	l4 = ipv6(20 + 30000, IPPROTO_TCP);
	tcp(l4, 20, 30000, 0x10);
	assert_refused(l4 + 20 + 29000, both); /* IPv6 payload length past the frame */
	ipv6(20 + 30000, 0);                   /* hop-by-hop options first */
	assert_refused(l4 + 20 + 30000, both);

	ipv4(20, 20 + 8 + 3000, IPPROTO_TCP);
	put16(frame + 14 + 6, 0x2000);
	put16(frame + 14 + 10, 0);
	put16(frame + 14 + 10, ~naive_fold(naive_sum(frame + 14, 20, 0)) & 0xffff);
	assert_refused(14 + 20 + 8 + 3000, both); /* a large fragment */

	eth(0x0806);
	assert_refused(3000, both); /* large and not IP */
	assert_refused(10, both);   /* not even an Ethernet header */
}

/* The kernel's partial checksum, as the TAP hands it out: seeded, then completed. */
static void
test_rx_completes_partial_checksum(void **state)
{
	struct virtio_net_hdr hdr = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM};
	size_t len = ipv4_tcp(40001, 0x10); /* odd length */
	struct iovec one = {.iov_base = frame, .iov_len = FRAME_MAX};
	uint8_t seed[2], done[2];

	(void)state;
	hdr.csum_start = 38;
	hdr.csum_offset = 16;
	put16(seed, naive_fold(naive_pseudo(false, 38, len, IPPROTO_TCP)));
	memcpy(frame + 54, seed, 2);
	assert_int_equal(vmnet_offload_rx(&hdr, &one, 1, len), 0);
	memcpy(done, frame + 54, 2);
	assert_true(l4_verifies(false, 38, len, IPPROTO_TCP, 54, done));

	/* The same frame split across iovecs at odd offsets, the field split too. */
	static uint8_t a[55], b[1000], c[FRAME_MAX];
	struct iovec three[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};

	memcpy(frame + 54, seed, 2);
	memcpy(a, frame, sizeof(a));
	memcpy(b, frame + sizeof(a), sizeof(b));
	memcpy(c, frame + sizeof(a) + sizeof(b), len - sizeof(a) - sizeof(b));
	assert_int_equal(vmnet_offload_rx(&hdr, three, 3, len), 0);
	assert_int_equal(a[54], done[0]);
	assert_int_equal(b[0], done[1]);
}

static void
test_rx_header_outside_frame(void **state)
{
	struct virtio_net_hdr hdr = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM};
	struct iovec one = {.iov_base = frame, .iov_len = FRAME_MAX};

	(void)state;
	hdr.csum_start = 100;
	hdr.csum_offset = 16;
	assert_int_equal(vmnet_offload_rx(&hdr, &one, 1, 100), -1);
	assert_int_equal(vmnet_offload_rx(&hdr, &one, 1, 117), -1);
	assert_int_equal(vmnet_offload_rx(&hdr, &one, 1, 118), 0);
	hdr.csum_start = 0xffff;
	hdr.csum_offset = 0xffff;
	assert_int_equal(vmnet_offload_rx(&hdr, &one, 1, 1500), -1);
	/* No flag: nothing to do, whatever the offsets say. */
	hdr.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	frame[0] = 0x77;
	assert_int_equal(vmnet_offload_rx(&hdr, &one, 1, 60), 0);
	assert_int_equal(frame[0], 0x77);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tso_ipv4_tcp_options),
	    cmocka_unit_test(test_tso_ipv6_tcp_ecn),
	    cmocka_unit_test(test_csum_small_tcp_and_udp),
	    cmocka_unit_test(test_csum_padded_frame_completed),
	    cmocka_unit_test(test_plain_frames_untouched),
	    cmocka_unit_test(test_hostile_headers_refused),
	    cmocka_unit_test(test_rx_completes_partial_checksum),
	    cmocka_unit_test(test_rx_header_outside_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
