// SPDX-License-Identifier: Apache-2.0
/*
 * test_msg_x.c - sendmsg_x()/recvmsg_x() with Darwin's semantics on a
 * socketpair(AF_UNIX, SOCK_DGRAM).
 *
 * Sockets get a receive/send timeout, so an implementation that blocks
 * where Darwin does not fails with EAGAIN instead of hanging the test.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "msg_x.h"

#define MAX_MSGS 1100
#define FRAME    64

static struct iovec iov[MAX_MSGS];
static struct msghdr_x msgs[MAX_MSGS];
static unsigned char bufs[MAX_MSGS][FRAME];

static int sv[2];

static void
set_timeouts(int fd)
{
	struct timeval tv = {.tv_sec = 5};

	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
}

static int
setup(void **state)
{
	(void)state;
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		return -1;
	set_timeouts(sv[0]);
	set_timeouts(sv[1]);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* Point message i at buffer i with @len bytes of capacity or payload. */
static void
prepare(unsigned int count, size_t len)
{
	unsigned int i;

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < count; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = len;
		msgs[i].msg_iov = &iov[i];
		msgs[i].msg_iovlen = 1;
	}
}

/* Send @count datagrams of distinct lengths and contents. */
static void
send_numbered(unsigned int count)
{
	unsigned int i;

	prepare(count, 0);
	for (i = 0; i < count; i++) {
		iov[i].iov_len = 1 + i % (FRAME - 1);
		memset(bufs[i], (int)(i & 0xff), iov[i].iov_len);
	}
	assert_int_equal(sendmsg_x(sv[0], msgs, count, 0), count);
}

static void
test_batch_roundtrip(void **state)
{
	unsigned char expect[FRAME];
	unsigned int i;

	(void)state;
	send_numbered(8);
	prepare(16, FRAME);
	/* Blocking socket: returns what is queued instead of waiting for 16. */
	assert_int_equal(recvmsg_x(sv[1], msgs, 16, 0), 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(msgs[i].msg_datalen, 1 + i);
		assert_int_equal(msgs[i].msg_flags, 0);
		memset(expect, (int)i, sizeof(expect));
		assert_memory_equal(bufs[i], expect, 1 + i);
	}
}

static void
test_recv_partial_batch(void **state)
{
	(void)state;
	send_numbered(3);
	prepare(2, FRAME);
	assert_int_equal(recvmsg_x(sv[1], msgs, 2, 0), 2);
	assert_int_equal(msgs[1].msg_datalen, 2);
	prepare(8, FRAME);
	assert_int_equal(recvmsg_x(sv[1], msgs, 8, 0), 1);
	assert_int_equal(msgs[0].msg_datalen, 3);
	assert_int_equal(bufs[0][0], 2);
}

static void
test_recv_truncated(void **state)
{
	unsigned char big[FRAME];

	(void)state;
	memset(big, 0xab, sizeof(big));
	assert_int_equal(send(sv[0], big, sizeof(big), 0), sizeof(big));
	assert_int_equal(send(sv[0], big, 4, 0), 4);
	prepare(2, 10);
	msgs[0].msg_flags = 0;
	assert_true(recvmsg_x(sv[1], msgs, 2, 0) >= 1);
	assert_true(msgs[0].msg_flags & MSG_TRUNC);
	assert_int_equal(msgs[0].msg_datalen, 10);
	assert_int_equal(bufs[0][9], 0xab);
}

static void
test_recv_flags_reset(void **state)
{
	(void)state;
	/* A message reused after a truncation reports its own flags. */
	send_numbered(1);
	prepare(1, FRAME);
	msgs[0].msg_flags = MSG_TRUNC;
	assert_int_equal(recvmsg_x(sv[1], msgs, 1, 0), 1);
	assert_int_equal(msgs[0].msg_flags, 0);
}

