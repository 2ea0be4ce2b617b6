// SPDX-License-Identifier: Apache-2.0
/*
 * test_dispatch.c - the Linux libdispatch subset: serial and concurrent
 * queues, barriers, the global queue, dispatch_after, semaphores,
 * dispatch_time, signal and timer sources, and the platform's
 * dispatch_run_here_f().
 *
 * Waits use generous timeouts so that a broken implementation fails instead
 * of hanging; no test asserts how long anything took.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <dispatch/dispatch.h>

#include "../../src/linux/dispatch_private.h"

/* Long enough never to expire when things work. */
#define LONG_WAIT (10 * NSEC_PER_SEC)
/* Long enough for an event that should not come to have come. */
#define SHORT_WAIT (100 * NSEC_PER_MSEC)

static intptr_t
wait_for(dispatch_semaphore_t s, uint64_t ns)
{
	return dispatch_semaphore_wait(s, dispatch_time(DISPATCH_TIME_NOW, (int64_t)ns));
}

/*
 * Run @fn in a child process with stderr captured; expect it to abort and
 * to have printed @message.
 */
static void
expect_abort(void (*fn)(void), const char *message)
{
	char buf[512] = {0};
	size_t len = 0;
	ssize_t n;
	int status;
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		signal(SIGABRT, SIG_DFL);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while (len < sizeof(buf) - 1 && (n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(buf, message));
}

/* Queues */

static void
nop(void *ctx)
{
	(void)ctx;
}

#define FIFO_THREADS 4
#define FIFO_BLOCKS  2000

struct fifo_state {
	dispatch_queue_t queue;
	int id;
	int last[FIFO_THREADS];
	int total;
	atomic_int running;
	bool overlap;
	bool out_of_order;
};

static struct fifo_state fifo;

static void *
fifo_submitter(void *arg)
{
	int id = (int)(intptr_t)arg;
	int i;

	for (i = 0; i < FIFO_BLOCKS; i++) {
		int seq = i;

		dispatch_async(fifo.queue, ^(void) {
			if (atomic_fetch_add(&fifo.running, 1) != 0)
				fifo.overlap = true;
			if (fifo.last[id] != seq - 1)
				fifo.out_of_order = true;
			fifo.last[id] = seq;
			fifo.total++;
			atomic_fetch_sub(&fifo.running, 1);
		});
	}
	return NULL;
}

static void
test_fifo_from_many_threads(void **state)
{
	pthread_t t[FIFO_THREADS];
	int i;

	(void)state;
	memset(&fifo, 0, sizeof(fifo));
	for (i = 0; i < FIFO_THREADS; i++)
		fifo.last[i] = -1;
	fifo.queue = dispatch_queue_create("test.fifo", DISPATCH_QUEUE_SERIAL);
	assert_non_null(fifo.queue);
	for (i = 0; i < FIFO_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, fifo_submitter, (void *)(intptr_t)i),
		                 0);
	for (i = 0; i < FIFO_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	dispatch_sync_f(fifo.queue, NULL, nop);
	assert_int_equal(fifo.total, FIFO_THREADS * FIFO_BLOCKS);
	assert_false(fifo.overlap);
	assert_false(fifo.out_of_order);
	for (i = 0; i < FIFO_THREADS; i++)
		assert_int_equal(fifo.last[i], FIFO_BLOCKS - 1);
	dispatch_release(fifo.queue);
}

struct order_log {
	int next;
	int seen[64];
};

static void
append_index(void *ctx)
{
	struct order_log *log = ctx;

	log->seen[log->next] = log->next;
	log->next++;
}

static void
test_async_f_and_sync_f(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.f", NULL);
	struct order_log log = {0};
	int i;

	(void)state;
	for (i = 0; i < 63; i++)
		dispatch_async_f(q, &log, append_index);
	/* dispatch_sync_f runs after everything queued before it. */
	dispatch_sync_f(q, &log, append_index);
	assert_int_equal(log.next, 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(log.seen[i], i);
	dispatch_release(q);
}

static void
test_sync_returns_after_block(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.sync", NULL);
	dispatch_semaphore_t gate = dispatch_semaphore_create(0);
	__block int value = 0;
	__block const char *label = NULL;

	(void)state;
	/* An earlier block holds the queue until we open the gate. */
	dispatch_async(q, ^(void) {
		dispatch_semaphore_wait(gate, DISPATCH_TIME_FOREVER);
		value = 1;
	});
	dispatch_semaphore_signal(gate);
	dispatch_sync(q, ^(void) {
		value = value * 10 + 2;
		label = dispatch_queue_get_label(NULL);
	});
	assert_int_equal(value, 12);
	assert_string_equal(label, "test.sync");
	assert_string_equal(dispatch_queue_get_label(q), "test.sync");
	dispatch_release(q);
	dispatch_release(gate);
}

static void
test_nested_sync(void **state)
{
	dispatch_queue_t a = dispatch_queue_create("test.a", NULL);
	dispatch_queue_t b = dispatch_queue_create(NULL, NULL);
	__block int steps = 0;

	(void)state;
	dispatch_sync(a, ^(void) {
		dispatch_sync(b, ^(void) {
			steps++;
		});
		steps++;
	});
	assert_int_equal(steps, 2);
	assert_string_equal(dispatch_queue_get_label(b), "");
	dispatch_release(a);
	dispatch_release(b);
}

static void
sync_on_own_queue(void)
{
	dispatch_queue_t q = dispatch_queue_create("test.deadlock", NULL);

	dispatch_sync(q, ^(void) {
		dispatch_sync_f(q, NULL, nop);
	});
}

static void
test_sync_on_own_queue_aborts(void **state)
{
	(void)state;
	expect_abort(sync_on_own_queue, "BUG IN CLIENT OF LIBDISPATCH: dispatch_sync called on "
	                                "queue already owned by current thread");
}

static void
sync_back_to_outer_queue(void)
{
	dispatch_queue_t a = dispatch_queue_create("test.outer", NULL);
	dispatch_queue_t b = dispatch_queue_create("test.inner", NULL);

	dispatch_async(a, ^(void) {
		dispatch_sync(b, ^(void) {
			dispatch_sync_f(a, NULL, nop);
		});
	});
	pause();
}

static void
test_sync_deadlock_through_other_queue_aborts(void **state)
{
	(void)state;
	expect_abort(sync_back_to_outer_queue, "dispatch_sync called on queue already owned");
}

static void
test_released_queue_runs_pending(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.pending", NULL);
	dispatch_semaphore_t gate = dispatch_semaphore_create(0);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block int ran = 0;
	int i;

	(void)state;
	dispatch_async(q, ^(void) {
		dispatch_semaphore_wait(gate, DISPATCH_TIME_FOREVER);
	});
	for (i = 0; i < 100; i++) {
		dispatch_async(q, ^(void) {
			ran++;
		});
	}
	dispatch_async(q, ^(void) {
		dispatch_semaphore_signal(done);
	});
	dispatch_release(q);
	dispatch_semaphore_signal(gate);
	assert_int_equal(wait_for(done, LONG_WAIT), 0);
	assert_int_equal(ran, 100);
	dispatch_release(gate);
	dispatch_release(done);
}

static void
test_queue_suspend_resume(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.suspend", NULL);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);

	(void)state;
	dispatch_suspend(q);
	dispatch_async(q, ^(void) {
		dispatch_semaphore_signal(done);
	});
	assert_int_not_equal(wait_for(done, SHORT_WAIT), 0);
	dispatch_resume(q);
	assert_int_equal(wait_for(done, LONG_WAIT), 0);
	dispatch_release(q);
	dispatch_release(done);
}

/* Semaphores and time */

static void
test_semaphore_create_negative(void **state)
{
	(void)state;
	assert_null(dispatch_semaphore_create(-1));
}

static void
test_semaphore_timeout(void **state)
{
	dispatch_semaphore_t s = dispatch_semaphore_create(0);

	(void)state;
	assert_int_not_equal(dispatch_semaphore_wait(s, DISPATCH_TIME_NOW), 0);
	assert_int_not_equal(wait_for(s, 50 * NSEC_PER_MSEC), 0);
	/* No waiter: signal wakes nobody, and the next wait takes the count. */
	assert_int_equal(dispatch_semaphore_signal(s), 0);
	assert_int_equal(dispatch_semaphore_wait(s, DISPATCH_TIME_NOW), 0);
	assert_int_not_equal(dispatch_semaphore_wait(s, DISPATCH_TIME_NOW), 0);
	dispatch_release(s);
}

static void
test_semaphore_initial_value(void **state)
{
	dispatch_semaphore_t s = dispatch_semaphore_create(2);

	(void)state;
	assert_int_equal(dispatch_semaphore_wait(s, DISPATCH_TIME_NOW), 0);
	assert_int_equal(dispatch_semaphore_wait(s, DISPATCH_TIME_FOREVER), 0);
	assert_int_not_equal(dispatch_semaphore_wait(s, DISPATCH_TIME_NOW), 0);
	dispatch_semaphore_signal(s);
	dispatch_semaphore_signal(s);
	dispatch_release(s);
}

static void *
sema_waiter(void *arg)
{
	dispatch_semaphore_wait(arg, DISPATCH_TIME_FOREVER);
	return NULL;
}

static void
test_semaphore_signal_wakes_waiter(void **state)
{
	dispatch_semaphore_t s = dispatch_semaphore_create(0);
	intptr_t woke = 0;
	pthread_t t;
	int round;

	(void)state;
	/*
	 * Signal until a signal reports it woke the waiter. A signal that came
	 * before the waiter slept wakes nobody: take it back and try again, or
	 * start a new round if the waiter already took it.
	 */
	for (round = 0; round < 100 && !woke; round++) {
		assert_int_equal(pthread_create(&t, NULL, sema_waiter, s), 0);
		for (;;) {
			woke = dispatch_semaphore_signal(s);
			if (woke || dispatch_semaphore_wait(s, DISPATCH_TIME_NOW) != 0)
				break;
			usleep(1000);
		}
		assert_int_equal(pthread_join(t, NULL), 0);
	}
	assert_int_not_equal(woke, 0);
	dispatch_release(s);
}

static void
release_busy_semaphore(void)
{
	dispatch_semaphore_t s = dispatch_semaphore_create(1);

	dispatch_semaphore_wait(s, DISPATCH_TIME_FOREVER);
	dispatch_release(s);
}

static void
test_semaphore_release_in_use_aborts(void **state)
{
	(void)state;
	expect_abort(release_busy_semaphore,
	             "BUG IN CLIENT OF LIBDISPATCH: Semaphore object deallocated while in use");
}

static void
test_dispatch_time(void **state)
{
	dispatch_time_t now = dispatch_time(DISPATCH_TIME_NOW, 0);

	(void)state;
	assert_true(now != DISPATCH_TIME_NOW);
	assert_true(dispatch_time(DISPATCH_TIME_NOW, 0) >= now);
	assert_true(dispatch_time(now, 1000) == now + 1000);
	assert_true(dispatch_time(now, -1000) == now - 1000);
	assert_true(dispatch_time(DISPATCH_TIME_FOREVER, -5) == DISPATCH_TIME_FOREVER);
	assert_true(dispatch_time(now, INT64_MAX) == DISPATCH_TIME_FOREVER ||
	            dispatch_time(now, INT64_MAX) == now + INT64_MAX);
	assert_true(dispatch_time(DISPATCH_TIME_FOREVER - 10, 20) == DISPATCH_TIME_FOREVER);
	/* A time before the clock's start is still a time, not NOW. */
	assert_true(dispatch_time(5, -10) == 1);
	assert_true(dispatch_time(now, INT64_MIN) == 1);
}

/* Sources */

struct counter {
	dispatch_semaphore_t event;
	dispatch_semaphore_t cancel;
	atomic_uint total;
	atomic_uint calls;
};

static void
counter_init(struct counter *c)
{
	c->event = dispatch_semaphore_create(0);
	c->cancel = dispatch_semaphore_create(0);
	atomic_init(&c->total, 0);
	atomic_init(&c->calls, 0);
}

static void
counter_fini(struct counter *c)
{
	dispatch_release(c->event);
	dispatch_release(c->cancel);
}

static void
counter_handlers(dispatch_source_t ds, struct counter *c)
{
	dispatch_source_set_event_handler(ds, ^(void) {
		atomic_fetch_add(&c->total, (unsigned int)dispatch_source_get_data(ds));
		atomic_fetch_add(&c->calls, 1);
		dispatch_semaphore_signal(c->event);
	});
	dispatch_source_set_cancel_handler(ds, ^(void) {
		dispatch_semaphore_signal(c->cancel);
	});
}

/* Forget event wakeups already counted, before checking that none come. */
static void
counter_drain(struct counter *c)
{
	while (dispatch_semaphore_wait(c->event, DISPATCH_TIME_NOW) == 0)
		;
}

/* Wait until the handlers counted @total events. Return: 0 when they did. */
static int
wait_total(struct counter *c, unsigned int total)
{
	while (atomic_load(&c->total) < total) {
		if (wait_for(c->event, LONG_WAIT) != 0)
			return -1;
	}
	return 0;
}

static void
test_signal_source_with_sig_ign(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.signal", NULL);
	struct counter c;
	struct sigaction old;
	dispatch_source_t ds;

	(void)state;
	counter_init(&c);
	signal(SIGUSR1, SIG_IGN);
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, SIGUSR1, 0, q);
	assert_non_null(ds);
	counter_handlers(ds, &c);
	dispatch_resume(ds);
	raise(SIGUSR1);
	raise(SIGUSR1);
	assert_int_equal(wait_total(&c, 2), 0);
	assert_int_equal(atomic_load(&c.total), 2);
	assert_true(atomic_load(&c.calls) >= 1 && atomic_load(&c.calls) <= 2);

	dispatch_source_cancel(ds);
	assert_int_equal(wait_for(c.cancel, LONG_WAIT), 0);
	assert_true(dispatch_source_testcancel(ds) != 0);
	/* The application's disposition is back; the source sees no more. */
	assert_int_equal(sigaction(SIGUSR1, NULL, &old), 0);
	assert_ptr_equal(old.sa_handler, SIG_IGN);
	counter_drain(&c);
	raise(SIGUSR1);
	assert_int_not_equal(wait_for(c.event, SHORT_WAIT), 0);
	assert_int_equal(atomic_load(&c.total), 2);

	dispatch_release(ds);
	dispatch_release(q);
	counter_fini(&c);
	signal(SIGUSR1, SIG_DFL);
}

static void
test_signal_source_default_action(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.signal.dfl", NULL);
	struct counter c;
	dispatch_source_t ds;

	(void)state;
	/* SIGUSR2's default action would end this process. */
	counter_init(&c);
	signal(SIGUSR2, SIG_DFL);
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, SIGUSR2, 0, q);
	counter_handlers(ds, &c);
	dispatch_activate(ds);
	raise(SIGUSR2);
	assert_int_equal(wait_total(&c, 1), 0);
	dispatch_source_cancel(ds);
	assert_int_equal(wait_for(c.cancel, LONG_WAIT), 0);
	dispatch_release(ds);
	dispatch_release(q);
	counter_fini(&c);
}

