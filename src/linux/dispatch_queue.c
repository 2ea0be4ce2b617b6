// SPDX-License-Identifier: Apache-2.0
/*
 * dispatch_queue.c - libdispatch's serial and concurrent queues, for Linux.
 *
 * Theory of operation:
 *
 * A queue is a FIFO list of work items and a set of worker threads. A serial
 * queue has one worker, started with the queue, and runs one item at a time.
 * A concurrent queue (DISPATCH_QUEUE_CONCURRENT, the global queues) starts
 * workers on demand, one more whenever an item is queued and no worker is
 * idle, up to QUEUE_MAX_WORKERS, so that a block that waits (a server
 * handling one slow client) never keeps the next block from starting; items
 * still start in FIFO order. A barrier item (dispatch_barrier_*) waits until
 * every item started before it has finished and runs alone; on a serial
 * queue every item behaves so.
 *
 * dispatch_async() copies the block, retains the queue and appends an item;
 * a worker runs it and releases the queue, so a queue lives while referenced
 * or while work is pending. When the last reference goes the workers exit and
 * the last one frees the queue. dispatch_sync() queues a marker on the
 * caller's stack; when a worker starts it, the caller runs the block on its
 * own thread (as libdispatch does) and then ends the item itself, so no
 * worker waits for it. Every thread keeps a list of the queues it runs work for, so
 * a dispatch_sync() onto a serial queue (or a barrier onto any queue) it is
 * already running on aborts with libdispatch's message instead of
 * deadlocking. dispatch_run_here_f() (dispatch_private.h) starts an item
 * the same way on the calling thread, when the queue could start it at
 * once, so an event thread runs a handler without waking a worker.
 *
 * Deviations from libdispatch: no main queue; the global queues are one
 * process-wide concurrent queue whatever the priority; a concurrent queue's
 * workers stay until the queue goes (they do not time out).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Block.h>
#include <dispatch/dispatch.h>

#include "dispatch_internal.h"
#include "dispatch_private.h"

/* Workers of one concurrent queue at most: blocks that wait for each other
 * need as many threads as there are waiters, libdispatch allows 64 too. */
#define QUEUE_MAX_WORKERS 64

struct dispatch_queue_attr_s {
	bool concurrent;
};

struct dispatch_queue_attr_s _dispatch_queue_attr_concurrent = {.concurrent = true};

/* A dispatch_sync() caller's marker, on its stack. */
struct dq_sync {
	bool reached; /* a worker started it: the caller may run */
};

struct dq_item {
	struct dq_item *next;
	dispatch_function_t fn;
	void *ctx;
	bool barrier;
	/* Non-NULL: a dispatch_sync() marker, not freed by the worker. */
	struct dq_sync *sync;
};

struct dispatch_queue_s {
	struct dispatch_object_s obj;
	char *label;
	bool concurrent;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct dq_item *head;
	struct dq_item *tail;
	unsigned int suspended;
	unsigned int running; /* items started and not finished */
	bool barrier_running; /* one of them is a barrier */
	unsigned int workers; /* threads serving the queue */
	unsigned int idle;    /* of them, waiting for work */
	bool dead;            /* no references left: the workers exit */
};

/* The queues the current thread runs work for, innermost first. */
struct dq_frame {
	dispatch_queue_t queue;
	struct dq_frame *prev;
};

static __thread struct dq_frame *dq_frames;

static void *queue_worker(void *arg);

/* Start one more worker; the caller holds @q->lock or owns @q alone. */
static void
queue_start_worker(dispatch_queue_t q)
{
	pthread_t thread;
	int err;

	err = pthread_create(&thread, NULL, queue_worker, q);
	if (err)
		dispatch_fail("pthread_create", err);
	pthread_detach(thread);
	q->workers++;
}

static void
queue_push(dispatch_queue_t q, struct dq_item *item)
{
	pthread_mutex_lock(&q->lock);
	item->next = NULL;
	if (q->tail)
		q->tail->next = item;
	else
		q->head = item;
	q->tail = item;
	if (q->concurrent && q->idle == 0 && q->workers < QUEUE_MAX_WORKERS)
		queue_start_worker(q);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static void
queue_free(dispatch_queue_t q)
{
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q->label);
	free(q);
}

