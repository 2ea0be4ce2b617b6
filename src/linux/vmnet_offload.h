/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_offload.h - vmnet's TSO and checksum offload on a TAP device with
 * a virtio-net header: the header built for a frame written, the header
 * consumed for a frame read.
 */
#ifndef VMNET_OFFLOAD_H
#define VMNET_OFFLOAD_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* What an interface offloads (vmnet_enable_tso_key, ..._checksum_offload_key). */
enum vmnet_offload_mode {
	VMNET_OFFLOAD_TSO = 1 << 0,
	VMNET_OFFLOAD_CSUM = 1 << 1,
};

#define VMNET_OFFLOAD_ETH_HLEN 14

/*
 * How to hand a frame to the TAP: the virtio-net header, and at csum_at
 * (if not 0) the two bytes csum replacing the frame's own checksum field,
 * so the caller's buffer is never changed.
 */
struct vmnet_offload_tx {
	struct virtio_net_hdr hdr;
	size_t csum_at;
	uint8_t csum[2];
};

/*
 * vmnet_offload_tx() - the virtio-net header for a frame to write
 * @frame:	the Ethernet frame, @len bytes
 * @modes:	enum vmnet_offload_mode bits of the interface, not 0
 * @mtu:	the interface's MTU
 * @tx:		filled on success
 *
 * A frame longer than MTU + Ethernet header (TSO) must be one IPv4 or
 * IPv6 TCP segment whose headers describe exactly this frame; it becomes
 * a GSO frame of MSS MTU - IP header - TCP header. With checksum offload,
 * an unfragmented TCP or UDP frame gets its checksum computed: by the
 * kernel (NEEDS_CSUM), or here when the frame has Ethernet padding the
 * kernel would sum too. The checksum field is seeded with the pseudo
 * header, whatever the frame carried (a full or a partial checksum).
 * Other frames go as they are, with an empty header.
 *
 * Return: 0, or -1 when the frame must be dropped (a large frame that is
 * not a consistent TCP segment, or TCP/UDP headers that do not fit)
 */
int vmnet_offload_tx(const uint8_t *frame, size_t len, unsigned modes, size_t mtu,
                     struct vmnet_offload_tx *tx);

/*
 * vmnet_offload_iov() - the iovecs that write a frame behind its header
 * @tx:		from vmnet_offload_tx() for @frame, @len bytes
 * @iov:	set to the header, then the frame with the seeded checksum
 *
 * Return: the number of iovecs used, at most 4
 */
int vmnet_offload_iov(const struct vmnet_offload_tx *tx, const uint8_t *frame, size_t len,
                      struct iovec iov[4]);

/*
 * vmnet_offload_rx() - consume the virtio-net header of a frame read
 * @hdr:	the header the TAP put before the frame
 * @iov, @iovcnt: where the frame is, @len bytes
 *
 * A frame with a partial checksum (NEEDS_CSUM) gets it completed, since
 * vmnet's reader has no header to carry "partial". GSO frames stay whole.
 *
 * Return: 0, or -1 when the header points outside the frame (drop it)
 */
int vmnet_offload_rx(const struct virtio_net_hdr *hdr, const struct iovec *iov, int iovcnt,
                     size_t len);

#endif /* VMNET_OFFLOAD_H */
