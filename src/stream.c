// SPDX-License-Identifier: Apache-2.0
/*
 * stream.c - length-prefixed frames on a unix stream socket (see stream.h).
 *
 * Theory of operation. Receiving: one recv() reads as much as the buffer
 * holds (many frames); complete frames are copied into the caller's
 * message slots, a partial frame stays at the front of the buffer for the
 * next call. A frame longer than its slot is reported with its length and
 * MSG_TRUNC, as recvmsg_x() reports a datagram cut short, and its bytes
 * are skipped as they arrive, so the caller drops and counts it like an
 * oversized datagram; zero and runt lengths are handed out the same way
 * for the caller to drop. A length over STREAM_FRAME_MAX means the stream
 * is out of step: after the frames before it, every call fails with
 * EPROTO.
 *
 * Sending: one sendmsg() writes the length and the frame of every message
 * (two iovecs each). A stream cannot drop half a frame, so when the
 * socket takes only part of one, its rest is copied aside and finished
 * while the socket drains, for up to STREAM_FINISH_MS; a peer that reads
 * nothing for that long gets the rest first on the next call, and until
 * then new batches fail with EAGAIN (the caller's bounded retry, then
 * drop, applies to whole frames only). The socket's own blocking mode
 * does not matter: every call is MSG_DONTWAIT.
 */
#include "stream.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/*
 * How long a frame cut short may wait for the peer to read: without it the
 * peer would sit on half a frame until the next batch, which for a quiet
 * host may be a TCP retransmission away.
 */
#define STREAM_FINISH_MS 5

/* Smallest receive buffer: room for many small frames per recv(). */
#define STREAM_RX_MIN (64u << 10)

/*
 * stream_init() - buffers for a stream of frames up to @max_packet_size
 * @fd:		connected unix stream socket (not owned)
 * @batch:	frames per call, as for the datagram calls
 *
 * Return: 0, or -1 with errno ENOMEM (nothing left allocated)
 */
