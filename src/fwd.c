// SPDX-License-Identifier: Apache-2.0
/*
 * fwd.c - batched forwarding between vmnet and the VM socket (see fwd.h).
 *
 * Theory of operation: each direction owns one buffer of count slots of
 * max_packet_size + 1 bytes, and three arrays bound to it once: iov[i] points
 * at slot i, msg[i] (socket side) and pkt[i] (vmnet side) point at iov[i].
 * A frame read on one side is written to the other from the same memory.
 * Per batch only lengths and flags are reset. Counters are added once per
 * batch. With a stream socket (stream.h) the same batches go through
 * stream_recv_x()/stream_send_x() instead of recvmsg_x()/sendmsg_x(), and
 * frames are checked the same way.
 *
 * A socket that serves a path (--socket) is connected to its client, but a
 * datagram another sender queued before the connect is still read after
 * it, and on macOS connect() does not filter the senders of a datagram
 * socket at all: fwd_only_from() makes each datagram's source address
 * checked, and a datagram from anyone but the client is dropped.
 *
 * Each slot is max_packet_size + 1 bytes, and the VM's datagrams are
 * received into all of it: a datagram longer than a frame then shows up as
 * longer and is dropped, whatever msg_flags says (xnu's recvmsg_x() cuts a
 * datagram to its slot without setting MSG_TRUNC on it).
 *
 * A 0-byte datagram from the VM is a runt like any other and is dropped:
 * on a datagram socket it is valid data, not end of file. recvmsg_x()
 * returning no datagram without an error is end of file (a disconnected
 * socket, as macOS may report it); Linux never reports one on a datagram
 * socket, so there the VM side being gone shows up only when sending to it
 * (ECONNREFUSED and friends). Both are FWD_VM_GONE.
 */
#include "fwd.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * fwd_batch_size() - frames per batch for both directions
 * @max_packet_size:	vmnet's largest frame (1514, or 65550 with TSO)
 * @read_max, @write_max: vmnet's per-call limits, 0 if not reported
 *
 * The smallest of FWD_BATCH_DEFAULT, FWD_BATCH_MAX, vmnet's limits, and
 * what fits in FWD_BATCH_BYTES: 128 frames (189 KiB) without TSO, 31
 * (≈2 MiB) with TSO.
 *
 * Return: the batch size, at least 1
 */
unsigned
fwd_batch_size(uint64_t max_packet_size, uint64_t read_max, uint64_t write_max)
{
	uint64_t n = FWD_BATCH_DEFAULT;

	if (max_packet_size && FWD_BATCH_BYTES / max_packet_size < n)
		n = FWD_BATCH_BYTES / max_packet_size;
	if (read_max && read_max < n)
		n = read_max;
	if (write_max && write_max < n)
		n = write_max;
	return n ? (unsigned)n : 1;
}

static int
dir_init(struct fwd_dir *d, size_t slot_size, unsigned count, struct stats_dir *stats)
{
	d->count = count;
	d->stats = stats;
	d->buf = calloc(count, slot_size);
	d->iov = calloc(count, sizeof(*d->iov));
	d->pkt = calloc(count, sizeof(*d->pkt));
	d->msg = calloc(count, sizeof(*d->msg));
	if (!d->buf || !d->iov || !d->pkt || !d->msg)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		d->iov[i].iov_base = d->buf + (size_t)i * slot_size;
		d->pkt[i].vm_pkt_iov = &d->iov[i];
		d->pkt[i].vm_pkt_iovcnt = 1;
		d->msg[i].msg_iov = &d->iov[i];
		d->msg[i].msg_iovlen = 1;
	}
	return 0;
}

static void
dir_free(struct fwd_dir *d)
{
	free(d->buf);
	free(d->iov);
	free(d->pkt);
	free(d->msg);
	memset(d, 0, sizeof(*d));
}

