// SPDX-License-Identifier: Apache-2.0
/*
 * dispatch_semaphore.c - libdispatch's semaphores, for Linux.
 *
 * Theory of operation: a counter under a mutex; waiters sleep on a
 * CLOCK_MONOTONIC condition variable and a signal hands out one wakeup.
 *
 * A wait that times out returns KERN_OPERATION_TIMED_OUT (49), as on macOS.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <dispatch/dispatch.h>

#include "dispatch_internal.h"

/* What dispatch_semaphore_wait() returns on timeout (KERN_OPERATION_TIMED_OUT). */
#define DISPATCH_SEMA_TIMEOUT 49

struct dispatch_semaphore_s {
	struct dispatch_object_s obj;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	intptr_t value;
	intptr_t orig;
	uintptr_t wakeups; /* signals handed to sleeping waiters */
};

static void
dispatch_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

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

void
dispatch_semaphore_dispose(dispatch_semaphore_t s)
{
	if (s->value < s->orig)
		dispatch_crash("Semaphore object deallocated while in use");
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}