/* Return: whether the head item may start now; the caller holds @q->lock. */
static bool
queue_can_start(dispatch_queue_t q)
{
	if (q->head == NULL || q->suspended > 0 || q->barrier_running)
		return false;
	if (q->running == 0)
		return true;
	return q->concurrent && !q->head->barrier;
}

/* An item of @q has finished: let the next ones start, drop its reference. */
static void
queue_item_done(dispatch_queue_t q, bool barrier)
{
	pthread_mutex_lock(&q->lock);
	q->running--;
	if (barrier)
		q->barrier_running = false;
	/* Only a waiting item can start now: idle workers sleep on. */
	if (q->head)
		pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	dispatch_release(q);
}

static void *
queue_worker(void *arg)
{
	dispatch_queue_t q = arg;
	struct dq_frame frame = {.queue = q};
	struct dq_item *item;
	bool barrier, last;
	char name[16];

	snprintf(name, sizeof(name), "%s", q->label);
	pthread_setname_np(pthread_self(), name);
	frame.prev = dq_frames;
	dq_frames = &frame;
	pthread_mutex_lock(&q->lock);
	for (;;) {
		q->idle++;
		while (!q->dead && !queue_can_start(q))
			pthread_cond_wait(&q->cond, &q->lock);
		q->idle--;
		if (q->dead)
			break;
		item = q->head;
		q->head = item->next;
		if (q->head == NULL)
			q->tail = NULL;
		barrier = item->barrier || !q->concurrent;
		q->running++;
		q->barrier_running = barrier;
		/* Another item may start beside this one: wake a worker for it. */
		if (q->concurrent && !barrier && q->head)
			pthread_cond_broadcast(&q->cond);

		if (item->sync) {
			/* The caller runs it, then ends it (queue_item_done()). */
			item->sync->reached = true;
			pthread_cond_broadcast(&q->cond);
			continue;
		}
		pthread_mutex_unlock(&q->lock);
		item->fn(item->ctx);
		free(item);
		queue_item_done(q, barrier);
		pthread_mutex_lock(&q->lock);
	}
	last = --q->workers == 0;
	pthread_mutex_unlock(&q->lock);
	dq_frames = frame.prev;
	if (last)
		queue_free(q);
	return NULL;
}

static dispatch_queue_t
queue_new(const char *label, bool concurrent)
{
	dispatch_queue_t q = dispatch_calloc(sizeof(*q));

	q->obj.kind = DISPATCH_KIND_QUEUE;
	atomic_init(&q->obj.refcnt, 1);
	q->label = strdup(label ? label : "");
	if (q->label == NULL)
		dispatch_fail("strdup", ENOMEM);
	q->concurrent = concurrent;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	if (!concurrent)
		queue_start_worker(q);
	return q;
}

dispatch_queue_t
dispatch_queue_create(const char *label, dispatch_queue_attr_t attr)
{
	return queue_new(label, attr != NULL && attr->concurrent);
}

static dispatch_queue_t global_queue;

static void
global_queue_init(void)
{
	global_queue = queue_new("com.apple.root.default-qos", true);
	global_queue->obj.global = true;
}

/* Return: the process-wide concurrent queue; @identifier and @flags are ignored. */
dispatch_queue_t
dispatch_get_global_queue(intptr_t identifier, uintptr_t flags)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)identifier;
	(void)flags;
	pthread_once(&once, global_queue_init);
	return global_queue;
}

/* Return: the label of @queue, or of the current queue if @queue is NULL; "" if none. */
const char *
dispatch_queue_get_label(dispatch_queue_t queue)
{
	if (queue == NULL)
		queue = dq_frames ? dq_frames->queue : NULL;
	return queue ? queue->label : "";
}

