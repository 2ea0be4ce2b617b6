// SPDX-License-Identifier: Apache-2.0
/*
 * stop.c - the shutdown request: a status, a reason, and a pipe to poll
 * (see stop.h). A pipe rather than kqueue or eventfd so the same code runs
 * on macOS and on the Linux platform layer.
 */
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <unistd.h>

static int pipe_fds[2] = {-1, -1};
static atomic_bool requested;
static int exit_status;
static const char *stop_why = "";

/*
 * stop_init() - create the pipe (close-on-exec, non-blocking)
 * Return: 0, or -1 with errno
 */
int
stop_init(void)
{
	if (pipe(pipe_fds) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (fcntl(pipe_fds[i], F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(pipe_fds[i], F_SETFL, O_NONBLOCK) < 0)
			return -1;
	}
	return 0;
}

/*
 * stop_request() - ask the main thread to shut down
 * @status:	exit status of the process if this is the first request
 * @reason:	static string for the log, e.g. "received SIGTERM"
 */
void
stop_request(int status, const char *reason)
{
	bool expected = false;
	char byte = 1;

	if (!atomic_compare_exchange_strong(&requested, &expected, true))
		return;
	exit_status = status;
	stop_why = reason;
	/* Published by the write: readers look only after the pipe is readable. */
	(void)!write(pipe_fds[1], &byte, 1);
}

bool
stop_requested(void)
{
	return atomic_load_explicit(&requested, memory_order_relaxed);
}

/* Return: the read end, readable once a stop was requested */
int
stop_fd(void)
{
	return pipe_fds[0];
}

/*
 * stop_wait() - block until a stop is requested
 * Return: the exit status of the first request
 */
int
stop_wait(void)
{
	struct pollfd pfd = {.fd = pipe_fds[0], .events = POLLIN};

	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	return exit_status;
}

/* Return: the reason given with the first request */
const char *
stop_reason(void)
{
	return stop_why;
}
