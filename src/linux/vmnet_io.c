// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_io.c - vmnet_read() and vmnet_write() of the Linux vmnet
 * interfaces: the data path.
 *
 * Theory of operation: frames move straight between the caller's buffers
 * and the TAP, one read() or write() per frame, without allocating. A
 * read costs the frames waiting, not the size of the caller's array: each
 * buffer is checked when a frame is to go into it, and the frames taken
 * are counted for the event's estimate (vmnet_tapcount.c), which also
 * bounds a read: it stops after the frames counted as waiting. A frame from a
 * source address beyond the interface's table (vmnet_srcmac.c) is not
 * written: VMNET_INVALID_ACCESS, counted as not written. With TSO or
 * checksum offload the TAP has a virtio-net header, which
 * vmnet_offload.c builds for frames written and consumes for frames read.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <vmnet/vmnet.h>

#include "vmnet_internal.h"
#include "vmnet_offload.h"
#include "vmnet_srcmac.h"
#include "vmnet_tapcount.h"

#define VMNET_ETH_SRC 6 /* offset of the source address */
/* iovecs of one frame read with offload: one more goes to the vnet header. */
#define VMNET_OFFLOAD_IOV_MAX 64

/* Mark a read or write in progress. Return: false if not running. */
static bool
iface_enter(struct vmnet_interface *iface)
{
	atomic_fetch_add(&iface->busy, 1);
	if (atomic_load(&iface->state) == IFACE_RUNNING)
		return true;
	atomic_fetch_sub(&iface->busy, 1);
	return false;
}

static void
iface_leave(struct vmnet_interface *iface)
{
	atomic_fetch_sub(&iface->busy, 1);
}

/* Can @p take a frame of @max bytes, in at most @iov_max iovecs? */
static bool
iface_read_buffer_ok(const struct vmpktdesc *p, size_t max, uint32_t iov_max)
{
	size_t total = 0;
	uint32_t i;

	if (!p->vm_pkt_iov || p->vm_pkt_iovcnt == 0 || p->vm_pkt_iovcnt > iov_max ||
	    p->vm_pkt_size < max)
		return false;
	for (i = 0; i < p->vm_pkt_iovcnt; i++)
		total += p->vm_pkt_iov[i].iov_len;
	return total >= max;
}

/*
 * Read one frame into @p, through the vnet header with offload.
 *
 * Return: the frame's length, 0 for a frame dropped (a header that does
 * not fit its frame), or -1 with errno.
 */
static ssize_t
iface_read_one(struct vmnet_interface *iface, const struct vmpktdesc *p)
{
	struct iovec iov[1 + VMNET_OFFLOAD_IOV_MAX];
	struct virtio_net_hdr hdr;
	ssize_t len;

	if (!iface->offload)
		return readv(iface->fd, p->vm_pkt_iov, (int)p->vm_pkt_iovcnt);
	iov[0] = (struct iovec){.iov_base = &hdr, .iov_len = sizeof(hdr)};
	memcpy(iov + 1, p->vm_pkt_iov, p->vm_pkt_iovcnt * sizeof(*iov));
	len = readv(iface->fd, iov, (int)p->vm_pkt_iovcnt + 1);
	if (len < 0)
		return -1;
	if ((size_t)len <= sizeof(hdr))
		return 0;
	len -= (ssize_t)sizeof(hdr);
	if (vmnet_offload_rx(&hdr, p->vm_pkt_iov, (int)p->vm_pkt_iovcnt, (size_t)len) < 0)
		return 0;
	return len;
}

/*
 * A buffer that cannot take a frame ends the call with
 * VMNET_INVALID_ARGUMENT and the count of frames read before it.
 */
static vmnet_return_t
iface_read(struct vmnet_interface *iface, struct vmpktdesc *packets, int *pktcnt)
{
	uint32_t iov_max = iface->offload ? VMNET_OFFLOAD_IOV_MAX : IOV_MAX;
	uint64_t limit = vmnet_tapcount_read_limit(&iface->count), queued = 0;
	vmnet_return_t status = VMNET_SUCCESS;
	int n = *pktcnt, i = 0, taken = 0;
	ssize_t len = 0;
	bool empty;

	*pktcnt = 0;
	if (n < 0)
		return VMNET_INVALID_ARGUMENT;
	if (n > VMNET_MAX_PACKETS)
		return VMNET_TOO_MANY_PACKETS;
	while (i < n && (uint64_t)taken < limit) {
		if (!iface_read_buffer_ok(&packets[i], iface->max_packet_size, iov_max)) {
			status = VMNET_INVALID_ARGUMENT;
			break;
		}
		queued = vmnet_tapcount_queued(&iface->count);
		len = iface_read_one(iface, &packets[i]);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			break;
		taken++;
		if (len == 0)
			continue; /* dropped: read the next one into the same buffer */
		packets[i].vm_pkt_size = (size_t)len;
		packets[i].vm_flags = 0;
		i++;
	}
	empty = len < 0 && errno == EAGAIN;
	vmnet_tapcount_read(&iface->count, (unsigned)taken, empty, queued);
	*pktcnt = i;
	if (i == 0 && len < 0 && !empty)
		return VMNET_FAILURE;
	return status;
}