void
dispatch_queue_dispose(dispatch_queue_t q)
{
	pthread_mutex_lock(&q->lock);
	q->dead = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void
dispatch_queue_suspend(dispatch_queue_t q)
{
	pthread_mutex_lock(&q->lock);
	q->suspended++;
	pthread_mutex_unlock(&q->lock);
}

void
dispatch_queue_resume(dispatch_queue_t q)
{
	pthread_mutex_lock(&q->lock);
	if (q->suspended == 0)
		dispatch_crash("Over-resume of an object");
	if (--q->suspended == 0)
		pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static void
queue_async(dispatch_queue_t queue, void *context, dispatch_function_t work, bool barrier)
{
	struct dq_item *item = dispatch_calloc(sizeof(*item));

	item->fn = work;
	item->ctx = context;
	item->barrier = barrier;
	dispatch_retain(queue);
	queue_push(queue, item);
}

void
dispatch_async_f(dispatch_queue_t queue, void *context, dispatch_function_t work)
{
	queue_async(queue, context, work, false);
}

void
dispatch_barrier_async_f(dispatch_queue_t queue, void *context, dispatch_function_t work)
{
	queue_async(queue, context, work, true);
}

static void
run_block(void *ctx)
{
	dispatch_block_t block = ctx;

	block();
	Block_release(block);
}

static dispatch_block_t
copy_block(dispatch_block_t block)
{
	dispatch_block_t copy = Block_copy(block);

	if (copy == NULL)
		dispatch_fail("Block_copy", ENOMEM);
	return copy;
}

void
dispatch_async(dispatch_queue_t queue, dispatch_block_t block)
{
	queue_async(queue, copy_block(block), run_block, false);
}

void
dispatch_barrier_async(dispatch_queue_t queue, dispatch_block_t block)
{
	queue_async(queue, copy_block(block), run_block, true);
}

static void
queue_sync(dispatch_queue_t queue, void *context, dispatch_function_t work, bool barrier)
{
	struct dq_sync sync = {0};
	struct dq_item item = {.sync = &sync, .barrier = barrier};
	struct dq_frame frame = {.queue = queue, .prev = dq_frames};
	struct dq_frame *f;

	for (f = dq_frames; f; f = f->prev) {
		if (f->queue == queue && (barrier || !queue->concurrent))
			dispatch_crash("dispatch_sync called on queue already owned by "
			               "current thread");
	}
	dispatch_retain(queue);
	queue_push(queue, &item);
	pthread_mutex_lock(&queue->lock);
	while (!sync.reached)
		pthread_cond_wait(&queue->cond, &queue->lock);
	pthread_mutex_unlock(&queue->lock);

	dq_frames = &frame;
	work(context);
	dq_frames = frame.prev;

	queue_item_done(queue, barrier || !queue->concurrent);
}

void
dispatch_sync_f(dispatch_queue_t queue, void *context, dispatch_function_t work)
{
	queue_sync(queue, context, work, false);
}

void
dispatch_barrier_sync_f(dispatch_queue_t queue, void *context, dispatch_function_t work)
{
	queue_sync(queue, context, work, true);
}

bool
dispatch_run_here_f(dispatch_queue_t queue, void *context, dispatch_function_t work)
{
	struct dq_frame frame = {.queue = queue, .prev = dq_frames};
	bool barrier = !queue->concurrent;

	pthread_mutex_lock(&queue->lock);
	if (queue->head || queue->suspended || queue->barrier_running ||
	    (barrier && queue->running)) {
		pthread_mutex_unlock(&queue->lock);
		return false;
	}
	queue->running++;
	queue->barrier_running = barrier;
	pthread_mutex_unlock(&queue->lock);
	dispatch_retain(queue); /* queue_item_done() releases it */

	dq_frames = &frame;
	work(context);
	dq_frames = frame.prev;

	queue_item_done(queue, barrier);
	return true;
}

static void
call_block(void *ctx)
{
	dispatch_block_t block = ctx;

	block();
}

void
dispatch_sync(dispatch_queue_t queue, dispatch_block_t block)
{
	queue_sync(queue, (void *)block, call_block, false);
}

void
dispatch_barrier_sync(dispatch_queue_t queue, dispatch_block_t block)
{
	queue_sync(queue, (void *)block, call_block, true);
}
