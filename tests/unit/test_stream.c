// SPDX-License-Identifier: Apache-2.0
/*
 * test_stream.c - length-prefixed frames on a real unix stream socketpair:
 * partial reads, frames split across reads, several frames per read,
 * hostile lengths, and sends the socket takes only part of.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "stream.h"

#define MAX_PACKET 1514
#define BATCH      8

static int sv[2]; /* sv[0]: the stream's end, sv[1]: the peer's */
static struct stream s;
static unsigned char slots[BATCH][MAX_PACKET + 1];
static struct iovec iov[BATCH];
static struct msghdr_x msgs[BATCH];
/* What the peer has read and not yet parsed into frames. */
static unsigned char peer_buf[1 << 20];
static size_t peer_have;

static int
setup(void **state)
{
	(void)state;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	for (unsigned i = 0; i < BATCH; i++) {
		iov[i].iov_base = slots[i];
		iov[i].iov_len = MAX_PACKET + 1;
		msgs[i].msg_iov = &iov[i];
		msgs[i].msg_iovlen = 1;
	}
	peer_have = 0;
	return stream_init(&s, sv[0], MAX_PACKET, BATCH);
}

static int
teardown(void **state)
{
	(void)state;
	stream_free(&s);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* Peer writes raw bytes. */
static void
peer_write(const void *p, size_t n)
{
	assert_int_equal(write(sv[1], p, n), (ssize_t)n);
}

/* Peer writes one frame of @len bytes, each byte @tag. */
static void
peer_frame(uint32_t len, unsigned char tag)
{
	unsigned char buf[STREAM_HEADER + 2048];

	assert_true(len <= 2048);
	buf[0] = (unsigned char)(len >> 24);
	buf[1] = (unsigned char)(len >> 16);
	buf[2] = (unsigned char)(len >> 8);
	buf[3] = (unsigned char)len;
	memset(buf + STREAM_HEADER, tag, len);
	peer_write(buf, STREAM_HEADER + len);
}

static void
peer_header(uint32_t len)
{
	unsigned char h[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
	                      (unsigned char)(len >> 8), (unsigned char)len};

	peer_write(h, sizeof(h));
}

static void
assert_frame(unsigned i, size_t len, unsigned char tag)
{
	assert_int_equal(msgs[i].msg_datalen, len);
	assert_int_equal(msgs[i].msg_flags, 0);
	for (size_t k = 0; k < len; k++)
		assert_int_equal(slots[i][k], tag);
}

static void
test_nothing_yet(void **state)
{
	(void)state;
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), -1);
	assert_int_equal(errno, EAGAIN);
}

static void
test_several_frames_per_read(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 5; i++)
		peer_frame(60 + i, (unsigned char)('a' + i));
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 5);
	assert_int_equal(s.rx.reads, 1);
	for (unsigned i = 0; i < 5; i++)
		assert_frame(i, 60 + i, (unsigned char)('a' + i));
}

static void
test_more_frames_than_slots(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BATCH + 3; i++)
		peer_frame(100, (unsigned char)i);
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), BATCH);
	for (unsigned i = 0; i < BATCH; i++)
		assert_frame(i, 100, (unsigned char)i);
	/* The rest was read already: handed out without another read. */
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 3);
	assert_int_equal(s.rx.reads, 2); /* the second call found the socket empty */
	for (unsigned i = 0; i < 3; i++)
		assert_frame(i, 100, (unsigned char)(BATCH + i));
}

static void
test_frame_split_across_reads(void **state)
{
	unsigned char body[200];

	(void)state;
	memset(body, 'x', sizeof(body));
	/* Header split too: 2 bytes, then 2, then the body in two parts. */
	peer_write("\0\0", 2);
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), -1);
	assert_int_equal(errno, EAGAIN);
	peer_write("\0\310", 2); /* 200 */
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), -1);
	assert_int_equal(errno, EAGAIN);
	peer_write(body, 150);
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), -1);
	assert_int_equal(errno, EAGAIN);
	peer_write(body, 50);
	peer_frame(70, 'y'); /* and the next frame in the same read */
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 2);
	assert_frame(0, 200, 'x');
	assert_frame(1, 70, 'y');
}

