/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream.h - Ethernet frames on a unix stream socket, each after a 4-byte
 * big-endian length: the format of QEMU's -netdev stream and -netdev
 * socket, and of socket_vmnet.
 *
 * stream_recv_x() and stream_send_x() have the contract of recvmsg_x() and
 * sendmsg_x() (msg_x.h) for one iovec per message, so the forwarding code
 * batches a stream exactly as it batches datagrams: many frames per read()
 * and per write() system call, each frame checked by the caller as a
 * datagram would be.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "msg_x.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of the length before each frame. */
#define STREAM_HEADER 4

/*
 * Longest length a peer may send: QEMU's own receive buffer (NET_BUFSIZE,
 * 4096 + 65536). A longer length is no frame but a stream out of step or
 * a hostile peer: the stream is closed as a protocol error (EPROTO).
 */
#define STREAM_FRAME_MAX (4096u + 65536u)

/* Receiving: bytes read but not yet handed out. */
struct stream_rx {
	unsigned char *buf;
	size_t cap;
	size_t head, tail; /* unparsed bytes: buf[head, tail) */
	uint32_t skip;     /* bytes of an oversized frame still to discard */
	bool broken;       /* a length over STREAM_FRAME_MAX was seen */
	uint64_t reads;    /* recv() calls */
};

/* Sending: one iovec pair (length, frame) per frame of a batch. */
struct stream_tx {
	struct iovec *iov;
	unsigned char *hdr;     /* STREAM_HEADER bytes per frame */
	unsigned count;         /* frames per call */
	unsigned char *pending; /* the unsent rest of a frame cut short */
	size_t pending_cap, pending_len, pending_off;
	uint64_t writes; /* sendmsg() calls */
};

struct stream {
	int fd;
	struct stream_rx rx;
	struct stream_tx tx;
};

int stream_init(struct stream *s, int fd, size_t max_packet_size, unsigned batch);
void stream_free(struct stream *s);
ssize_t stream_recv_x(struct stream *s, struct msghdr_x *msgs, unsigned cnt);
ssize_t stream_send_x(struct stream *s, const struct msghdr_x *msgs, unsigned cnt);

#ifdef __cplusplus
}
#endif

#endif /* STREAM_H */
