// SPDX-License-Identifier: Apache-2.0
/*
 * fdscan_darwin.c - descriptors on macOS: a loop over every descriptor
 * below the soft limit, since macOS has neither closefrom() nor
 * close_range(), and its poll() reports devices as invalid, so it cannot
 * tell closed descriptors from open ones.
 */
#include "fdscan.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

/*
 * Fds scanned when the soft limit is larger or infinite: a million close()
 * calls on closed fds take well under a second, and no system hands out
 * that many by default.
 */
#define FDSCAN_MAX (1 << 20)

static int
scan_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > FDSCAN_MAX)
		return FDSCAN_MAX;
	return (int)rl.rlim_cur;
}

int
fdscan_close_above_stdio(int keep_fd)
{
	int max = scan_limit();

	for (int fd = 3; fd < max; fd++) {
		if (fd != keep_fd)
			close(fd);
	}
	return 0;
}

int
fdscan_highest_open(void)
{
	int max = scan_limit();
	int highest = 2;

	for (int fd = 3; fd < max; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			highest = fd;
	}
	return highest;
}