static void
test_zero_and_runt_lengths_are_handed_out(void **state)
{
	(void)state;
	/* The caller drops them as it drops such datagrams; the stream goes on. */
	peer_frame(0, 0);
	peer_frame(5, 'r');
	peer_frame(64, 'g');
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 3);
	assert_int_equal(msgs[0].msg_datalen, 0);
	assert_int_equal(msgs[1].msg_datalen, 5);
	assert_frame(2, 64, 'g');
}

static void
test_oversized_frame_skipped(void **state)
{
	unsigned char big[3000];

	(void)state;
	memset(big, 'B', sizeof(big));
	/* 3000 > the slot (1515): reported truncated, its bytes skipped even
	 * when they arrive in pieces, and the next frame is intact. */
	peer_header(sizeof(big));
	peer_write(big, 1000);
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 1);
	assert_int_equal(msgs[0].msg_datalen, 3000);
	assert_true(msgs[0].msg_flags & MSG_TRUNC);
	peer_write(big, 2000);
	peer_frame(80, 'n');
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 1);
	assert_frame(0, 80, 'n');
}

static void
test_slot_plus_one_fits(void **state)
{
	unsigned char frame[MAX_PACKET + 1];

	(void)state;
	/* One byte over the maximum fits the slot untruncated: the caller
	 * sees the length and drops it. */
	memset(frame, 'z', sizeof(frame));
	peer_header(sizeof(frame));
	peer_write(frame, sizeof(frame));
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 1);
	assert_int_equal(msgs[0].msg_datalen, MAX_PACKET + 1);
	assert_int_equal(msgs[0].msg_flags, 0);
}

static void
test_length_over_maximum_is_protocol_error(void **state)
{
	(void)state;
	peer_frame(60, 'o');
	peer_header(STREAM_FRAME_MAX + 1);
	peer_frame(60, 'p');
	/* The frame before it is delivered; then the stream is broken for good. */
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 1);
	assert_frame(0, 60, 'o');
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), -1);
	assert_int_equal(errno, EPROTO);
}

static void
test_huge_length_is_protocol_error(void **state)
{
	(void)state;
	peer_header(0xffffffffu);
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), -1);
	assert_int_equal(errno, EPROTO);
}

static void
test_maximum_length_is_skipped_not_fatal(void **state)
{
	static unsigned char big[STREAM_FRAME_MAX];

	(void)state;
	peer_header(STREAM_FRAME_MAX);
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 1);
	assert_true(msgs[0].msg_flags & MSG_TRUNC);
	/* Write the body in the background of reads: the socket buffer may be
	 * smaller than the frame. */
	for (size_t off = 0; off < sizeof(big);) {
		ssize_t w = send(sv[1], big + off, sizeof(big) - off, MSG_DONTWAIT);

		if (w > 0)
			off += (size_t)w;
		assert_int_equal(stream_recv_x(&s, msgs, BATCH), -1);
		assert_int_equal(errno, EAGAIN);
	}
	peer_frame(90, 'k');
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 1);
	assert_frame(0, 90, 'k');
}

static void
test_end_of_stream(void **state)
{
	(void)state;
	peer_frame(60, 'e');
	peer_write("\0\0", 2); /* a partial header, then the peer goes */
	shutdown(sv[1], SHUT_WR);
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 1);
	assert_int_equal(stream_recv_x(&s, msgs, BATCH), 0);
}

/* Read what the peer end has; parse the complete frames into @lens and
 * @tags (first byte). A partial frame waits for the next call. */
static unsigned
peer_read_frames(size_t *lens, unsigned max, unsigned char *tags)
{
	size_t off = 0;
	unsigned n = 0;
	ssize_t r;

	while ((r = recv(sv[1], peer_buf + peer_have, sizeof(peer_buf) - peer_have, MSG_DONTWAIT)) >
	       0)
		peer_have += (size_t)r;
	while (off + STREAM_HEADER <= peer_have && n < max) {
		uint32_t len = (uint32_t)peer_buf[off] << 24 | (uint32_t)peer_buf[off + 1] << 16 |
		               (uint32_t)peer_buf[off + 2] << 8 | peer_buf[off + 3];

		if (off + STREAM_HEADER + len > peer_have)
			break;
		lens[n] = len;
		tags[n] = len ? peer_buf[off + STREAM_HEADER] : 0;
		off += STREAM_HEADER + len;
		n++;
	}
	memmove(peer_buf, peer_buf + off, peer_have - off);
	peer_have -= off;
	return n;
}