static void
test_recv_dontwait_empty(void **state)
{
	(void)state;
	prepare(4, FRAME);
	errno = 0;
	assert_int_equal(recvmsg_x(sv[1], msgs, 4, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void *
late_sender(void *arg)
{
	unsigned char b = 7;

	(void)arg;
	usleep(20000);
	(void)!send(sv[0], &b, 1, 0);
	return NULL;
}

static void
test_recv_blocks_for_first(void **state)
{
	pthread_t t;

	(void)state;
	prepare(32, FRAME);
	assert_int_equal(pthread_create(&t, NULL, late_sender, NULL), 0);
	assert_int_equal(recvmsg_x(sv[1], msgs, 32, 0), 1);
	assert_int_equal(bufs[0][0], 7);
	assert_int_equal(pthread_join(t, NULL), 0);
}

static void
test_recv_clamped_to_256(void **state)
{
	int size = 1 << 20;

	(void)state;
	/*
	 * Room for 300 small datagrams in flight (the kernel caps the size at
	 * net.core.wmem_max, which is still enough). sendmsg_x does not clamp
	 * (macOS 15): all 300 go out in one call.
	 */
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
	send_numbered(300);
	prepare(1024, FRAME);
	assert_int_equal(recvmsg_x(sv[1], msgs, 1024, 0), 256);
	assert_int_equal(msgs[255].msg_datalen, 1 + 255 % (FRAME - 1));
	assert_int_equal(recvmsg_x(sv[1], msgs, 1024, 0), 44);
	assert_int_equal(bufs[43][0], 299 & 0xff);
}

static void
test_send_full_peer_enobufs(void **state)
{
	int size = 4096;
	unsigned int sent = 0;
	ssize_t n;

	(void)state;
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
	prepare(16, FRAME);
	/* Fill the peer: every call returns at once, with a count or ENOBUFS. */
	for (;;) {
		n = sendmsg_x(sv[0], msgs, 16, 0);
		if (n < 0)
			break;
		assert_true(n >= 1 && n <= 16);
		sent += (unsigned int)n;
		assert_true(sent < 100000);
	}
	assert_int_equal(errno, ENOBUFS);
	assert_true(sent > 0);

	/* Make room for a few: the next batch is partial, then full again. */
	prepare(3, FRAME);
	assert_int_equal(recvmsg_x(sv[1], msgs, 3, 0), 3);
	prepare(64, FRAME);
	n = sendmsg_x(sv[0], msgs, 64, 0);
	assert_true(n >= 1 && n < 64);
	errno = 0;
	assert_int_equal(sendmsg_x(sv[0], msgs, 64, 0), -1);
	assert_int_equal(errno, ENOBUFS);
}

static void
test_invalid_arguments(void **state)
{
	int dummy;

	(void)state;
	prepare(MAX_MSGS, FRAME);
	errno = 0;
	assert_int_equal(recvmsg_x(sv[1], msgs, 0, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(recvmsg_x(sv[1], msgs, 1025, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(recvmsg_x(sv[1], msgs, 1, MSG_PEEK), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sendmsg_x(sv[0], msgs, 0, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sendmsg_x(sv[0], msgs, 1025, 0), -1);
	assert_int_equal(errno, EINVAL);

	msgs[1].msg_name = &dummy;
	msgs[1].msg_namelen = sizeof(dummy);
	errno = 0;
	assert_int_equal(sendmsg_x(sv[0], msgs, 2, 0), -1);
	assert_int_equal(errno, EINVAL);
	msgs[1].msg_name = NULL;
	msgs[1].msg_namelen = 0;
	msgs[0].msg_control = &dummy;
	errno = 0;
	assert_int_equal(sendmsg_x(sv[0], msgs, 1, 0), -1);
	assert_int_equal(errno, EINVAL);
	msgs[0].msg_control = NULL;

	msgs[0].msg_iovlen = 0;
	errno = 0;
	assert_int_equal(sendmsg_x(sv[0], msgs, 1, 0), -1);
	assert_int_equal(errno, EMSGSIZE);
	errno = 0;
	assert_int_equal(recvmsg_x(sv[1], msgs, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EMSGSIZE);

	/* Nothing was sent by the rejected calls. */
	prepare(1, FRAME);
	errno = 0;
	assert_int_equal(recvmsg_x(sv[1], msgs, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void
test_send_closed_peer(void **state)
{
	(void)state;
	close(sv[1]);
	sv[1] = -1;
	prepare(4, 8);
	errno = 0;
	assert_int_equal(sendmsg_x(sv[0], msgs, 4, 0), -1);
	assert_int_equal(errno, ECONNREFUSED);
}

static void
test_send_epipe_no_sigpipe(void **state)
{
	int sp[2];

	(void)state;
	/* SIGPIPE's default action would end this process. */
	signal(SIGPIPE, SIG_DFL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	close(sp[1]);
	prepare(2, 8);
	errno = 0;
	assert_int_equal(sendmsg_x(sp[0], msgs, 2, 0), -1);
	assert_int_equal(errno, EPIPE);
	close(sp[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_batch_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recv_partial_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recv_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recv_flags_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recv_dontwait_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recv_blocks_for_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recv_clamped_to_256, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_send_full_peer_enobufs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_send_closed_peer, setup, teardown),
	    cmocka_unit_test(test_send_epipe_no_sigpipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