vmnet_return_t
vmnet_read(interface_ref interface, struct vmpktdesc *packets, int *pktcnt)
{
	vmnet_return_t status;

	if (!interface || !packets || !pktcnt)
		return VMNET_INVALID_ARGUMENT;
	if (!iface_enter(interface)) {
		*pktcnt = 0;
		return VMNET_INVALID_ARGUMENT;
	}
	status = iface_read(interface, packets, pktcnt);
	iface_leave(interface);
	return status;
}

/*
 * Write @len bytes at @frame, behind the vnet header with offload. The
 * checksum field the header needs seeded comes from the header's own
 * buffer, so the caller's frame stays as it was.
 *
 * Return: as write(), with errno EINVAL for a frame offload refuses.
 */
static ssize_t
iface_write_frame(struct vmnet_interface *iface, const uint8_t *frame, size_t len)
{
	struct vmnet_offload_tx tx;
	struct iovec iov[4];

	if (!iface->offload)
		return write(iface->fd, frame, len);
	if (vmnet_offload_tx(frame, len, iface->offload, iface->net.mtu, &tx) < 0) {
		errno = EINVAL;
		return -1;
	}
	return writev(iface->fd, iov, vmnet_offload_iov(&tx, frame, len, iov));
}

/* Check and write one frame; @now: seconds, for the source address table. */
static vmnet_return_t
iface_write_one(struct vmnet_interface *iface, const struct vmpktdesc *p, int64_t now)
{
	const uint8_t *frame;
	ssize_t len;

	if (p->vm_pkt_size > iface->max_packet_size)
		return VMNET_PACKET_TOO_BIG;
	/* vmnet takes one iovec per frame, and whole Ethernet frames. */
	if (p->vm_pkt_size < VMNET_ETH_HLEN || !p->vm_pkt_iov || p->vm_pkt_iovcnt != 1 ||
	    p->vm_pkt_iov[0].iov_len < p->vm_pkt_size)
		return VMNET_INVALID_ARGUMENT;
	frame = p->vm_pkt_iov[0].iov_base;
	if (!vmnet_srcmac_allow(&iface->srcmac, frame + VMNET_ETH_SRC, now))
		return VMNET_INVALID_ACCESS;
	do
		len = iface_write_frame(iface, frame, p->vm_pkt_size);
	while (len < 0 && errno == EINTR);
	if (len < 0 && errno == EINVAL)
		return VMNET_INVALID_ARGUMENT; /* headers that do not describe the frame */
	if (len < 0)
		return errno == EAGAIN || errno == ENOBUFS ? VMNET_BUFFER_EXHAUSTED : VMNET_FAILURE;
	return VMNET_SUCCESS;
}

static vmnet_return_t
iface_write(struct vmnet_interface *iface, struct vmpktdesc *packets, int *pktcnt)
{
	vmnet_return_t status = VMNET_SUCCESS;
	int n = *pktcnt, i;
	struct timespec now;

	*pktcnt = 0;
	if (n < 0)
		return VMNET_INVALID_ARGUMENT;
	if (n > VMNET_MAX_PACKETS)
		return VMNET_TOO_MANY_PACKETS;
	/* Once per call: the coarse clock is read without a system call. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	pthread_mutex_lock(&iface->srcmac_lock);
	for (i = 0; i < n; i++) {
		status = iface_write_one(iface, &packets[i], now.tv_sec);
		if (status != VMNET_SUCCESS)
			break;
	}
	pthread_mutex_unlock(&iface->srcmac_lock);
	*pktcnt = i;
	return status;
}

vmnet_return_t
vmnet_write(interface_ref interface, struct vmpktdesc *packets, int *pktcnt)
{
	vmnet_return_t status;

	if (!interface || !packets || !pktcnt)
		return VMNET_INVALID_ARGUMENT;
	if (!iface_enter(interface)) {
		*pktcnt = 0;
		return VMNET_INVALID_ARGUMENT;
	}
	status = iface_write(interface, packets, pktcnt);
	iface_leave(interface);
	return status;
}
