/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch.h - the subset of libdispatch that vmnet and vmnet-helper use,
 * for Linux.
 *
 * Implemented by src/linux/dispatch_*.c: serial queues (FIFO, one worker
 * thread each), concurrent queues and the global queue (workers on demand,
 * barriers), dispatch_after, semaphores with timeouts, and signal and timer
 * sources.
 * Signatures follow macOS; see shared/reference/vmnet-api.md section 4.2.
 */
#ifndef DISPATCH_DISPATCH_H
#define DISPATCH_DISPATCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NSEC_PER_SEC  1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define USEC_PER_SEC  1000000ull
#define NSEC_PER_USEC 1000ull

typedef uint64_t dispatch_time_t;
#define DISPATCH_TIME_NOW     (0ull)
#define DISPATCH_TIME_FOREVER (~0ull)

typedef struct dispatch_queue_s *dispatch_queue_t;
typedef struct dispatch_queue_attr_s *dispatch_queue_attr_t;
typedef struct dispatch_semaphore_s *dispatch_semaphore_t;
typedef struct dispatch_source_s *dispatch_source_t;
typedef const struct dispatch_source_type_s *dispatch_source_type_t;

/* Any dispatch object, as libdispatch's C interface spells it. */
typedef union {
	struct dispatch_object_s *_do;
	struct dispatch_queue_s *_dq;
	struct dispatch_semaphore_s *_dsema;
	struct dispatch_source_s *_ds;
} dispatch_object_t __attribute__((__transparent_union__));

typedef void (^dispatch_block_t)(void);
typedef void (*dispatch_function_t)(void *context);

#define DISPATCH_QUEUE_SERIAL NULL
extern struct dispatch_queue_attr_s _dispatch_queue_attr_concurrent;
#define DISPATCH_QUEUE_CONCURRENT (&_dispatch_queue_attr_concurrent)

#define DISPATCH_QUEUE_PRIORITY_HIGH       2
#define DISPATCH_QUEUE_PRIORITY_DEFAULT    0
#define DISPATCH_QUEUE_PRIORITY_LOW        (-2)
#define DISPATCH_QUEUE_PRIORITY_BACKGROUND INT16_MIN

extern const struct dispatch_source_type_s _dispatch_source_type_signal;
extern const struct dispatch_source_type_s _dispatch_source_type_timer;
#define DISPATCH_SOURCE_TYPE_SIGNAL (&_dispatch_source_type_signal)
#define DISPATCH_SOURCE_TYPE_TIMER  (&_dispatch_source_type_timer)

dispatch_time_t dispatch_time(dispatch_time_t when, int64_t delta);

void dispatch_retain(dispatch_object_t object);
void dispatch_release(dispatch_object_t object);
void dispatch_resume(dispatch_object_t object);
void dispatch_suspend(dispatch_object_t object);
void dispatch_activate(dispatch_object_t object);

dispatch_queue_t dispatch_queue_create(const char *label, dispatch_queue_attr_t attr);
dispatch_queue_t dispatch_get_global_queue(intptr_t identifier, uintptr_t flags);
const char *dispatch_queue_get_label(dispatch_queue_t queue);
void dispatch_async(dispatch_queue_t queue, dispatch_block_t block);
void dispatch_async_f(dispatch_queue_t queue, void *context, dispatch_function_t work);
void dispatch_sync(dispatch_queue_t queue, dispatch_block_t block);
void dispatch_sync_f(dispatch_queue_t queue, void *context, dispatch_function_t work);
void dispatch_barrier_async(dispatch_queue_t queue, dispatch_block_t block);
void dispatch_barrier_async_f(dispatch_queue_t queue, void *context, dispatch_function_t work);
void dispatch_barrier_sync(dispatch_queue_t queue, dispatch_block_t block);
void dispatch_barrier_sync_f(dispatch_queue_t queue, void *context, dispatch_function_t work);
void dispatch_after(dispatch_time_t when, dispatch_queue_t queue, dispatch_block_t block);
void dispatch_after_f(dispatch_time_t when, dispatch_queue_t queue, void *context,
                      dispatch_function_t work);

dispatch_semaphore_t dispatch_semaphore_create(intptr_t value);
intptr_t dispatch_semaphore_wait(dispatch_semaphore_t dsema, dispatch_time_t timeout);
intptr_t dispatch_semaphore_signal(dispatch_semaphore_t dsema);

dispatch_source_t dispatch_source_create(dispatch_source_type_t type, uintptr_t handle,
                                         uintptr_t mask, dispatch_queue_t queue);
void dispatch_source_set_event_handler(dispatch_source_t source, dispatch_block_t handler);
void dispatch_source_set_cancel_handler(dispatch_source_t source, dispatch_block_t handler);
void dispatch_source_set_timer(dispatch_source_t source, dispatch_time_t start, uint64_t interval,
                               uint64_t leeway);
void dispatch_source_cancel(dispatch_source_t source);
long dispatch_source_testcancel(dispatch_source_t source);
uintptr_t dispatch_source_get_data(dispatch_source_t source);

#ifdef __cplusplus
}
#endif

#endif /* DISPATCH_DISPATCH_H */