static void
set_send_frames(unsigned n, size_t len)
{
	for (unsigned i = 0; i < n; i++) {
		memset(slots[i], 'A' + (int)i, len);
		iov[i].iov_len = len;
	}
}

static void
test_send_batch_in_one_call(void **state)
{
	size_t lens[BATCH];
	unsigned char tags[BATCH];

	(void)state;
	set_send_frames(BATCH, 300);
	assert_int_equal(stream_send_x(&s, msgs, BATCH), BATCH);
	assert_int_equal(s.tx.writes, 1);
	assert_int_equal(peer_read_frames(lens, BATCH, tags), BATCH);
	assert_int_equal(peer_have, 0);
	for (unsigned i = 0; i < BATCH; i++) {
		assert_int_equal(lens[i], 300);
		assert_int_equal(tags[i], 'A' + i);
	}
}

static void
test_send_cut_short_keeps_the_stream_whole(void **state)
{
	size_t lens[256];
	unsigned char tags[256];
	int sndbuf = 4096;
	unsigned sent = 0, got = 0, calls = 0;
	bool cut_short = false;

	(void)state;
	/* A small send buffer and a slow peer: batches go in part, frames
	 * are cut short. */
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	set_send_frames(BATCH, 700);
	while (sent < 64 && calls++ < 10000) {
		ssize_t r = stream_send_x(&s, msgs, BATCH);

		if (r < 0) {
			assert_int_equal(errno, EAGAIN);
		} else {
			assert_true(r >= 1 && r <= BATCH);
			sent += (unsigned)r;
		}
		cut_short |= s.tx.pending_len > 0;
		/* The peer reads now and then, so the socket fills up. */
		if (calls % 4 == 0)
			got += peer_read_frames(lens + got, 256 - got, tags + got);
	}
	/* Whatever is pending arrives with the next call. */
	set_send_frames(1, 10);
	while (stream_send_x(&s, msgs, 1) < 0)
		got += peer_read_frames(lens + got, 256 - got, tags + got);
	sent++;
	got += peer_read_frames(lens + got, 256 - got, tags + got);
	assert_true(cut_short);
	assert_int_equal(peer_have, 0); /* no byte more than whole frames */
	assert_int_equal(got, sent);
	for (unsigned i = 0; i + 1 < got; i++)
		assert_int_equal(lens[i], 700);
	assert_int_equal(lens[got - 1], 10);
}

static void
test_send_to_closed_peer(void **state)
{
	(void)state;
	close(sv[1]);
	sv[1] = open("/dev/null", O_RDONLY);
	set_send_frames(1, 60);
	assert_int_equal(stream_send_x(&s, msgs, 1), -1);
	assert_int_equal(errno, EPIPE);
}

static void
test_send_refuses_bad_messages(void **state)
{
	(void)state;
	set_send_frames(1, 60);
	msgs[0].msg_iovlen = 2;
	assert_int_equal(stream_send_x(&s, msgs, 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	msgs[0].msg_iovlen = 1;
	iov[0].iov_len = MAX_PACKET + 2;
	assert_int_equal(stream_send_x(&s, msgs, 1), -1);
	assert_int_equal(errno, EMSGSIZE);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_nothing_yet),
	    T(test_several_frames_per_read),
	    T(test_more_frames_than_slots),
	    T(test_frame_split_across_reads),
	    T(test_zero_and_runt_lengths_are_handed_out),
	    T(test_oversized_frame_skipped),
	    T(test_slot_plus_one_fits),
	    T(test_length_over_maximum_is_protocol_error),
	    T(test_huge_length_is_protocol_error),
	    T(test_maximum_length_is_skipped_not_fatal),
	    T(test_end_of_stream),
	    T(test_send_batch_in_one_call),
	    T(test_send_cut_short_keeps_the_stream_whole),
	    T(test_send_to_closed_peer),
	    T(test_send_refuses_bad_messages),
	};
#undef T

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