static void
test_signal_source_other_thread(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.signal.mask", NULL);
	struct counter c;
	dispatch_source_t ds;
	sigset_t set, old;

	(void)state;
	counter_init(&c);
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, SIGHUP, 0, q);
	counter_handlers(ds, &c);
	dispatch_resume(ds);
	/* This thread blocks the signal: another thread must take it. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
	assert_int_equal(kill(getpid(), SIGHUP), 0);
	assert_int_equal(wait_total(&c, 1), 0);
	dispatch_source_cancel(ds);
	assert_int_equal(wait_for(c.cancel, LONG_WAIT), 0);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	dispatch_release(ds);
	dispatch_release(q);
	counter_fini(&c);
}

static void
test_signal_source_suspend(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.signal.suspend", NULL);
	struct counter c;
	dispatch_source_t ds;

	(void)state;
	counter_init(&c);
	signal(SIGUSR1, SIG_IGN);
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, SIGUSR1, 0, q);
	counter_handlers(ds, &c);
	dispatch_resume(ds);
	dispatch_suspend(ds);
	raise(SIGUSR1);
	raise(SIGUSR1);
	raise(SIGUSR1);
	assert_int_not_equal(wait_for(c.event, SHORT_WAIT), 0);
	assert_int_equal(atomic_load(&c.calls), 0);
	dispatch_resume(ds);
	assert_int_equal(wait_total(&c, 3), 0);
	assert_int_equal(atomic_load(&c.total), 3);
	dispatch_source_cancel(ds);
	assert_int_equal(wait_for(c.cancel, LONG_WAIT), 0);
	dispatch_release(ds);
	dispatch_release(q);
	counter_fini(&c);
	signal(SIGUSR1, SIG_DFL);
}

static void
test_invalid_sources(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.invalid", NULL);

	(void)state;
	assert_null(dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, 0, 0, q));
	assert_null(dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, SIGKILL, 0, q));
	assert_null(dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, 100000, 0, q));
	dispatch_release(q);
}

static void
test_timer_source_repeats_and_cancel_stops(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.timer", NULL);
	struct counter c;
	dispatch_source_t ds;
	unsigned int total;

	(void)state;
	counter_init(&c);
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, q);
	assert_non_null(ds);
	counter_handlers(ds, &c);
	dispatch_source_set_timer(ds, dispatch_time(DISPATCH_TIME_NOW, 0), 5 * NSEC_PER_MSEC, 0);
	dispatch_resume(ds);
	assert_int_equal(wait_total(&c, 3), 0);

	dispatch_source_cancel(ds);
	assert_int_equal(wait_for(c.cancel, LONG_WAIT), 0);
	total = atomic_load(&c.total);
	counter_drain(&c);
	assert_int_not_equal(wait_for(c.event, SHORT_WAIT), 0);
	assert_int_equal(atomic_load(&c.total), total);
	dispatch_release(ds);
	dispatch_release(q);
	counter_fini(&c);
}

static void
test_timer_fires_coalesce_while_queue_busy(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.timer.busy", NULL);
	dispatch_semaphore_t gate = dispatch_semaphore_create(0);
	dispatch_semaphore_t first = dispatch_semaphore_create(0);
	__block uintptr_t first_data = 0;
	dispatch_source_t ds;

	(void)state;
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, q);
	dispatch_source_set_event_handler(ds, ^(void) {
		if (first_data == 0) {
			first_data = dispatch_source_get_data(ds);
			dispatch_semaphore_signal(first);
		}
	});
	/* The queue is busy while the timer fires every millisecond. */
	dispatch_async(q, ^(void) {
		dispatch_semaphore_wait(gate, DISPATCH_TIME_FOREVER);
	});
	dispatch_source_set_timer(ds, DISPATCH_TIME_NOW, NSEC_PER_MSEC, 0);
	dispatch_resume(ds);
	usleep(100000);
	dispatch_semaphore_signal(gate);
	assert_int_equal(wait_for(first, LONG_WAIT), 0);
	/* One handler run reports every fire it missed. */
	assert_true(first_data >= 2);
	dispatch_source_cancel(ds);
	dispatch_release(ds);
	dispatch_sync_f(q, NULL, nop);
	dispatch_release(q);
	dispatch_release(gate);
	dispatch_release(first);
}

