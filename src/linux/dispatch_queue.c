// SPDX-License-Identifier: Apache-2.0
/*
 * dispatch_queue.c - libdispatch's serial queues, for Linux.
 *
 * Theory of operation:
 *
 * Serial queues. Each queue has one worker thread and a FIFO list of work
 * items. dispatch_async() copies the block, retains the queue and appends an
 * item; the worker runs items in order and releases the queue after each, so
 * a queue lives while referenced or while work is pending. When the last
 * reference goes, the worker drains nothing more, frees the queue and exits.
 * dispatch_sync() queues a marker on the caller's stack; when the worker
 * reaches it, the worker parks and the caller runs the block on its own thread
 * (as libdispatch does), then lets the worker go on. Every thread keeps a list
 * of the queues it is running on, so a dispatch_sync() that would deadlock
 * aborts with libdispatch's message instead.
 *
 * Deviation from libdispatch: queues are serial only: no global concurrent
 * queues and no main queue.
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

struct dq_item {
	struct dq_item *next;
	dispatch_function_t fn;
	void *ctx;
	/* Non-NULL: a dispatch_sync() marker on the caller's stack, set when reached. */
	bool *sync_reached;
};

struct dispatch_queue_s {
	struct dispatch_object_s obj;
	char *label;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct dq_item *head;
	struct dq_item *tail;
	unsigned int suspended;
	bool handed_over; /* the worker is parked for a dispatch_sync() caller */
	bool dead;        /* no references left: the worker frees the queue */
};

/* The queues the current thread runs work for, innermost first. */
struct dq_frame {
	dispatch_queue_t queue;
	struct dq_frame *prev;
};

static __thread struct dq_frame *dq_frames;

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

/*
 * Park until the dispatch_sync() caller has run its work. The caller's
 * marker is not touched once the caller may have returned.
 */
static void
queue_hand_over(dispatch_queue_t q, bool *reached)
{
	pthread_mutex_lock(&q->lock);
	*reached = true;
	q->handed_over = true;
	pthread_cond_broadcast(&q->cond);
	while (q->handed_over)
		pthread_cond_wait(&q->cond, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

static void *
queue_worker(void *arg)
{
	dispatch_queue_t q = arg;
	struct dq_frame frame = {.queue = q};
	struct dq_item *item;
	char name[16];

	snprintf(name, sizeof(name), "%s", q->label);
	pthread_setname_np(pthread_self(), name);
	frame.prev = dq_frames;
	dq_frames = &frame;
	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (!q->dead && (q->head == NULL || q->suspended > 0))
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->dead) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		item = q->head;
		q->head = item->next;
		if (q->head == NULL)
			q->tail = NULL;
		pthread_mutex_unlock(&q->lock);

		if (item->sync_reached) {
			queue_hand_over(q, item->sync_reached);
		} else {
			item->fn(item->ctx);
			free(item);
		}
		dispatch_release(q);
	}
	dq_frames = frame.prev;
	queue_free(q);
	return NULL;
}

dispatch_queue_t
dispatch_queue_create(const char *label, dispatch_queue_attr_t attr)
{
	dispatch_queue_t q = dispatch_calloc(sizeof(*q));
	pthread_t thread;
	int err;

	(void)attr; /* only DISPATCH_QUEUE_SERIAL exists here */
	q->obj.kind = DISPATCH_KIND_QUEUE;
	atomic_init(&q->obj.refcnt, 1);
	q->label = strdup(label ? label : "");
	if (q->label == NULL)
		dispatch_fail("strdup", ENOMEM);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	err = pthread_create(&thread, NULL, queue_worker, q);
	if (err)
		dispatch_fail("pthread_create", err);
	pthread_detach(thread);
	return q;
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

void
dispatch_async_f(dispatch_queue_t queue, void *context, dispatch_function_t work)
{
	struct dq_item *item = dispatch_calloc(sizeof(*item));

	item->fn = work;
	item->ctx = context;
	dispatch_retain(queue);
	queue_push(queue, item);
}

static void
run_block(void *ctx)
{
	dispatch_block_t block = ctx;

	block();
	Block_release(block);
}

void
dispatch_async(dispatch_queue_t queue, dispatch_block_t block)
{
	dispatch_block_t copy = Block_copy(block);

	if (copy == NULL)
		dispatch_fail("Block_copy", ENOMEM);
	dispatch_async_f(queue, copy, run_block);
}

void
dispatch_sync_f(dispatch_queue_t queue, void *context, dispatch_function_t work)
{
	bool reached = false;
	struct dq_item item = {.sync_reached = &reached};
	struct dq_frame frame = {.queue = queue, .prev = dq_frames};
	struct dq_frame *f;

	for (f = dq_frames; f; f = f->prev) {
		if (f->queue == queue)
			dispatch_crash("dispatch_sync called on queue already owned by "
			               "current thread");
	}
	dispatch_retain(queue);
	queue_push(queue, &item);
	pthread_mutex_lock(&queue->lock);
	while (!reached)
		pthread_cond_wait(&queue->cond, &queue->lock);
	pthread_mutex_unlock(&queue->lock);

	dq_frames = &frame;
	work(context);
	dq_frames = frame.prev;

	pthread_mutex_lock(&queue->lock);
	queue->handed_over = false;
	pthread_cond_broadcast(&queue->cond);
	pthread_mutex_unlock(&queue->lock);
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
	dispatch_sync_f(queue, (void *)block, call_block);
}
