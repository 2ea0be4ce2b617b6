/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fwd.h - one batch of forwarding in each direction, on plain structs.
 *
 * host->vm: vmnet_read() a batch into preallocated buffers, sendmsg_x() the
 * same buffers to the VM socket. vm->host: recvmsg_x() a batch, drop
 * invalid datagrams (and, when a sender is set, those of anyone else),
 * vmnet_write() the rest from the same buffers. The
 * callers (the helper's queues, or unit tests with in-memory fakes of the
 * four calls) decide when to run a batch; nothing here blocks, allocates,
 * logs or locks.
 */
#ifndef FWD_H
#define FWD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <vmnet/vmnet.h>

#include "msg_x.h"
#include "stats.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Shortest frame accepted from the VM: an Ethernet header. */
#define FWD_MIN_FRAME 14

/* Largest batch: recvmsg_x()/sendmsg_x() are clamped to 256 on macOS 14+. */
#define FWD_BATCH_MAX 256

/* Batch without TSO; more showed no gain in the predecessor's iperf3 runs. */
#define FWD_BATCH_DEFAULT 128

/* Buffer memory per direction; limits the batch with 64 KiB TSO frames. */
#define FWD_BATCH_BYTES (2u << 20)

/*
 * ENOBUFS from sendmsg_x() means the VM's receive buffer is full. Retry the
 * rest of the batch at most FWD_SEND_RETRIES times, then drop it: waiting
 * longer stalls every flow behind one slow one (head-of-line blocking),
 * dropping at once costs throughput. The predecessor measured that one
 * retry suffices in 72% of ENOBUFS episodes. Each retry waits with poll()
 * for the socket to become writable (on Linux once the VM has taken three
 * quarters of the queue: a socketpair's sender is writable when it has at
 * most a quarter of its send buffer queued); no wait starts after
 * FWD_SEND_BUDGET_USEC from the
 * first full socket of the batch, and one wait lasts 1 ms at most. Where
 * poll() cannot tell (it reports the socket writable and the send still
 * fails, as a datagram socket that does not track its peer's queue may),
 * each retry sleeps FWD_SEND_RETRY_USEC instead.
 */
#define FWD_SEND_RETRIES     10
#define FWD_SEND_RETRY_USEC  50
#define FWD_SEND_BUDGET_USEC 500

/* Result of one batch. */
enum fwd_result {
	FWD_IDLE,        /* nothing to forward right now */
	FWD_OK,          /* a full batch was handled (frames may have been dropped) */
	FWD_PARTIAL,     /* a smaller batch was handled: the source is empty for now */
	FWD_VM_GONE,     /* the VM side closed its socket */
	FWD_VMNET_ERROR, /* vmnet_read() failed: see fwd.read_status */
	FWD_ERROR,       /* unexpected socket error: see errno */
};

/* Buffers and descriptors of one direction, allocated once. */
struct fwd_dir {
	unsigned count;          /* batch size */
	unsigned char *buf;      /* count * (max_packet_size + 1) bytes */
	struct iovec *iov;       /* iov[i] points at packet i of buf */
	struct vmpktdesc *pkt;   /* vmnet side of the batch */
	struct msghdr_x *msg;    /* socket side, msg[i].msg_iov = &iov[i] */
	struct stats_dir *stats; /* written by this direction only */
};

struct fwd {
	interface_ref iface;
	int sock;                   /* connected unix datagram socket */
	struct stream *stream;      /* or frames on a stream socket; NULL: datagrams */
	size_t max_packet_size;     /* from vmnet's interface parameters */
	vmnet_return_t read_status; /* of a failed vmnet_read() (host->vm) */
	struct fwd_dir host_to_vm;
	struct fwd_dir vm_to_host;
	/* fwd_only_from(): the one sender accepted, and where each datagram's lands. */
	struct sockaddr_un peer;
	size_t peer_path_len;
	struct sockaddr_un *from; /* NULL: any sender (a socketpair has only one) */
};

unsigned fwd_batch_size(uint64_t max_packet_size, uint64_t read_max, uint64_t write_max);
int fwd_init(struct fwd *f, interface_ref iface, int sock, size_t max_packet_size, unsigned batch,
             struct stats *stats);
int fwd_only_from(struct fwd *f, const struct sockaddr_un *peer, socklen_t len);
void fwd_free(struct fwd *f);
enum fwd_result fwd_host_to_vm(struct fwd *f);
enum fwd_result fwd_vm_to_host(struct fwd *f);

#ifdef __cplusplus
}
#endif

#endif /* FWD_H */