static void
test_timer_source_inactive_until_activated(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.timer.once", NULL);
	struct counter c;
	dispatch_source_t ds;

	(void)state;
	counter_init(&c);
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, q);
	counter_handlers(ds, &c);
	dispatch_source_set_timer(ds, DISPATCH_TIME_NOW, DISPATCH_TIME_FOREVER, 0);
	assert_int_not_equal(wait_for(c.event, SHORT_WAIT), 0);
	dispatch_activate(ds);
	assert_int_equal(wait_total(&c, 1), 0);
	/* One shot: no second fire. */
	counter_drain(&c);
	assert_int_not_equal(wait_for(c.event, SHORT_WAIT), 0);
	assert_int_equal(atomic_load(&c.total), 1);
	assert_int_equal(atomic_load(&c.calls), 1);
	/* Re-arming a one-shot timer fires it again. */
	dispatch_source_set_timer(ds, DISPATCH_TIME_NOW, DISPATCH_TIME_FOREVER, 0);
	assert_int_equal(wait_total(&c, 2), 0);
	dispatch_source_cancel(ds);
	assert_int_equal(wait_for(c.cancel, LONG_WAIT), 0);
	dispatch_release(ds);
	dispatch_release(q);
	counter_fini(&c);
}

static void
test_cancel_inactive_source(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.cancel.inactive", NULL);
	struct counter c;
	dispatch_source_t ds;

	(void)state;
	counter_init(&c);
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, q);
	counter_handlers(ds, &c);
	dispatch_source_set_timer(ds, DISPATCH_TIME_NOW, NSEC_PER_MSEC, 0);
	dispatch_source_cancel(ds);
	/* The cancel handler waits for activation, events never come. */
	assert_int_not_equal(wait_for(c.cancel, SHORT_WAIT), 0);
	dispatch_resume(ds);
	assert_int_equal(wait_for(c.cancel, LONG_WAIT), 0);
	assert_int_not_equal(wait_for(c.event, SHORT_WAIT), 0);
	dispatch_release(ds);
	dispatch_release(q);
	counter_fini(&c);
}

