/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch_private.h - what the Linux libdispatch subset offers the rest
 * of the platform beyond Apple's API, as libdispatch's private interface
 * does for Apple's own frameworks.
 */
#ifndef DISPATCH_PRIVATE_H
#define DISPATCH_PRIVATE_H

#include <stdbool.h>

#include <dispatch/dispatch.h>

/*
 * dispatch_run_here_f() - run @work as an item of @queue on the calling
 * thread, if @queue could start it at once
 *
 * The thread that received an event runs the handler itself, as
 * libdispatch's event threads do, instead of waking a worker of the queue:
 * @work still runs alone on a serial queue, after everything queued before
 * it, and dispatch_queue_get_label(NULL) names @queue.
 *
 * The caller holds a reference to @queue.
 *
 * Return: true once @work has run; false, with nothing done, if @queue is
 * suspended, has items waiting or cannot start another one now (the
 * caller queues @work then).
 */
bool dispatch_run_here_f(dispatch_queue_t queue, void *context, dispatch_function_t work);

#endif /* DISPATCH_PRIVATE_H */
