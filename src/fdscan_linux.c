// SPDX-License-Identifier: Apache-2.0
/*
 * fdscan_linux.c - descriptors on Linux without one system call per
 * possible descriptor: close_range() closes a whole range at once, and
 * poll() marks every closed descriptor of a chunk POLLNVAL, so finding the
 * highest open one costs one call per 1024. (A loop of close() up to a
 * soft limit of 20,000 took 50 ms, the largest part of the helper's start.)
 */
#include "fdscan.h"

#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

/* Descriptors looked at when the soft limit is larger or infinite. */
#define FDSCAN_MAX   (1 << 20)
#define FDSCAN_CHUNK 1024

int
fdscan_close_above_stdio(int keep_fd)
{
	if (keep_fd > 3 && close_range(3, (unsigned)keep_fd - 1, 0) < 0)
		return -1;
	return close_range(keep_fd >= 3 ? (unsigned)keep_fd + 1 : 3, ~0U, 0);
}

int
fdscan_highest_open(void)
{
	struct pollfd p[FDSCAN_CHUNK];
	struct rlimit rl;
	int max = FDSCAN_MAX, highest = 2;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < FDSCAN_MAX)
		max = (int)rl.rlim_cur;
	for (int base = 3; base < max; base += FDSCAN_CHUNK) {
		int n = max - base < FDSCAN_CHUNK ? max - base : FDSCAN_CHUNK;

		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){.fd = base + i};
		/* Cannot fail for n below the soft limit; then assume all open. */
		if (poll(p, (nfds_t)n, 0) < 0)
			return max - 1;
		for (int i = 0; i < n; i++)
			if (!(p[i].revents & POLLNVAL))
				highest = base + i;
	}
	return highest;
}