static void
test_source_keeps_queue_alive(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.timer.owner", NULL);
	struct counter c;
	dispatch_source_t ds;

	(void)state;
	counter_init(&c);
	ds = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, q);
	counter_handlers(ds, &c);
	dispatch_release(q);
	dispatch_source_set_timer(ds, DISPATCH_TIME_NOW, NSEC_PER_MSEC, 0);
	dispatch_resume(ds);
	assert_int_equal(wait_total(&c, 2), 0);
	dispatch_source_cancel(ds);
	assert_int_equal(wait_for(c.cancel, LONG_WAIT), 0);
	dispatch_release(ds);
	counter_fini(&c);
}

/*
 * In a child that blocked SIGTERM and SIGINT before any dispatch object
 * existed (so every thread it creates inherits the mask, as vmnet-helper
 * does): a blocked signal is still observed, and one sent while blocked,
 * before its source existed, is reported once the source is active.
 */
static void
blocked_signals_child(void)
{
	dispatch_semaphore_t term = dispatch_semaphore_create(0);
	dispatch_semaphore_t intr = dispatch_semaphore_create(0);
	dispatch_queue_t q;
	dispatch_source_t ds_term, ds_int;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGINT); /* pending: no source yet */
	q = dispatch_queue_create("test.blocked", NULL);
	ds_term = dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, SIGTERM, 0, q);
	ds_int = dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, SIGINT, 0, q);
	dispatch_source_set_event_handler(ds_term, ^(void) {
		dispatch_semaphore_signal(term);
	});
	dispatch_source_set_event_handler(ds_int, ^(void) {
		dispatch_semaphore_signal(intr);
	});
	dispatch_resume(ds_term);
	dispatch_resume(ds_int);
	if (wait_for(intr, LONG_WAIT) != 0)
		_exit(2);
	kill(getpid(), SIGTERM); /* blocked in this thread and every other */
	_exit(wait_for(term, LONG_WAIT) == 0 ? 0 : 3);
}

