// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_fwd.c - the VM->host frame path: datagrams from a hostile VM over a
 * real unix datagram socketpair, through recvmsg_x() (src/linux/msg_x.c)
 * and fwd_vm_to_host(), into a fake vmnet_write() (this program defines
 * vmnet_read() and vmnet_write(), so the platform's are not linked).
 *
 * Input: 2 bytes maximum packet size, 1 byte batch size, 8 bytes saying
 * which frames vmnet refuses, then datagrams as a 2-byte length followed by
 * that many bytes (or the rest of the input). Checked beyond not crashing:
 * vmnet gets exactly the valid datagrams (Ethernet header to maximum packet
 * size), each whole and in order, and the counters add up.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd.h"

#define MAX_DATAGRAMS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const interface_ref iface = (interface_ref)0x1;

/* The valid datagrams in the order vmnet must see them. */
static struct {
	const uint8_t *frame[MAX_DATAGRAMS];
	size_t len[MAX_DATAGRAMS];
	unsigned n, next;
	uint64_t refuse; /* bit i % 64: vmnet refuses the i-th frame offered */
	uint64_t accepted, refused, bytes;
} want;

vmnet_return_t
vmnet_read(interface_ref interface, struct vmpktdesc *packets, int *pktcnt)
{
	(void)interface;
	(void)packets;
	(void)pktcnt;
	abort(); /* only the VM->host direction runs here */
}

/* Like vmnet: writes frames in order, stops at the first it refuses. */
vmnet_return_t
vmnet_write(interface_ref interface, struct vmpktdesc *packets, int *pktcnt)
{
	if (interface != iface || *pktcnt < 1)
		abort();
	for (int i = 0; i < *pktcnt; i++) {
		const struct vmpktdesc *p = &packets[i];
		unsigned k = want.next++;

		if (k >= want.n || p->vm_pkt_iovcnt != 1 || p->vm_pkt_size != want.len[k] ||
		    p->vm_pkt_iov->iov_len != p->vm_pkt_size ||
		    memcmp(p->vm_pkt_iov->iov_base, want.frame[k], want.len[k]) != 0)
			abort();
		if (want.refuse >> (k % 64) & 1) {
			want.refused++;
			*pktcnt = i;
			return VMNET_INVALID_ARGUMENT;
		}
		want.accepted++;
		want.bytes += p->vm_pkt_size;
	}
	return VMNET_SUCCESS;
}

/* Run batches until the socket is empty. */
static void
drain(struct fwd *f)
{
	enum fwd_result r;

	while ((r = fwd_vm_to_host(f)) == FWD_OK || r == FWD_PARTIAL)
		;
	if (r != FWD_IDLE)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stats st;
	struct fwd f;
	int sv[2];
	size_t max_packet, off = 11;
	unsigned batch, sent = 0, invalid = 0;
	bool drained = false;

	if (size < off)
		return 0;
	max_packet = FWD_MIN_FRAME + ((size_t)data[0] << 8 | data[1]) % 2048;
	batch = 1 + data[2] % 64;
	memset(&want, 0, sizeof(want));
	memcpy(&want.refuse, data + 3, 8);
	memset(&st, 0, sizeof(st));
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	if (fwd_init(&f, iface, sv[1], max_packet, batch, &st) < 0)
		abort();
	while (off + 2 <= size && sent < MAX_DATAGRAMS) {
		size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;
		const uint8_t *dgram = data + off + 2;

		len %= max_packet + 64;
		if (len > size - off - 2)
			len = size - off - 2;
		if (send(sv[0], dgram, len, 0) < 0) {
			if (errno != EAGAIN || drained)
				abort();
			drain(&f);
			drained = true; /* the socket has room again */
			continue;
		}
		drained = false;
		if (len < FWD_MIN_FRAME || len > max_packet) {
			invalid++;
		} else {
			want.frame[want.n] = dgram;
			want.len[want.n++] = len;
		}
		sent++;
		off += 2 + len;
	}
	drain(&f);
	if (want.next != want.n || st.vm_to_host.packets != want.accepted ||
	    st.vm_to_host.bytes != want.bytes || st.vm_to_host.drops != invalid + want.refused)
		abort();
	fwd_free(&f);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