int
stream_init(struct stream *s, int fd, size_t max_packet_size, unsigned batch)
{
	/* A slot may be a byte longer than a frame (truncation detection). */
	size_t frame = STREAM_HEADER + max_packet_size + 1;
	size_t cap = (size_t)batch * frame;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->rx.cap = cap < STREAM_RX_MIN ? STREAM_RX_MIN : cap;
	s->rx.buf = malloc(s->rx.cap);
	s->tx.count = batch;
	s->tx.iov = calloc((size_t)batch * 2, sizeof(*s->tx.iov));
	s->tx.hdr = calloc(batch, STREAM_HEADER);
	s->tx.pending_cap = frame;
	s->tx.pending = malloc(frame);
	if (!s->rx.buf || !s->tx.iov || !s->tx.hdr || !s->tx.pending) {
		stream_free(s);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
stream_free(struct stream *s)
{
	free(s->rx.buf);
	free(s->tx.iov);
	free(s->tx.hdr);
	free(s->tx.pending);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Hand out the complete frames in the buffer, up to @cnt. Return: count. */
static unsigned
parse(struct stream_rx *rx, struct msghdr_x *msgs, unsigned cnt)
{
	unsigned n = 0;

	while (n < cnt) {
		size_t avail = rx->tail - rx->head;
		struct msghdr_x *m = &msgs[n];
		uint32_t len;

		if (rx->skip) {
			size_t d = avail < rx->skip ? avail : rx->skip;

			rx->head += d;
			rx->skip -= (uint32_t)d;
			if (rx->skip)
				break;
			continue;
		}
		if (rx->broken || avail < STREAM_HEADER)
			break;
		len = get_be32(rx->buf + rx->head);
		if (len > STREAM_FRAME_MAX) {
			rx->broken = true;
			break;
		}
		if (len > m->msg_iov[0].iov_len) {
			/* Too long for the slot: report it, skip its bytes. */
			m->msg_datalen = len;
			m->msg_flags = MSG_TRUNC;
			rx->head += STREAM_HEADER;
			rx->skip = len;
			n++;
			continue;
		}
		if (avail < STREAM_HEADER + (size_t)len)
			break;
		memcpy(m->msg_iov[0].iov_base, rx->buf + rx->head + STREAM_HEADER, len);
		m->msg_datalen = len;
		m->msg_flags = 0;
		rx->head += STREAM_HEADER + (size_t)len;
		n++;
	}
	return n;
}

/*
 * stream_recv_x() - receive up to @cnt frames, like recvmsg_x() with
 * MSG_DONTWAIT
 *
 * At most one recv() per call, and none while complete frames are
 * buffered for all @cnt slots.
 *
 * Return: frames received (with msg_datalen, and MSG_TRUNC for a frame
 * longer than its slot); 0 at end of stream; -1 with errno EAGAIN when no
 * complete frame is there yet, EPROTO after a length over
 * STREAM_FRAME_MAX, or recv()'s errno
 */
ssize_t
stream_recv_x(struct stream *s, struct msghdr_x *msgs, unsigned cnt)
{
	struct stream_rx *rx = &s->rx;
	unsigned n = parse(rx, msgs, cnt);
	ssize_t r;

	if (n == cnt || (n > 0 && rx->broken))
		return n;
	if (rx->broken) {
		errno = EPROTO;
		return -1;
	}
	/* Move the partial frame to the front, then read behind it. */
	memmove(rx->buf, rx->buf + rx->head, rx->tail - rx->head);
	rx->tail -= rx->head;
	rx->head = 0;
	r = recv(s->fd, rx->buf + rx->tail, rx->cap - rx->tail, MSG_DONTWAIT);
	rx->reads++;
	if (r < 0)
		return n > 0 ? (ssize_t)n : -1;
	if (r == 0)
		return n; /* end of stream; a partial frame there is lost */
	rx->tail += (size_t)r;
	n += parse(rx, msgs + n, cnt - n);
	if (n == 0) {
		errno = rx->broken ? EPROTO : EAGAIN;
		return -1;
	}
	return n;
}

/* Write the rest of a frame cut short. Return: 0 when done, -1 with errno. */
static int
flush_pending(struct stream *s)
{
	struct stream_tx *tx = &s->tx;

	while (tx->pending_off < tx->pending_len) {
		ssize_t r = send(s->fd, tx->pending + tx->pending_off,
		                 tx->pending_len - tx->pending_off, MSG_DONTWAIT);

		tx->writes++;
		if (r < 0)
			return -1;
		tx->pending_off += (size_t)r;
	}
	tx->pending_len = tx->pending_off = 0;
	return 0;
}

/* Finish the rest of a frame while the peer reads, for up to @ms. */
static void
finish_pending(struct stream *s, int ms)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};

	while (flush_pending(s) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		if (poll(&pfd, 1, ms) <= 0)
			return;
}

/* Keep what is unsent of the frame at @iov (length, data): @done bytes went. */
static void
keep_rest(struct stream_tx *tx, const struct iovec *iov, size_t done)
{
	size_t len = 0;

	for (int k = 0; k < 2; k++) {
		const unsigned char *p = iov[k].iov_base;
		size_t l = iov[k].iov_len;

		if (done >= l) {
			done -= l;
			continue;
		}
		memcpy(tx->pending + len, p + done, l - done);
		len += l - done;
		done = 0;
	}
	tx->pending_len = len;
	tx->pending_off = 0;
}

/*
 * stream_send_x() - send up to @cnt frames, like sendmsg_x(), in one
 * sendmsg() (after the rest of an earlier frame, if any)
 *
 * Return: frames sent, counting one the socket took only part of (its
 * rest goes first next time); -1 with errno (EAGAIN: nothing could be
 * sent; EMSGSIZE: a message without exactly one iovec, or longer than the
 * stream allows)
 */
ssize_t
stream_send_x(struct stream *s, const struct msghdr_x *msgs, unsigned cnt)
{
	struct stream_tx *tx = &s->tx;
	struct msghdr mh = {.msg_iov = tx->iov};
	size_t done;
	ssize_t r;
	unsigned i;

	if (tx->pending_len && flush_pending(s) < 0)
		return -1;
	if (cnt > tx->count)
		cnt = tx->count;
	for (i = 0; i < cnt; i++) {
		if (msgs[i].msg_iovlen != 1 ||
		    msgs[i].msg_iov[0].iov_len + STREAM_HEADER > tx->pending_cap) {
			errno = EMSGSIZE;
			return -1;
		}
		put_be32(tx->hdr + i * STREAM_HEADER, (uint32_t)msgs[i].msg_iov[0].iov_len);
		tx->iov[2 * i].iov_base = tx->hdr + i * STREAM_HEADER;
		tx->iov[2 * i].iov_len = STREAM_HEADER;
		tx->iov[2 * i + 1] = msgs[i].msg_iov[0];
	}
	mh.msg_iovlen = 2 * cnt;
	r = sendmsg(s->fd, &mh, MSG_DONTWAIT);
	tx->writes++;
	if (r < 0)
		return -1;
	done = (size_t)r;
	for (i = 0; i < cnt; i++) {
		size_t len = STREAM_HEADER + tx->iov[2 * i + 1].iov_len;

		if (done < len) {
			if (done > 0) {
				keep_rest(tx, &tx->iov[2 * i], done);
				finish_pending(s, STREAM_FINISH_MS);
				i++;
			}
			break;
		}
		done -= len;
	}
	if (i == 0) {
		errno = EAGAIN;
		return -1;
	}
	return i;
}
