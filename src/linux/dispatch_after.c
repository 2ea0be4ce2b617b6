// SPDX-License-Identifier: Apache-2.0
/*
 * dispatch_after.c - libdispatch's dispatch_after(), for Linux: a one-shot
 * timer source that runs the work once on the queue and then cancels and
 * releases itself.
 *
 * Deviation from libdispatch: DISPATCH_TIME_FOREVER (undefined there) never
 * runs the work and allocates nothing.
 */
#include <errno.h>

#include <Block.h>
#include <dispatch/dispatch.h>

#include "dispatch_internal.h"

void
dispatch_after(dispatch_time_t when, dispatch_queue_t queue, dispatch_block_t block)
{
	dispatch_block_t work;
	dispatch_source_t ds;

	if (when == DISPATCH_TIME_FOREVER)
		return;
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, queue);
	if (ds == NULL)
		dispatch_crash("dispatch_after called without a queue");
	work = Block_copy(block);
	if (work == NULL)
		dispatch_fail("Block_copy", ENOMEM);
	dispatch_source_set_timer(ds, when, 0, 0);
	/* cppcheck cannot parse block literals: the rest of this file is not checked. */
	// cppcheck-suppress syntaxError
	dispatch_source_set_event_handler(ds, ^{
		dispatch_source_cancel(ds);
		work();
		Block_release(work);
		dispatch_release(ds);
	});
	dispatch_resume(ds);
}

void
dispatch_after_f(dispatch_time_t when, dispatch_queue_t queue, void *context,
                 dispatch_function_t work)
{
	dispatch_after(when, queue, ^{
		work(context);
	});
}
