// SPDX-License-Identifier: Apache-2.0
/*
 * dispatch.c - the subset of libdispatch that vmnet and vmnet-helper use,
 * for Linux.
 *
 * Theory of operation:
 *
 * Objects. Queues, semaphores and sources share a header with a kind and an
 * atomic reference count, so dispatch_retain()/dispatch_release() take any of
 * them.
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
 * Semaphores. A counter under a mutex; waiters sleep on a CLOCK_MONOTONIC
 * condition variable and a signal hands out one wakeup.
 *
 * Sources. One manager thread, started with the first source, owns the
 * sources' event state: it polls a self-pipe and sleeps until the next timer
 * deadline. Signal sources install our own sigaction handler, which only
 * writes the signal number to the self-pipe, so a signal is observed whatever
 * thread it is delivered to, even if the application set SIG_IGN (as kqueue
 * does on macOS), and the default action no longer kills the process. The
 * manager thread unblocks the observed signals, so at least one thread can
 * take them. The previous action is restored when the last source for the
 * signal is cancelled. Events add to the source's pending count; while a
 * handler invocation is queued more events only add to the count
 * (coalescing), and dispatch_source_get_data() returns the count taken by the
 * running handler.
 *
 * Deviations from libdispatch:
 * - queues are serial only: no global concurrent queues and no main queue,
 *   so a source needs a queue (NULL fails);
 * - timer leeway is ignored and an interval of 0 is treated as one shot;
 * - releasing an inactive or suspended object frees it instead of trapping;
 * - allocation or thread creation failures abort (the API cannot report
 *   them);
 * - a signal disposition the application sets after a signal source was
 *   activated replaces our handler and stops the source;
 * - a program exec'd while a signal source is active starts with the default
 *   action for that signal, not with the application's SIG_IGN.
 * A semaphore wait that times out returns KERN_OPERATION_TIMED_OUT (49), as
 * on macOS.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <Block.h>
#include <dispatch/dispatch.h>

/* What dispatch_semaphore_wait() returns on timeout (KERN_OPERATION_TIMED_OUT). */
#define DISPATCH_SEMA_TIMEOUT 49

enum dispatch_kind {
	DISPATCH_KIND_QUEUE,
	DISPATCH_KIND_SEMAPHORE,
	DISPATCH_KIND_SOURCE,
};

struct dispatch_object_s {
	enum dispatch_kind kind;
	atomic_uint refcnt;
};

struct dispatch_source_type_s {
	const char *name;
};

const struct dispatch_source_type_s _dispatch_source_type_signal = {"signal"};
const struct dispatch_source_type_s _dispatch_source_type_timer = {"timer"};

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

struct dispatch_semaphore_s {
	struct dispatch_object_s obj;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	intptr_t value;
	intptr_t orig;
	uintptr_t wakeups; /* signals handed to sleeping waiters */
};

struct dispatch_source_s {
	struct dispatch_object_s obj;
	dispatch_source_type_t type;
	uintptr_t handle;
	dispatch_queue_t queue;
	/* The fields below are protected by mgr.lock. */
	dispatch_block_t event_handler;
	dispatch_block_t cancel_handler;
	bool active;
	bool canceled;
	bool fire_queued;
	bool cancel_queued;
	bool registered;
	unsigned int suspended;
	uintptr_t pending; /* events since the handler last ran */
	uintptr_t data;    /* what the running handler sees */
	dispatch_time_t deadline;
	uint64_t interval;
	struct dispatch_source_s *next; /* in mgr.sources while registered */
};

/* The source manager: one thread, a self-pipe, the registered sources. */
static struct {
	pthread_once_t once;
	pthread_mutex_t lock;
	int pipe[2];
	struct dispatch_source_s *sources;
	unsigned int sig_users[NSIG];
	struct sigaction sig_saved[NSIG];
} mgr = {
    .once = PTHREAD_ONCE_INIT,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .pipe = {-1, -1},
};

/* Byte written to the self-pipe to make the manager re-read its state. */
#define MGR_WAKE 0

/* Abort with a message, as libdispatch does when its client misuses it. */
__attribute__((noreturn, format(printf, 1, 2))) static void
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

