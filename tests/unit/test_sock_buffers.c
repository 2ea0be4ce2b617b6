// SPDX-License-Identifier: Apache-2.0
/*
 * test_sock_buffers.c - socket buffer sizes the kernel refuses: a fake
 * setsockopt() fails with ENOBUFS above a limit, as xnu does above
 * kern.ipc.maxsockbuf's share (where Linux clamps instead).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "sock.h"

#define FAKE_FD   42
#define MAX_TRIES 64

static struct {
	int limit; /* largest size accepted; ENOBUFS above */
	int clamp; /* if > 0: accept anything, grant at most this (Linux) */
	int granted[2];
	int tried[MAX_TRIES];
	int ntried;
} fake;

static int
slot(int optname)
{
	assert_true(optname == SO_SNDBUF || optname == SO_RCVBUF);
	return optname == SO_RCVBUF;
}

int
setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	int size;

	assert_int_equal(fd, FAKE_FD);
	assert_int_equal(level, SOL_SOCKET);
	assert_int_equal(optlen, sizeof(int));
	memcpy(&size, optval, sizeof(size));
	assert_true(fake.ntried < MAX_TRIES);
	fake.tried[fake.ntried++] = size;
	if (fake.clamp > 0) {
		fake.granted[slot(optname)] = size < fake.clamp ? size : fake.clamp;
		return 0;
	}
	if (size > fake.limit) {
		errno = ENOBUFS;
		return -1;
	}
	fake.granted[slot(optname)] = size;
	return 0;
}

int
getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	assert_int_equal(fd, FAKE_FD);
	assert_int_equal(level, SOL_SOCKET);
	assert_int_equal(*optlen, sizeof(int));
	memcpy(optval, &fake.granted[slot(optname)], sizeof(int));
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	return 0;
}

/* 64 KiB TSO frames, 8 MiB receive buffer: refused on macOS 13/14 with
 * the default maxsockbuf; the next size down is granted. */
static void
test_refused_size_is_halved(void **state)
{
	int snd = 2 << 20, rcv = 8 << 20;

	(void)state;
	fake.limit = (8 << 20) / 2304 * 2048; /* xnu, default maxsockbuf */
	assert_int_equal(sock_set_buffers(FAKE_FD, &snd, &rcv, 65550), 0);
	assert_int_equal(snd, 2 << 20);
	assert_int_equal(rcv, 4 << 20);
	assert_int_equal(fake.ntried, 3); /* send once, receive twice */
	assert_int_equal(fake.tried[1], 8 << 20);
	assert_int_equal(fake.tried[2], 4 << 20);
}

static void
test_never_below_one_frame(void **state)
{
	int snd = 1 << 20, rcv = 1 << 20;

	(void)state;
	fake.limit = 70000;
	assert_int_equal(sock_set_buffers(FAKE_FD, &snd, &rcv, 65550), 0);
	/* 1 MiB, 512, 256, 128 KiB refused; then one frame, not 64 KiB. */
	assert_int_equal(snd, 65550);
	assert_int_equal(rcv, 65550);
	assert_int_equal(fake.tried[4], 65550);
}

static void
test_one_frame_refused_fails(void **state)
{
	int snd = 1 << 20, rcv = 1 << 20;

	(void)state;
	fake.limit = 4096;
	assert_int_equal(sock_set_buffers(FAKE_FD, &snd, &rcv, 65550), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(fake.tried[fake.ntried - 1], 65550);
	/* The request is left alone on failure. */
	assert_int_equal(snd, 1 << 20);
}

/* Linux clamps and succeeds: the granted size comes from getsockopt. */
static void
test_clamped_size_reported(void **state)
{
	int snd = 4 << 20, rcv = 4 << 20;

	(void)state;
	fake.clamp = 212992;
	assert_int_equal(sock_set_buffers(FAKE_FD, &snd, &rcv, 1514), 0);
	assert_int_equal(snd, 212992);
	assert_int_equal(rcv, 212992);
	assert_int_equal(fake.ntried, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_refused_size_is_halved, setup),
	    cmocka_unit_test_setup(test_never_below_one_frame, setup),
	    cmocka_unit_test_setup(test_one_frame_refused_fails, setup),
	    cmocka_unit_test_setup(test_clamped_size_reported, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
