// SPDX-License-Identifier: Apache-2.0
/*
 * test_fdscan.c - closing inherited descriptors and finding the highest
 * open one.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdscan.h"

/* Beyond the first chunk a scan looks at where the limit allows. */
static int far_fd;

static bool
is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Open /dev/null on exactly @fd. */
static void
open_at(int fd)
{
	int tmp = open("/dev/null", O_RDONLY);

	assert_true(tmp >= 0);
	assert_int_equal(dup2(tmp, fd), fd);
	if (tmp != fd)
		close(tmp);
}

static void
test_highest_open(void **state)
{
	(void)state;
	assert_int_equal(fdscan_close_above_stdio(-1), 0);
	assert_int_equal(fdscan_highest_open(), 2);
	/* With a gap below it. */
	open_at(5);
	open_at(far_fd);
	assert_int_equal(fdscan_highest_open(), far_fd);
	close(far_fd);
	assert_int_equal(fdscan_highest_open(), 5);
	close(5);
}

static void
test_close_keeps_one(void **state)
{
	int fds[] = {3, 4, 7, 8, 900, far_fd};

	(void)state;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		open_at(fds[i]);
	assert_int_equal(fdscan_close_above_stdio(7), 0);
	assert_true(is_open(7));
	assert_true(is_open(0) && is_open(1) && is_open(2));
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] != 7)
			assert_false(is_open(fds[i]));
	assert_int_equal(fdscan_highest_open(), 7);
	/* The kept one may be the lowest, too. */
	open_at(4);
	open_at(3);
	assert_int_equal(fdscan_close_above_stdio(3), 0);
	assert_true(is_open(3));
	assert_false(is_open(4) || is_open(7));
	close(3);
}

int
main(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2048 && rl.rlim_max >= 2048) {
		rl.rlim_cur = 2048;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	far_fd =
	    getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 1600 ? 1500 : (int)rl.rlim_cur - 1;

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_highest_open),
	    cmocka_unit_test(test_close_keeps_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