static void
test_signal_source_blocked_everywhere(void **state)
{
	int status;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		blocked_signals_child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* Killed by SIGTERM: the default action ran; 2 or 3: a signal not seen. */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Concurrent queues, barriers, the global queue, dispatch_after */

static void
barrier_sync_on_own_queue(void)
{
	dispatch_queue_t q = dispatch_queue_create("test.cbarrier", DISPATCH_QUEUE_CONCURRENT);

	dispatch_sync(q, ^(void) {
		dispatch_barrier_sync(q, ^(void){
		                      });
	});
}

static void
test_barrier_sync_on_own_queue_aborts(void **state)
{
	(void)state;
	expect_abort(barrier_sync_on_own_queue, "already owned by current thread");
}

/* Two blocks that each wait for the other finish only if they run at once. */
static void
test_concurrent_runs_blocks_at_once(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.conc", DISPATCH_QUEUE_CONCURRENT);
	dispatch_semaphore_t a = dispatch_semaphore_create(0);
	dispatch_semaphore_t b = dispatch_semaphore_create(0);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block atomic_int ok = 0;

	(void)state;
	dispatch_async(q, ^(void) {
		dispatch_semaphore_signal(a);
		if (wait_for(b, LONG_WAIT) == 0)
			atomic_fetch_add(&ok, 1);
		dispatch_semaphore_signal(done);
	});
	dispatch_async(q, ^(void) {
		dispatch_semaphore_signal(b);
		if (wait_for(a, LONG_WAIT) == 0)
			atomic_fetch_add(&ok, 1);
		dispatch_semaphore_signal(done);
	});
	assert_int_equal(wait_for(done, LONG_WAIT + LONG_WAIT), 0);
	assert_int_equal(wait_for(done, LONG_WAIT + LONG_WAIT), 0);
	assert_int_equal(atomic_load(&ok), 2);
	dispatch_release(q);
	dispatch_release(a);
	dispatch_release(b);
	dispatch_release(done);
}

/* A serial queue does not: the second block starts after the first gives up. */
static void
test_serial_runs_one_block_at_a_time(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.serial1", DISPATCH_QUEUE_SERIAL);
	dispatch_semaphore_t b = dispatch_semaphore_create(0);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block bool first_got_b = true;

	(void)state;
	dispatch_async(q, ^(void) {
		first_got_b = wait_for(b, SHORT_WAIT) == 0;
	});
	dispatch_async(q, ^(void) {
		dispatch_semaphore_signal(b);
		dispatch_semaphore_signal(done);
	});
	assert_int_equal(wait_for(done, LONG_WAIT), 0);
	assert_false(first_got_b);
	dispatch_release(q);
	dispatch_release(b);
	dispatch_release(done);
}

#define MANY_CLIENTS 32

/* A server of many clients: every block waits until all have started. */
static void
test_concurrent_many_waiting_blocks(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.many", DISPATCH_QUEUE_CONCURRENT);
	dispatch_semaphore_t started = dispatch_semaphore_create(0);
	dispatch_semaphore_t gate = dispatch_semaphore_create(0);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	int i;

	(void)state;
	for (i = 0; i < MANY_CLIENTS; i++) {
		dispatch_async(q, ^(void) {
			dispatch_semaphore_signal(started);
			dispatch_semaphore_wait(gate, DISPATCH_TIME_FOREVER);
			dispatch_semaphore_signal(done);
		});
	}
	for (i = 0; i < MANY_CLIENTS; i++)
		assert_int_equal(wait_for(started, LONG_WAIT), 0);
	for (i = 0; i < MANY_CLIENTS; i++)
		dispatch_semaphore_signal(gate);
	for (i = 0; i < MANY_CLIENTS; i++)
		assert_int_equal(wait_for(done, LONG_WAIT), 0);
	dispatch_release(q);
	dispatch_release(started);
	dispatch_release(gate);
	dispatch_release(done);
}

/* A barrier waits for the blocks before it and holds back those after it. */
static void
test_barrier_runs_alone(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.barrier", DISPATCH_QUEUE_CONCURRENT);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block atomic_int active = 0;
	__block atomic_int before = 0;
	__block int seen_active = -1, seen_before = -1;
	__block atomic_int after_saw_barrier = 0;
	__block atomic_bool barrier_ran = false;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		dispatch_async(q, ^(void) {
			atomic_fetch_add(&active, 1);
			usleep(20000);
			atomic_fetch_add(&before, 1);
			atomic_fetch_sub(&active, 1);
		});
	}
	dispatch_barrier_async(q, ^(void) {
		seen_active = atomic_load(&active);
		seen_before = atomic_load(&before);
		atomic_fetch_add(&active, 1);
		usleep(20000);
		atomic_fetch_sub(&active, 1);
		atomic_store(&barrier_ran, true);
	});
	for (i = 0; i < 4; i++) {
		dispatch_async(q, ^(void) {
			if (atomic_load(&barrier_ran))
				atomic_fetch_add(&after_saw_barrier, 1);
			dispatch_semaphore_signal(done);
		});
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(wait_for(done, LONG_WAIT), 0);
	assert_int_equal(seen_active, 0);
	assert_int_equal(seen_before, 4);
	assert_int_equal(atomic_load(&after_saw_barrier), 4);
	dispatch_release(q);
	dispatch_release(done);
}

static void
test_barrier_sync_and_sync_on_concurrent(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.csync", DISPATCH_QUEUE_CONCURRENT);
	__block int value = 0;

	(void)state;
	dispatch_barrier_sync(q, ^(void) {
		value = 1;
	});
	assert_int_equal(value, 1);
	/* A plain sync from a block on the same concurrent queue is allowed. */
	dispatch_sync(q, ^(void) {
		dispatch_sync(q, ^(void) {
			value = 2;
		});
	});
	assert_int_equal(value, 2);
	dispatch_release(q);
}

static void
test_global_queue(void **state)
{
	dispatch_queue_t g = dispatch_get_global_queue(DISPATCH_QUEUE_PRIORITY_DEFAULT, 0);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	int i;

	(void)state;
	assert_non_null(g);
	assert_ptr_equal(g, dispatch_get_global_queue(DISPATCH_QUEUE_PRIORITY_HIGH, 0));
	/* Releasing a global queue does nothing, as on macOS. */
	for (i = 0; i < 3; i++)
		dispatch_release(g);
	dispatch_async(g, ^(void) {
		dispatch_semaphore_signal(done);
	});
	assert_int_equal(wait_for(done, LONG_WAIT), 0);
	dispatch_release(done);
}

static void
test_dispatch_after(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.after", NULL);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	dispatch_time_t start = dispatch_time(DISPATCH_TIME_NOW, 0);
	__block dispatch_time_t ran = 0;
	__block const char *label = NULL;
	__block atomic_int runs = 0;

	(void)state;
	dispatch_after(dispatch_time(DISPATCH_TIME_NOW, (int64_t)(50 * NSEC_PER_MSEC)), q, ^(void) {
		ran = dispatch_time(DISPATCH_TIME_NOW, 0);
		label = dispatch_queue_get_label(NULL);
		atomic_fetch_add(&runs, 1);
		dispatch_semaphore_signal(done);
	});
	dispatch_after(DISPATCH_TIME_FOREVER, q, ^(void) {
		atomic_fetch_add(&runs, 100);
	});
	assert_int_equal(wait_for(done, LONG_WAIT), 0);
	assert_true(ran >= start + 50 * NSEC_PER_MSEC);
	assert_string_equal(label, "test.after");
	assert_int_not_equal(wait_for(done, SHORT_WAIT), 0);
	assert_int_equal(atomic_load(&runs), 1);
	dispatch_release(q);
	dispatch_release(done);
}

static void
after_f_work(void *ctx)
{
	dispatch_semaphore_signal(ctx);
}

static void
test_dispatch_after_f(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.after_f", NULL);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);

	(void)state;
	dispatch_after_f(dispatch_time(DISPATCH_TIME_NOW, 0), q, done, after_f_work);
	assert_int_equal(wait_for(done, LONG_WAIT), 0);
	dispatch_release(q);
	dispatch_release(done);
}

/* Run-here: an item of the queue on the caller's thread. */

struct here {
	pthread_t thread;
	const char *label;
};

static void
here_work(void *ctx)
{
	struct here *h = ctx;

	h->thread = pthread_self();
	h->label = dispatch_queue_get_label(NULL);
}

/* An idle queue runs it at once, on this thread, as its own item. */
static void
test_run_here_on_idle_queue(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.here", NULL);
	struct here h = {0};
	__block int after = 0;

	(void)state;
	assert_true(dispatch_run_here_f(q, &h, here_work));
	assert_true(pthread_equal(h.thread, pthread_self()));
	assert_string_equal(h.label, "test.here");
	/* Outside it, this thread is on no queue again; the queue goes on. */
	assert_string_equal(dispatch_queue_get_label(NULL), "");
	dispatch_sync(q, ^(void) {
		after = 1;
	});
	assert_int_equal(after, 1);
	dispatch_release(q);
}

/* A serial queue running an item, with items waiting, or suspended: not run. */
static void
test_run_here_refused_when_busy(void **state)
{
	dispatch_queue_t q = dispatch_queue_create("test.here.busy", NULL);
	dispatch_semaphore_t gate = dispatch_semaphore_create(0);
	dispatch_semaphore_t started = dispatch_semaphore_create(0);
	struct here h = {0};

	(void)state;
	dispatch_async(q, ^(void) {
		dispatch_semaphore_signal(started);
		wait_for(gate, LONG_WAIT);
	});
	assert_int_equal(wait_for(started, LONG_WAIT), 0);
	assert_false(dispatch_run_here_f(q, &h, here_work)); /* one runs */
	dispatch_async(q, ^(void){
	               });
	dispatch_semaphore_signal(gate);
	dispatch_sync(q, ^(void){
	              });
	dispatch_suspend(q);
	assert_false(dispatch_run_here_f(q, &h, here_work)); /* suspended */
	dispatch_async(q, ^(void){
	               });
	dispatch_resume(q);
	dispatch_sync(q, ^(void){
	              });
	assert_true(dispatch_run_here_f(q, &h, here_work)); /* idle again */
	dispatch_release(q);
	dispatch_release(gate);
	dispatch_release(started);
}

struct excl {
	dispatch_queue_t queue;
	atomic_int done; /* the run-here item has finished its work */
	int queued_saw;  /* done, as the item it queued saw it */
};

static void
excl_work(void *ctx)
{
	struct excl *e = ctx;

	dispatch_async(e->queue, ^(void) {
		e->queued_saw = atomic_load(&e->done);
	});
	usleep(50 * 1000); /* room for a worker that ran it beside us */
	atomic_store(&e->done, 1);
}

/* While it runs, the queue's other items wait for it, as for any item. */
static void
test_run_here_excludes_other_items(void **state)
{
	struct excl e = {.queue = dispatch_queue_create("test.here.excl", NULL), .queued_saw = -1};

	(void)state;
	assert_true(dispatch_run_here_f(e.queue, &e, excl_work));
	dispatch_sync(e.queue, ^(void){
	              });
	assert_int_equal(e.queued_saw, 1);
	dispatch_release(e.queue);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    /* Tests that fork come first, while few threads exist. */
	    /* This one first of all: its child must start the source manager. */
	    cmocka_unit_test(test_signal_source_blocked_everywhere),
	    cmocka_unit_test(test_sync_on_own_queue_aborts),
	    cmocka_unit_test(test_sync_deadlock_through_other_queue_aborts),
	    cmocka_unit_test(test_semaphore_release_in_use_aborts),
	    cmocka_unit_test(test_barrier_sync_on_own_queue_aborts),
	    cmocka_unit_test(test_fifo_from_many_threads),
	    cmocka_unit_test(test_async_f_and_sync_f),
	    cmocka_unit_test(test_sync_returns_after_block),
	    cmocka_unit_test(test_nested_sync),
	    cmocka_unit_test(test_released_queue_runs_pending),
	    cmocka_unit_test(test_queue_suspend_resume),
	    cmocka_unit_test(test_semaphore_create_negative),
	    cmocka_unit_test(test_semaphore_timeout),
	    cmocka_unit_test(test_semaphore_initial_value),
	    cmocka_unit_test(test_semaphore_signal_wakes_waiter),
	    cmocka_unit_test(test_dispatch_time),
	    cmocka_unit_test(test_signal_source_with_sig_ign),
	    cmocka_unit_test(test_signal_source_default_action),
	    cmocka_unit_test(test_signal_source_other_thread),
	    cmocka_unit_test(test_signal_source_suspend),
	    cmocka_unit_test(test_invalid_sources),
	    cmocka_unit_test(test_timer_source_repeats_and_cancel_stops),
	    cmocka_unit_test(test_timer_fires_coalesce_while_queue_busy),
	    cmocka_unit_test(test_timer_source_inactive_until_activated),
	    cmocka_unit_test(test_cancel_inactive_source),
	    cmocka_unit_test(test_source_keeps_queue_alive),
	    cmocka_unit_test(test_concurrent_runs_blocks_at_once),
	    cmocka_unit_test(test_serial_runs_one_block_at_a_time),
	    cmocka_unit_test(test_concurrent_many_waiting_blocks),
	    cmocka_unit_test(test_barrier_runs_alone),
	    cmocka_unit_test(test_barrier_sync_and_sync_on_concurrent),
	    cmocka_unit_test(test_global_queue),
	    cmocka_unit_test(test_dispatch_after),
	    cmocka_unit_test(test_dispatch_after_f),
	    cmocka_unit_test(test_run_here_on_idle_queue),
	    cmocka_unit_test(test_run_here_refused_when_busy),
	    cmocka_unit_test(test_run_here_excludes_other_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
