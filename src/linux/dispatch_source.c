// SPDX-License-Identifier: Apache-2.0
/*
 * dispatch_source.c - libdispatch's signal and timer sources, for Linux,
 * and the manager thread that watches for their events.
 *
 * Theory of operation:
 *
 * Sources. One manager thread, started with the first source, owns the
 * sources' event state: it polls a self-pipe and sleeps until the next timer
 * deadline. Signal sources install our own sigaction handler, which only
 * writes the signal number to the self-pipe, so a signal is observed whatever
 * thread it is delivered to, even if the application set SIG_IGN (as kqueue
 * does on macOS), and the default action no longer kills the process. The
 * manager thread unblocks the observed signals, so at least one thread can
 * take them: a program that blocks a signal in all its threads (as it
 * should, so that none runs a handler or the default action) still sees it
 * through its source, as kqueue sees blocked signals on macOS. The
 * previous action is restored when the last source for the
 * signal is cancelled. Events add to the source's pending count; while a
 * handler invocation is queued more events only add to the count
 * (coalescing), and dispatch_source_get_data() returns the count taken by the
 * running handler.
 *
 * Deviations from libdispatch:
 * - a source needs a queue (NULL fails, where libdispatch takes the global
 *   queue);
 * - timer leeway is ignored and an interval of 0 is treated as one shot;
 * - a signal disposition the application sets after a signal source was
 *   activated replaces our handler and stops the source;
 * - a program exec'd while a signal source is active starts with the default
 *   action for that signal, not with the application's SIG_IGN;
 * - a signal sent while blocked, before its source was activated, is
 *   reported once the source is active (kqueue reports only signals sent
 *   after the source is registered; the pending signal stays pending).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <Block.h>
#include <dispatch/dispatch.h>

#include "dispatch_internal.h"

struct dispatch_source_type_s {
	const char *name;
};

const struct dispatch_source_type_s _dispatch_source_type_signal = {"signal"};
const struct dispatch_source_type_s _dispatch_source_type_timer = {"timer"};

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

void
dispatch_source_dispose(dispatch_source_t ds)
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

void
dispatch_source_suspend(dispatch_source_t ds)
{
	pthread_mutex_lock(&mgr.lock);
	ds->suspended++;
	pthread_mutex_unlock(&mgr.lock);
}

/* Resume a suspended source; resuming an inactive one activates it. */
void
dispatch_source_resume(dispatch_source_t ds)
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
dispatch_source_activate(dispatch_source_t ds)
{
	pthread_mutex_lock(&mgr.lock);
	if (!ds->active)
		source_activate_locked(ds);
	pthread_mutex_unlock(&mgr.lock);
}
