// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_log.c - the Linux vmnet platform's diagnostics (see vmnet_log.h).
 *
 * The platform stands behind Apple's API and links nothing of the programs
 * that use it, so it formats the line itself; one write(2) per line, so
 * lines of different threads never interleave.
 */
#include "vmnet_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define VMNET_LOG_LINE_MAX 512

void
vmnet_log(const char *fmt, ...)
{
	char line[VMNET_LOG_LINE_MAX];
	int saved = errno, n;
	struct timespec ts;
	size_t len, i;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line + len, sizeof(line) - len, ".%03ldZ WARN [vmnet] ",
	             ts.tv_nsec / 1000000L);
	len += n > 0 ? (size_t)n : 0;
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	len += n < 0 ? 0 : (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1;
	/* One event, one line, as in the programs' own log. */
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len < sizeof(line) - 1 ? len++ : len - 1] = '\n';
	(void)!write(STDERR_FILENO, line, len);
	errno = saved;
}
