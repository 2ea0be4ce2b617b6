// SPDX-License-Identifier: Apache-2.0
/*
 * test_vmnet_tapcount_linux.c - the estimate of frames waiting on a TAP,
 * with the kernel's count played by a variable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/linux/vmnet_tapcount.h"

static volatile uint64_t kernel_count;

static void
counting(struct vmnet_tapcount *c, uint64_t start)
{
	kernel_count = start;
	c->queued = &kernel_count;
	atomic_init(&c->taken, start);
}

/* Frames queued and not read are the estimate; a read takes them off. */
static void
test_queued_minus_read(void **state)
{
	struct vmnet_tapcount c;

	(void)state;
	counting(&c, 0);
	kernel_count = 40;
	assert_int_equal(vmnet_tapcount_estimate(&c), 40);
	vmnet_tapcount_read(&c, 32, false, vmnet_tapcount_queued(&c));
	assert_int_equal(vmnet_tapcount_estimate(&c), 8);
	kernel_count += 5;
	assert_int_equal(vmnet_tapcount_estimate(&c), 13);
}

/* Frames the kernel counted and dropped are forgotten at the next empty read. */
static void
test_empty_read_sets_count_right(void **state)
{
	struct vmnet_tapcount c;
	uint64_t before;

	(void)state;
	counting(&c, 1000);
	kernel_count = 1600; /* 100 of these were dropped, queue full */
	vmnet_tapcount_read(&c, 256, false, 0);
	vmnet_tapcount_read(&c, 244, false, 0);
	assert_int_equal(vmnet_tapcount_estimate(&c), 100);
	before = vmnet_tapcount_queued(&c);
	vmnet_tapcount_read(&c, 0, true, before);
	assert_int_equal(vmnet_tapcount_estimate(&c), 1);
	kernel_count += 3;
	assert_int_equal(vmnet_tapcount_estimate(&c), 3);
}

/* Never below 1: an event means a frame waits, even when reads led the count. */
static void
test_at_least_one(void **state)
{
	struct vmnet_tapcount c;

	(void)state;
	counting(&c, 7);
	assert_int_equal(vmnet_tapcount_estimate(&c), 1);
	/* A frame counted while an empty read ran, then read. */
	vmnet_tapcount_read(&c, 1, false, 7);
	assert_int_equal(vmnet_tapcount_estimate(&c), 1);
	kernel_count = 10;
	assert_int_equal(vmnet_tapcount_estimate(&c), 2);
}

/* Without a count (no BPF): estimate 1, reads change nothing. */
static void
test_no_count(void **state)
{
	struct vmnet_tapcount c = {.queued = NULL};

	(void)state;
	atomic_init(&c.taken, 0);
	vmnet_tapcount_read(&c, 5, false, 0);
	assert_int_equal(vmnet_tapcount_queued(&c), 0);
	assert_int_equal(vmnet_tapcount_estimate(&c), 1);
	vmnet_tapcount_detach(&c);
}

/* A read stops after the frames counted, at least one; without a count it reads until empty. */
static void
test_read_limit(void **state)
{
	struct vmnet_tapcount c, none = {.queued = NULL};

	(void)state;
	counting(&c, 50);
	assert_int_equal(vmnet_tapcount_read_limit(&c), 1);
	kernel_count = 62;
	assert_int_equal(vmnet_tapcount_read_limit(&c), 12);
	vmnet_tapcount_read(&c, 12, false, 62);
	assert_int_equal(vmnet_tapcount_read_limit(&c), 1);
	atomic_init(&none.taken, 0);
	assert_true(vmnet_tapcount_read_limit(&none) == UINT64_MAX);
}

/* Attaching to a descriptor that is no TAP fails and leaves no count. */
static void
test_attach_not_a_tap(void **state)
{
	struct vmnet_tapcount c;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(vmnet_tapcount_attach(&c, fds[0]), -1);
	assert_null(c.queued);
	assert_int_equal(vmnet_tapcount_estimate(&c), 1);
	close(fds[0]);
	close(fds[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_queued_minus_read),
	    cmocka_unit_test(test_empty_read_sets_count_right),
	    cmocka_unit_test(test_at_least_one),
	    cmocka_unit_test(test_no_count),
	    cmocka_unit_test(test_read_limit),
	    cmocka_unit_test(test_attach_not_a_tap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
