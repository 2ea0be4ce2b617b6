// SPDX-License-Identifier: Apache-2.0
/*
 * dispatch_object.c - the subset of libdispatch that vmnet and vmnet-helper
 * use, for Linux: the calls every object takes, time, and the helpers the
 * other dispatch_*.c files share.
 *
 * Theory of operation:
 *
 * Objects. Queues (dispatch_queue.c), semaphores (dispatch_semaphore.c) and
 * sources (dispatch_source.c, dispatch_after.c) share a header with a kind and an atomic
 * reference count, so dispatch_retain()/dispatch_release() take any of
 * them; the calls below pass the object on to its type. The global queue
 * is never freed: retaining or releasing it does nothing, as on macOS.
 *
 * Deviations from libdispatch (those of one type are in its file):
 * - releasing an inactive or suspended object frees it instead of trapping;
 * - allocation or thread creation failures abort (the API cannot report
 *   them).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dispatch/dispatch.h>

#include "dispatch_internal.h"

void
dispatch_crash(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("BUG IN CLIENT OF LIBDISPATCH: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void
dispatch_fail(const char *what, int err)
{
	fprintf(stderr, "dispatch: %s: %s\n", what, strerror(err));
	abort();
}

void *
dispatch_calloc(size_t size)
{
	void *p = calloc(1, size);

	if (p == NULL)
		dispatch_fail("calloc", ENOMEM);
	return p;
}

/* Time */

dispatch_time_t
dispatch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (dispatch_time_t)ts.tv_sec * NSEC_PER_SEC + (dispatch_time_t)ts.tv_nsec;
}

/*
 * A point in time @delta nanoseconds after @when (DISPATCH_TIME_NOW: now).
 *
 * Return: monotonic nanoseconds; DISPATCH_TIME_FOREVER if @when is FOREVER
 * or the sum overflows; never DISPATCH_TIME_NOW (0) for a time in the past.
 */
dispatch_time_t
dispatch_time(dispatch_time_t when, int64_t delta)
{
	dispatch_time_t t;

	if (when == DISPATCH_TIME_FOREVER)
		return DISPATCH_TIME_FOREVER;
	if (when == DISPATCH_TIME_NOW)
		when = dispatch_now();
	if (delta >= 0) {
		t = when + (uint64_t)delta;
		return t < when || t == DISPATCH_TIME_FOREVER ? DISPATCH_TIME_FOREVER : t;
	}
	if ((uint64_t) - (delta + 1) + 1 >= when)
		return 1;
	return when - ((uint64_t) - (delta + 1) + 1);
}

struct timespec
dispatch_timespec(dispatch_time_t t)
{
	struct timespec ts = {
	    .tv_sec = (time_t)(t / NSEC_PER_SEC),
	    .tv_nsec = (long)(t % NSEC_PER_SEC),
	};

	return ts;
}

/* Objects */

void
dispatch_retain(dispatch_object_t object)
{
	if (object._do->global)
		return;
	atomic_fetch_add_explicit(&object._do->refcnt, 1, memory_order_relaxed);
}

void
dispatch_release(dispatch_object_t object)
{
	struct dispatch_object_s *o = object._do;

	if (o->global)
		return;
	if (atomic_fetch_sub_explicit(&o->refcnt, 1, memory_order_acq_rel) != 1)
		return;
	switch (o->kind) {
	case DISPATCH_KIND_QUEUE:
		dispatch_queue_dispose(object._dq);
		break;
	case DISPATCH_KIND_SEMAPHORE:
		dispatch_semaphore_dispose(object._dsema);
		break;
	case DISPATCH_KIND_SOURCE:
		dispatch_source_dispose(object._ds);
		break;
	}
}

void
dispatch_suspend(dispatch_object_t object)
{
	switch (object._do->kind) {
	case DISPATCH_KIND_QUEUE:
		dispatch_queue_suspend(object._dq);
		break;
	case DISPATCH_KIND_SOURCE:
		dispatch_source_suspend(object._ds);
		break;
	case DISPATCH_KIND_SEMAPHORE:
		break;
	}
}

void
dispatch_resume(dispatch_object_t object)
{
	switch (object._do->kind) {
	case DISPATCH_KIND_QUEUE:
		dispatch_queue_resume(object._dq);
		break;
	case DISPATCH_KIND_SOURCE:
		dispatch_source_resume(object._ds);
		break;
	case DISPATCH_KIND_SEMAPHORE:
		break;
	}
}

/* Activate an inactive source; queues and semaphores are created active. */
void
dispatch_activate(dispatch_object_t object)
{
	if (object._do->kind == DISPATCH_KIND_SOURCE)
		dispatch_source_activate(object._ds);
}
