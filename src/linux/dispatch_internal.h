/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch_internal.h - what the files of the Linux libdispatch subset
 * (src/linux/dispatch_*.c) share: the object header, the helpers every type
 * uses and the hooks through which the generic object calls reach a type.
 */
#ifndef DISPATCH_INTERNAL_H
#define DISPATCH_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <dispatch/dispatch.h>

enum dispatch_kind {
	DISPATCH_KIND_QUEUE,
	DISPATCH_KIND_SEMAPHORE,
	DISPATCH_KIND_SOURCE,
};

struct dispatch_object_s {
	enum dispatch_kind kind;
	atomic_uint refcnt;
	bool global; /* a global queue: retain and release do nothing */
};

/* Abort with a message, as libdispatch does when its client misuses it. */
__attribute__((noreturn, format(printf, 1, 2))) void dispatch_crash(const char *fmt, ...);

/* Abort because @what failed with @err: the API cannot report it. */
__attribute__((noreturn)) void dispatch_fail(const char *what, int err);

/* Return: zeroed memory; aborts when there is none. */
void *dispatch_calloc(size_t size);

/* Return: the CLOCK_MONOTONIC time in nanoseconds. */
dispatch_time_t dispatch_now(void);

/* Return: @t as a timespec on CLOCK_MONOTONIC. */
struct timespec dispatch_timespec(dispatch_time_t t);

/* What dispatch_release(), dispatch_suspend(), dispatch_resume() and
 * dispatch_activate() do for each kind of object. */
void dispatch_queue_dispose(dispatch_queue_t q);
void dispatch_queue_suspend(dispatch_queue_t q);
void dispatch_queue_resume(dispatch_queue_t q);
void dispatch_semaphore_dispose(dispatch_semaphore_t s);
void dispatch_source_dispose(dispatch_source_t ds);
void dispatch_source_suspend(dispatch_source_t ds);
void dispatch_source_resume(dispatch_source_t ds);
void dispatch_source_activate(dispatch_source_t ds);

#endif /* DISPATCH_INTERNAL_H */
