// SPDX-License-Identifier: Apache-2.0
/*
 * log.c - leveled, per-component log lines on stderr (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Long enough for any message we write; longer lines are cut, not split. */
#define LOG_LINE_MAX 1024

static const char *const level_names[] = {
    [LOG_LEVEL_DEBUG] = "DEBUG",
    [LOG_LEVEL_INFO] = "INFO",
    [LOG_LEVEL_WARN] = "WARN",
    [LOG_LEVEL_ERROR] = "ERROR",
};

static const char *default_component = "main";
static _Thread_local const char *thread_component;
static atomic_bool verbose;

void
log_init(const char *component)
{
	default_component = component;
}

void
log_set_component(const char *component)
{
	thread_component = component;
}

void
log_set_verbose(bool on)
{
	atomic_store_explicit(&verbose, on, memory_order_relaxed);
}

bool
log_verbose(void)
{
	return atomic_load_explicit(&verbose, memory_order_relaxed);
}

/* Append to buf at *len, never past size; *len stays < size. */
static void __attribute__((format(printf, 4, 0)))
append(char *buf, size_t size, size_t *len, const char *fmt, va_list ap)
{
	int n;

	if (*len >= size - 1)
		return;
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	if (n < 0)
		return;
	*len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

static void __attribute__((format(printf, 4, 5)))
appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(buf, size, len, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 3, 0)))
vlog(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len = 0;
	struct timespec ts;
	struct tm tm;
	const char *component = thread_component ? thread_component : default_component;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	appendf(line, sizeof(line) - 1, &len, ".%03ldZ %s [%s] ", ts.tv_nsec / 1000000L,
	        level_names[level], component);
	append(line, sizeof(line) - 1, &len, fmt, ap);
	if (errnum)
		appendf(line, sizeof(line) - 1, &len, ": %s", strerror(errnum));
	/* One event, one line: control characters from user input become '?'. */
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	}
	line[len++] = '\n';
	/* A failed write to stderr has nowhere to be reported. */
	(void)!write(STDERR_FILENO, line, len);
}

void
log_write(enum log_level level, bool with_errno, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(level, with_errno ? saved : 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void
log_fatal_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}
