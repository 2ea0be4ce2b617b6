// SPDX-License-Identifier: Apache-2.0
/*
 * test_stop.c - the shutdown request: first request wins, every waiter
 * sees it.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stop.h"

static bool
readable(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static void
test_first_request_wins(void **state)
{
	(void)state;
	assert_int_equal(stop_init(), 0);
	assert_false(stop_requested());
	assert_false(readable(stop_fd()));
	stop_request(1, "first");
	stop_request(0, "second");
	assert_true(stop_requested());
	assert_string_equal(stop_reason(), "first");
	/* The request stays visible: waiting does not consume it. */
	assert_int_equal(stop_wait(), 1);
	assert_true(readable(stop_fd()));
	assert_int_equal(stop_wait(), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_request_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
