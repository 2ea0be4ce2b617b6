/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tapsock.h - what the test tools that move frames between a TAP device
 * and a unix datagram socket share: opening the TAP, and the batched
 * forwarding loop.
 */
#ifndef TAPSOCK_H
#define TAPSOCK_H

#include <linux/virtio_net.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Frames per recvmmsg()/sendmmsg() and per burst of TAP reads. */
#define TAPSOCK_BATCH 64
/* Largest frame: a 64 KiB IP packet (TSO-sized) plus an Ethernet header. */
#define TAPSOCK_FRAME_MAX (65535 + 14)

/*
 * How frames change on the way when the TAP has a virtio-net header. NULL
 * callbacks: the header is dropped on the way out of the TAP, and a zeroed
 * one is put in front of frames going in.
 */
struct tapsock_ops {
	/* A frame read from the TAP behind @hdr. Return: false to drop it. */
	bool (*from_tap)(const struct virtio_net_hdr *hdr, uint8_t *frame, size_t len);
	/*
	 * Set iov[0, n) (n <= 4), the header first, to write @frame (in batch
	 * slot @slot, so per-slot memory may hold the header) to the TAP.
	 * Return: n, or 0 to drop the frame.
	 */
	int (*to_tap)(int slot, const uint8_t *frame, size_t len, struct iovec *iov);
};

/* tapsock_die() - print "PROGRAM: message" on stderr and exit 1. */
__attribute__((noreturn, format(printf, 1, 2))) void tapsock_die(const char *fmt, ...);

/*
 * tapsock_open_tap() - create (or attach to) TAP device @name
 * @offload:	TUN_F_* flags; not 0 gives the TAP a virtio-net header
 *
 * Return: the non-blocking descriptor; exits with a message on failure.
 */
int tapsock_open_tap(const char *name, unsigned offload);

/* tapsock_up() - bring interface @name up, after setting @mac (if not NULL) and @mtu (if not 0). */
void tapsock_up(const char *name, const char *mac, int mtu);

/*
 * tapsock_forward() - move frames both ways until *@stop or the peer is gone
 * @vnet:	the TAP has a virtio-net header (see struct tapsock_ops)
 * @waitmask:	signal mask while waiting (the stop signals unblocked)
 *
 * A full socket stalls the TAP side (a VM's TX ring waits too); frames the
 * TAP refuses are dropped.
 *
 * Return: 0 when stopped, -1 when the socket's peer is gone.
 */
int tapsock_forward(int tap, int sock, bool vnet, const struct tapsock_ops *ops,
                    const sigset_t *waitmask, volatile sig_atomic_t *stop);

#endif /* TAPSOCK_H */