/*
 * fwd_init() - allocate and bind the buffers of both directions
 * @sock:	connected unix datagram socket of the VM
 * @batch:	frames per batch, from fwd_batch_size()
 *
 * Return: 0, or -1 with errno ENOMEM (nothing left allocated)
 */
int
fwd_init(struct fwd *f, interface_ref iface, int sock, size_t max_packet_size, unsigned batch,
         struct stats *stats)
{
	memset(f, 0, sizeof(*f));
	f->iface = iface;
	f->sock = sock;
	f->max_packet_size = max_packet_size;
	if (dir_init(&f->host_to_vm, max_packet_size + 1, batch, &stats->host_to_vm) < 0 ||
	    dir_init(&f->vm_to_host, max_packet_size + 1, batch, &stats->vm_to_host) < 0) {
		fwd_free(f);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Length of the path in unix address @a of @len bytes (it may lack the NUL). */
static size_t
path_len(const struct sockaddr_un *a, socklen_t len)
{
	size_t off = offsetof(struct sockaddr_un, sun_path);

	return len > off ? strnlen(a->sun_path, len - off) : 0;
}

/*
 * fwd_only_from() - forward from the VM only datagrams sent by @peer
 * @peer, @len:	the client's address, as getpeername() gives it; a
 *		socket without a path (unbound, abstract) is refused
 *
 * Return: 0, or -1 with errno EINVAL or ENOMEM
 */
int
fwd_only_from(struct fwd *f, const struct sockaddr_un *peer, socklen_t len)
{
	if (peer->sun_family != AF_UNIX || path_len(peer, len) == 0) {
		errno = EINVAL;
		return -1;
	}
	f->from = calloc(f->vm_to_host.count, sizeof(*f->from));
	if (!f->from) {
		errno = ENOMEM;
		return -1;
	}
	f->peer_path_len = path_len(peer, len);
	memcpy(f->peer.sun_path, peer->sun_path, f->peer_path_len);
	return 0;
}

/* Was datagram @i of the vm->host batch sent by the peer, if one is set? */
static bool
from_peer(const struct fwd *f, unsigned i)
{
	socklen_t len = f->vm_to_host.msg[i].msg_namelen;

	if (!f->from)
		return true;
	return f->from[i].sun_family == AF_UNIX && path_len(&f->from[i], len) == f->peer_path_len &&
	       memcmp(f->from[i].sun_path, f->peer.sun_path, f->peer_path_len) == 0;
}

void
fwd_free(struct fwd *f)
{
	dir_free(&f->host_to_vm);
	dir_free(&f->vm_to_host);
	free(f->from);
	f->from = NULL;
}

/* The one place that knows the VM socket's kind: datagrams or a stream. */
static ssize_t
vm_send(struct fwd *f, const struct msghdr_x *msg, unsigned n)
{
	return f->stream ? stream_send_x(f->stream, msg, n) : sendmsg_x(f->sock, msg, n, 0);
}

static ssize_t
vm_recv(struct fwd *f, struct msghdr_x *msg, unsigned n)
{
	return f->stream ? stream_recv_x(f->stream, msg, n)
	                 : recvmsg_x(f->sock, msg, n, MSG_DONTWAIT);
}

static bool
vm_gone(int err)
{
	return err == ECONNREFUSED || err == ECONNRESET || err == EPIPE || err == ENOTCONN;
}

/* Bytes in iov[from, to). */
static uint64_t
iov_bytes(const struct iovec *iov, unsigned from, unsigned to)
{
	uint64_t bytes = 0;

	for (unsigned i = from; i < to; i++)
		bytes += iov[i].iov_len;
	return bytes;
}

static int64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* How the send of one batch waits for a full VM socket (see FWD_SEND_BUDGET_USEC). */
struct send_wait {
	int64_t start;     /* first full socket of the batch, 0 before */
	bool poll_useless; /* poll said writable, the send still failed */
	bool polled;       /* the last wait was a poll that said writable */
};

/*
 * Wait for room in the VM socket once more. Return: false when the budget
 * is spent and the rest of the batch must be dropped.
 */
static bool
wait_for_room(int sock, struct send_wait *w, unsigned retries)
{
	struct pollfd pfd = {.fd = sock, .events = POLLOUT};
	int64_t now = now_usec();

	if (retries >= FWD_SEND_RETRIES)
		return false;
	if (!w->start)
		w->start = now;
	if (w->polled)
		w->poll_useless = true;
	w->polled = false;
	if (!w->poll_useless) {
		if (now - w->start >= FWD_SEND_BUDGET_USEC)
			return false;
		/* Wakes when the VM has made room (fwd.h); 1 ms at most. */
		if (poll(&pfd, 1, 1) >= 0 && (pfd.revents & POLLOUT)) {
			w->polled = true;
			return true;
		}
		if (pfd.revents == 0)
			return true;    /* timed out: the next send tells */
		w->poll_useless = true; /* POLLNVAL, POLLERR: a socket poll cannot watch */
	}
	usleep(FWD_SEND_RETRY_USEC);
	return true;
}

/*
 * Send msg[0, n) to the VM. A short sendmsg_x() resumes with the rest; a
 * full VM socket gets the bounded wait, then the rest is dropped; a frame
 * the socket cannot take (EMSGSIZE) is dropped alone.
 */
static enum fwd_result
send_batch(struct fwd *f, struct fwd_dir *d, unsigned n)
{
	unsigned sent = 0, delivered = 0, drops = 0, retries = 0, calls = 0;
	struct send_wait wait = {0};
	uint64_t bytes = 0;
	enum fwd_result res = FWD_OK;

	while (sent < n) {
		ssize_t r = vm_send(f, &d->msg[sent], n - sent);

		calls++;
		if (r == 0)
			errno = ENOBUFS; /* nothing taken, no error: treat as full */
		if (r > 0) {
			bytes += iov_bytes(d->iov, sent, sent + (unsigned)r);
			sent += (unsigned)r;
			delivered += (unsigned)r;
			wait.polled = false;
		} else if ((errno == ENOBUFS || errno == EAGAIN) &&
		           wait_for_room(f->sock, &wait, retries)) {
			retries++;
		} else if (errno == ENOBUFS || errno == EAGAIN) {
			drops += n - sent;
			break;
		} else if (errno == EMSGSIZE) {
			drops++;
			sent++;
		} else if (errno != EINTR) {
			res = vm_gone(errno) ? FWD_VM_GONE : FWD_ERROR;
			break;
		}
	}
	stats_add(&d->stats->packets, delivered);
	stats_add(&d->stats->bytes, bytes);
	stats_add(&d->stats->drops, drops);
	stats_add(&d->stats->write_calls, calls);
	stats_add(&d->stats->retries, retries);
	return res;
}

/* A batch of @n frames ended with @res: tell whether it filled @d. */
static enum fwd_result
batch_result(enum fwd_result res, const struct fwd_dir *d, unsigned n)
{
	return res == FWD_OK && n < d->count ? FWD_PARTIAL : res;
}

/*
 * fwd_host_to_vm() - move one batch from vmnet to the VM socket
 *
 * Return: FWD_IDLE when vmnet had nothing, FWD_OK after a full batch,
 * FWD_PARTIAL after a smaller one, FWD_VM_GONE, FWD_VMNET_ERROR
 * (read_status), or FWD_ERROR (errno of sendmsg_x())
 */
enum fwd_result
fwd_host_to_vm(struct fwd *f)
{
	struct fwd_dir *d = &f->host_to_vm;
	int n = (int)d->count;
	vmnet_return_t status;

	/* vmnet overwrites vm_pkt_size with the frame length: reset it. */
	for (unsigned i = 0; i < d->count; i++) {
		d->pkt[i].vm_pkt_size = f->max_packet_size;
		d->pkt[i].vm_flags = 0;
		d->iov[i].iov_len = f->max_packet_size;
	}
	status = vmnet_read(f->iface, d->pkt, &n);
	stats_add(&d->stats->read_calls, 1);
	if (status != VMNET_SUCCESS) {
		f->read_status = status;
		return FWD_VMNET_ERROR;
	}
	if (n <= 0)
		return FWD_IDLE;
	for (int i = 0; i < n; i++)
		d->iov[i].iov_len = d->pkt[i].vm_pkt_size;
	return batch_result(send_batch(f, d, (unsigned)n), d, (unsigned)n);
}

/*
 * Write pkt[0, n) to vmnet. A frame vmnet refuses is dropped and the rest
 * of the batch continues: one bad frame from the VM must not stop the VM.
 */
static void
write_batch(struct fwd *f, struct fwd_dir *d, unsigned n)
{
	unsigned done = 0, drops = 0, calls = 0;
	uint64_t bytes = 0;

	while (done < n) {
		int cnt = (int)(n - done);

		/*
		 * Whatever the status, cnt frames were written and the one after
		 * them, if any, was refused: the count says all we need.
		 */
		(void)vmnet_write(f->iface, &d->pkt[done], &cnt);
		calls++;
		if (cnt < 0 || (unsigned)cnt > n - done)
			cnt = 0;
		for (unsigned i = done; i < done + (unsigned)cnt; i++)
			bytes += d->pkt[i].vm_pkt_size;
		done += (unsigned)cnt;
		if (done < n) {
			drops++; /* the frame vmnet stopped at */
			done++;
		}
	}
	stats_add(&d->stats->packets, n - drops);
	stats_add(&d->stats->bytes, bytes);
	stats_add(&d->stats->drops, drops);
	stats_add(&d->stats->write_calls, calls);
}

/*
 * fwd_vm_to_host() - move one batch from the VM socket to vmnet
 *
 * Datagrams shorter than an Ethernet header, longer than max_packet_size,
 * truncated, or from a sender other than the one of fwd_only_from() are
 * dropped and counted; vmnet_write() gets the others,
 * with pkt[] pointing at their buffers (no copy).
 *
 * Return: FWD_IDLE when the socket had nothing (poll it), FWD_OK after a
 * full batch, FWD_PARTIAL after a smaller one (poll before the next),
 * FWD_VM_GONE (end of file, or a disconnected socket), or FWD_ERROR
 * with errno of recvmsg_x()
 */
enum fwd_result
fwd_vm_to_host(struct fwd *f)
{
	struct fwd_dir *d = &f->vm_to_host;
	unsigned n = 0;
	ssize_t r;

	for (unsigned i = 0; i < d->count; i++) {
		d->iov[i].iov_len = f->max_packet_size + 1;
		d->msg[i].msg_flags = 0;
		d->msg[i].msg_datalen = 0;
		if (f->from) {
			d->msg[i].msg_name = &f->from[i];
			d->msg[i].msg_namelen = sizeof(f->from[i]);
		}
	}
	r = vm_recv(f, d->msg, d->count);
	stats_add(&d->stats->read_calls, 1);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return FWD_IDLE;
	if (r < 0)
		return vm_gone(errno) ? FWD_VM_GONE : FWD_ERROR;
	if (r == 0)
		return FWD_VM_GONE; /* no datagram and no error: end of file */
	for (unsigned i = 0; i < (unsigned)r; i++) {
		size_t len = d->msg[i].msg_datalen;

		if (len < FWD_MIN_FRAME || len > f->max_packet_size ||
		    (d->msg[i].msg_flags & MSG_TRUNC) || !from_peer(f, i))
			continue;
		d->iov[i].iov_len = len;
		d->pkt[n].vm_pkt_iov = &d->iov[i];
		d->pkt[n].vm_pkt_size = len;
		d->pkt[n].vm_flags = 0;
		n++;
	}
	stats_add(&d->stats->drops, (unsigned)r - n);
	write_batch(f, d, n);
	return batch_result(FWD_OK, d, (unsigned)r);
}