__attribute__((noreturn)) static void
dispatch_fail(const char *what, int err)
{
	fprintf(stderr, "dispatch: %s: %s\n", what, strerror(err));
	abort();
}

static void *
dispatch_calloc(size_t size)
{
	void *p = calloc(1, size);

	if (p == NULL)
		dispatch_fail("calloc", ENOMEM);
	return p;
}

static void
dispatch_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

/* Time */

static dispatch_time_t
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

static struct timespec
dispatch_timespec(dispatch_time_t t)
{
	struct timespec ts = {
	    .tv_sec = (time_t)(t / NSEC_PER_SEC),
	    .tv_nsec = (long)(t % NSEC_PER_SEC),
	};

	return ts;
}

/* Queues */

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

static void
queue_dispose(dispatch_queue_t q)
{
	pthread_mutex_lock(&q->lock);
	q->dead = true;
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

/* Semaphores */

dispatch_semaphore_t
dispatch_semaphore_create(intptr_t value)
{
	dispatch_semaphore_t s;

	if (value < 0)
		return NULL;
	s = dispatch_calloc(sizeof(*s));
	s->obj.kind = DISPATCH_KIND_SEMAPHORE;
	atomic_init(&s->obj.refcnt, 1);
	s->value = value;
	s->orig = value;
	pthread_mutex_init(&s->lock, NULL);
	dispatch_cond_init(&s->cond);
	return s;
}

/* Return: 0 when acquired, non-zero when @timeout passed first. */
intptr_t
dispatch_semaphore_wait(dispatch_semaphore_t dsema, dispatch_time_t timeout)
{
	struct timespec ts = dispatch_timespec(timeout);
	intptr_t ret = 0;
	int err = 0;

	pthread_mutex_lock(&dsema->lock);
	if (--dsema->value >= 0)
		goto out;
	while (dsema->wakeups == 0 && err != ETIMEDOUT) {
		if (timeout == DISPATCH_TIME_FOREVER)
			pthread_cond_wait(&dsema->cond, &dsema->lock);
		else if (timeout == DISPATCH_TIME_NOW)
			err = ETIMEDOUT;
		else
			err = pthread_cond_timedwait(&dsema->cond, &dsema->lock, &ts);
	}
	if (dsema->wakeups > 0) {
		dsema->wakeups--;
	} else {
		dsema->value++;
		ret = DISPATCH_SEMA_TIMEOUT;
	}
out:
	pthread_mutex_unlock(&dsema->lock);
	return ret;
}

/* Return: non-zero if a waiter was woken. */
intptr_t
dispatch_semaphore_signal(dispatch_semaphore_t dsema)
{
	intptr_t woke = 0;

	pthread_mutex_lock(&dsema->lock);
	if (++dsema->value <= 0) {
		dsema->wakeups++;
		pthread_cond_signal(&dsema->cond);
		woke = 1;
	}
	pthread_mutex_unlock(&dsema->lock);
	return woke;
}

static void
semaphore_dispose(dispatch_semaphore_t s)
{
	if (s->value < s->orig)
		dispatch_crash("Semaphore object deallocated while in use");
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

/* Source manager */

static void
mgr_signal_handler(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	(void)!write(mgr.pipe[1], &b, 1);
	errno = saved;
}

static void
mgr_wake(void)
{
	unsigned char b = MGR_WAKE;

	(void)!write(mgr.pipe[1], &b, 1);
}

static void source_schedule_locked(dispatch_source_t ds);

/* Count @n events on @ds and queue its handler unless one is queued. */
static void
source_event_locked(dispatch_source_t ds, uintptr_t n)
{
	ds->pending += n;
	source_schedule_locked(ds);
}

static void
mgr_fire_timers_locked(dispatch_time_t now, dispatch_time_t *next)
{
	dispatch_source_t ds;
	uint64_t missed;

	for (ds = mgr.sources; ds; ds = ds->next) {
		if (ds->type != DISPATCH_SOURCE_TYPE_TIMER || ds->deadline == DISPATCH_TIME_FOREVER)
			continue;
		if (ds->deadline <= now) {
			if (ds->interval == DISPATCH_TIME_FOREVER || ds->interval == 0) {
				source_event_locked(ds, 1);
				ds->deadline = DISPATCH_TIME_FOREVER;
				continue;
			}
			missed = (now - ds->deadline) / ds->interval + 1;
			source_event_locked(ds, missed);
			ds->deadline += missed * ds->interval;
		}
		if (ds->deadline < *next)
			*next = ds->deadline;
	}
}

static void
mgr_deliver_signal_locked(int sig)
{
	dispatch_source_t ds;
	sigset_t set;

	if (sig == MGR_WAKE) {
		/* Let this thread take every signal a source observes. */
		sigemptyset(&set);
		for (ds = mgr.sources; ds; ds = ds->next) {
			if (ds->type == DISPATCH_SOURCE_TYPE_SIGNAL)
				sigaddset(&set, (int)ds->handle);
		}
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		return;
	}
	for (ds = mgr.sources; ds; ds = ds->next) {
		if (ds->type == DISPATCH_SOURCE_TYPE_SIGNAL && ds->handle == (uintptr_t)sig)
			source_event_locked(ds, 1);
	}
}

static void *
mgr_thread(void *arg)
{
	unsigned char buf[256];
	struct pollfd pfd = {.fd = mgr.pipe[0], .events = POLLIN};
	dispatch_time_t now, next;
	struct timespec ts;
	ssize_t n, i;

	(void)arg;
	pthread_setname_np(pthread_self(), "dispatch-mgr");
	for (;;) {
		pthread_mutex_lock(&mgr.lock);
		now = dispatch_now();
		next = DISPATCH_TIME_FOREVER;
		mgr_fire_timers_locked(now, &next);
		pthread_mutex_unlock(&mgr.lock);

		ts = dispatch_timespec(next - now);
		if (ppoll(&pfd, 1, next == DISPATCH_TIME_FOREVER ? NULL : &ts, NULL) <= 0)
			continue;
		n = read(mgr.pipe[0], buf, sizeof(buf));
		pthread_mutex_lock(&mgr.lock);
		for (i = 0; i < n; i++)
			mgr_deliver_signal_locked(buf[i]);
		pthread_mutex_unlock(&mgr.lock);
	}
	return NULL;
}

static void
mgr_start(void)
{
	pthread_t thread;
	int err;

	if (pipe2(mgr.pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		dispatch_fail("pipe2", errno);
	err = pthread_create(&thread, NULL, mgr_thread, NULL);
	if (err)
		dispatch_fail("pthread_create", err);
	pthread_detach(thread);
}

/* Take over @sig for the sources; the first user saves the old action. */
static void
mgr_signal_add_locked(int sig)
{
	struct sigaction sa = {.sa_handler = mgr_signal_handler, .sa_flags = SA_RESTART};

	if (mgr.sig_users[sig]++ > 0)
		return;
	sigfillset(&sa.sa_mask);
	sigaction(sig, &sa, &mgr.sig_saved[sig]);
}

static void
mgr_signal_del_locked(int sig)
{
	if (--mgr.sig_users[sig] == 0)
		sigaction(sig, &mgr.sig_saved[sig], NULL);
}

static void
source_register_locked(dispatch_source_t ds)
{
	dispatch_retain(ds);
	ds->registered = true;
	ds->next = mgr.sources;
	mgr.sources = ds;
	if (ds->type == DISPATCH_SOURCE_TYPE_SIGNAL)
		mgr_signal_add_locked((int)ds->handle);
	mgr_wake();
}

/* Return: true if @ds was registered; the caller drops the registration reference. */
static bool
source_unregister_locked(dispatch_source_t ds)
{
	dispatch_source_t *p;

	if (!ds->registered)
		return false;
	for (p = &mgr.sources; *p != ds; p = &(*p)->next)
		;
	*p = ds->next;
	ds->registered = false;
	if (ds->type == DISPATCH_SOURCE_TYPE_SIGNAL)
		mgr_signal_del_locked((int)ds->handle);
	return true;
}

/* Sources */

static void
source_fire(void *ctx)
{
	dispatch_source_t ds = ctx;
	dispatch_block_t handler = NULL;

	pthread_mutex_lock(&mgr.lock);
	ds->fire_queued = false;
	if (!ds->canceled && ds->suspended == 0 && ds->event_handler) {
		ds->data = ds->pending;
		ds->pending = 0;
		handler = Block_copy(ds->event_handler);
	}
	pthread_mutex_unlock(&mgr.lock);
	if (handler) {
		handler();
		Block_release(handler);
	}
	dispatch_release(ds);
}

static void
source_cancel_run(void *ctx)
{
	dispatch_source_t ds = ctx;
	dispatch_block_t handler, event;

	pthread_mutex_lock(&mgr.lock);
	handler = ds->cancel_handler;
	event = ds->event_handler;
	ds->cancel_handler = NULL;
	ds->event_handler = NULL;
	pthread_mutex_unlock(&mgr.lock);
	if (handler) {
		handler();
		Block_release(handler);
	}
	if (event)
		Block_release(event);
	dispatch_release(ds);
}

/* Queue whatever @ds has to deliver now: its cancel handler or its events. */
static void
source_schedule_locked(dispatch_source_t ds)
{
	if (!ds->active || ds->suspended > 0)
		return;
	if (ds->canceled) {
		if (!ds->cancel_queued) {
			ds->cancel_queued = true;
			dispatch_retain(ds);
			dispatch_async_f(ds->queue, ds, source_cancel_run);
		}
		return;
	}
	if (ds->pending > 0 && !ds->fire_queued && ds->event_handler) {
		ds->fire_queued = true;
		dispatch_retain(ds);
		dispatch_async_f(ds->queue, ds, source_fire);
	}
}

dispatch_source_t
dispatch_source_create(dispatch_source_type_t type, uintptr_t handle, uintptr_t mask,
                       dispatch_queue_t queue)
{
	dispatch_source_t ds;

	(void)mask;
	if (type != DISPATCH_SOURCE_TYPE_SIGNAL && type != DISPATCH_SOURCE_TYPE_TIMER)
		return NULL;
	if (type == DISPATCH_SOURCE_TYPE_SIGNAL &&
	    (handle == 0 || handle >= NSIG || handle == SIGKILL || handle == SIGSTOP))
		return NULL;
	if (queue == NULL)
		return NULL;
	pthread_once(&mgr.once, mgr_start);
	ds = dispatch_calloc(sizeof(*ds));
	ds->obj.kind = DISPATCH_KIND_SOURCE;
	atomic_init(&ds->obj.refcnt, 1);
	ds->type = type;
	ds->handle = handle;
	ds->queue = queue;
	dispatch_retain(queue);
	ds->deadline = DISPATCH_TIME_FOREVER;
	ds->interval = DISPATCH_TIME_FOREVER;
	return ds;
}

/* Replace *@slot with a copy of @handler; the old one is released. */
static void
source_set_handler(dispatch_block_t *slot, dispatch_block_t handler)
{
	dispatch_block_t copy = handler ? Block_copy(handler) : NULL;
	dispatch_block_t old;

	pthread_mutex_lock(&mgr.lock);
	old = *slot;
	*slot = copy;
	pthread_mutex_unlock(&mgr.lock);
	if (old)
		Block_release(old);
}

void
dispatch_source_set_event_handler(dispatch_source_t source, dispatch_block_t handler)
{
	source_set_handler(&source->event_handler, handler);
}

void
dispatch_source_set_cancel_handler(dispatch_source_t source, dispatch_block_t handler)
{
	source_set_handler(&source->cancel_handler, handler);
}

void
dispatch_source_set_timer(dispatch_source_t source, dispatch_time_t start, uint64_t interval,
                          uint64_t leeway)
{
	(void)leeway;
	if (source->type != DISPATCH_SOURCE_TYPE_TIMER)
		return;
	if (start == DISPATCH_TIME_NOW)
		start = dispatch_now();
	pthread_mutex_lock(&mgr.lock);
	source->deadline = start;
	source->interval = interval;
	if (source->registered)
		mgr_wake();
	pthread_mutex_unlock(&mgr.lock);
}

void
dispatch_source_cancel(dispatch_source_t source)
{
	bool unregistered;

	pthread_mutex_lock(&mgr.lock);
	if (source->canceled) {
		pthread_mutex_unlock(&mgr.lock);
		return;
	}
	source->canceled = true;
	unregistered = source_unregister_locked(source);
	source_schedule_locked(source);
	pthread_mutex_unlock(&mgr.lock);
	if (unregistered)
		dispatch_release(source);
}

long
dispatch_source_testcancel(dispatch_source_t source)
{
	long canceled;

	pthread_mutex_lock(&mgr.lock);
	canceled = source->canceled;
	pthread_mutex_unlock(&mgr.lock);
	return canceled;
}

/* Return: the events counted for the handler that is running (signals or timer fires). */
uintptr_t
dispatch_source_get_data(dispatch_source_t source)
{
	uintptr_t data;

	pthread_mutex_lock(&mgr.lock);
	data = source->data;
	pthread_mutex_unlock(&mgr.lock);
	return data;
}

static void
source_dispose(dispatch_source_t ds)
{
	if (ds->event_handler)
		Block_release(ds->event_handler);
	if (ds->cancel_handler)
		Block_release(ds->cancel_handler);
	dispatch_release(ds->queue);
	free(ds);
}

static void
source_activate_locked(dispatch_source_t ds)
{
	ds->active = true;
	if (!ds->canceled)
		source_register_locked(ds);
	source_schedule_locked(ds);
}

/* Objects */

void
dispatch_retain(dispatch_object_t object)
{
	atomic_fetch_add_explicit(&object._do->refcnt, 1, memory_order_relaxed);
}

void
dispatch_release(dispatch_object_t object)
{
	struct dispatch_object_s *o = object._do;

	if (atomic_fetch_sub_explicit(&o->refcnt, 1, memory_order_acq_rel) != 1)
		return;
	switch (o->kind) {
	case DISPATCH_KIND_QUEUE:
		queue_dispose(object._dq);
		break;
	case DISPATCH_KIND_SEMAPHORE:
		semaphore_dispose(object._dsema);
		break;
	case DISPATCH_KIND_SOURCE:
		source_dispose(object._ds);
		break;
	}
}

void
dispatch_suspend(dispatch_object_t object)
{
	switch (object._do->kind) {
	case DISPATCH_KIND_QUEUE:
		pthread_mutex_lock(&object._dq->lock);
		object._dq->suspended++;
		pthread_mutex_unlock(&object._dq->lock);
		break;
	case DISPATCH_KIND_SOURCE:
		pthread_mutex_lock(&mgr.lock);
		object._ds->suspended++;
		pthread_mutex_unlock(&mgr.lock);
		break;
	case DISPATCH_KIND_SEMAPHORE:
		break;
	}
}

static void
queue_resume(dispatch_queue_t q)
{
	pthread_mutex_lock(&q->lock);
	if (q->suspended == 0)
		dispatch_crash("Over-resume of an object");
	if (--q->suspended == 0)
		pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* Resume a suspended source; resuming an inactive one activates it. */
static void
source_resume(dispatch_source_t ds)
{
	pthread_mutex_lock(&mgr.lock);
	if (ds->suspended > 0) {
		if (--ds->suspended == 0)
			source_schedule_locked(ds);
	} else if (!ds->active) {
		source_activate_locked(ds);
	} else {
		dispatch_crash("Over-resume of an object");
	}
	pthread_mutex_unlock(&mgr.lock);
}

void
dispatch_resume(dispatch_object_t object)
{
	switch (object._do->kind) {
	case DISPATCH_KIND_QUEUE:
		queue_resume(object._dq);
		break;
	case DISPATCH_KIND_SOURCE:
		source_resume(object._ds);
		break;
	case DISPATCH_KIND_SEMAPHORE:
		break;
	}
}

/* Activate an inactive source; queues and semaphores are created active. */
void
dispatch_activate(dispatch_object_t object)
{
	if (object._do->kind != DISPATCH_KIND_SOURCE)
		return;
	pthread_mutex_lock(&mgr.lock);
	if (!object._ds->active)
		source_activate_locked(object._ds);
	pthread_mutex_unlock(&mgr.lock);
}
