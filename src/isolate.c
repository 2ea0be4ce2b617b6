// SPDX-License-Identifier: Apache-2.0
/*
 * isolate.c - narrowing the helper in two stages (see docs/helper.md,
 * Security).
 *
 * isolate_initial(), before anything privileged: no core dumps (a core of
 * a root process may hold whatever vmnet handed it), standard fds open (so
 * a later socket never becomes stdout), and no inherited fd except the VM
 * socket. It must not touch the filesystem beyond /dev/null.
 *
 * isolate_forwarding(), once forwarding runs as the user: resource limits
 * as tight as still works. It must leave room for what shutdown needs (the
 * platform's vmnet stop, stats output).
 */
#include "isolate.h"

#include "fdscan.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Descriptors allowed above the highest one open when forwarding starts:
 * none of ours are opened later; this is room for whatever the system's
 * vmnet_stop_interface() may open (nothing on Linux, where a keeper
 * process does the teardown; undocumented on macOS).
 */
#define ISOLATE_FD_HEADROOM 16

/* Reopen any of 0, 1, 2 that is closed on /dev/null. Return: 0 or -1. */
static int
open_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		nfd = open("/dev/null", O_RDWR);
		if (nfd < 0)
			return -1;
		if (nfd != fd) {
			close(nfd);
			errno = EBADF;
			return -1;
		}
	}
	return 0;
}

/*
 * isolate_initial() - first stage, as root, before vmnet starts
 * @keep_fd:	the VM socket (--fd), or -1
 *
 * Closes every inherited fd above 2 except @keep_fd (src/fdscan_<os>.c).
 *
 * Return: 0, or -1 with errno
 */
int
isolate_initial(int keep_fd)
{
	struct rlimit no_core = {0, 0};

	if (setrlimit(RLIMIT_CORE, &no_core) < 0)
		return -1;
	if (open_stdio() < 0)
		return -1;
	return fdscan_close_above_stdio(keep_fd);
}

static int
is_regular_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int
cap(int resource, rlim_t value)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return -1;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < value)
		value = rl.rlim_max;
	rl.rlim_cur = value;
	rl.rlim_max = value;
	return setrlimit(resource, &rl);
}

/*
 * Processes: the helper never forks. On macOS RLIMIT_NPROC counts
 * processes only, so 0 is safe. On Linux it counts threads of the user,
 * which the dispatch layer may still create, and the user may run other
 * processes: leave it.
 */
static int
cap_processes(void)
{
#ifdef __APPLE__
	return cap(RLIMIT_NPROC, 0);
#else
	return 0;
#endif
}

/*
 * isolate_forwarding() - second stage, as the user, forwarding running
 *
 * RLIMIT_NOFILE: the highest open fd + 1 + ISOLATE_FD_HEADROOM.
 * RLIMIT_FSIZE: 0, so no file can be written, unless stdout or stderr is
 * a regular file (a log redirected by the caller), which must keep
 * growing.
 * RLIMIT_NPROC: see cap_processes().
 *
 * Return: 0, or -1 with errno
 */
int
isolate_forwarding(void)
{
	if (cap(RLIMIT_NOFILE, (rlim_t)fdscan_highest_open() + 1 + ISOLATE_FD_HEADROOM) < 0)
		return -1;
	if (!is_regular_file(STDOUT_FILENO) && !is_regular_file(STDERR_FILENO) &&
	    cap(RLIMIT_FSIZE, 0) < 0)
		return -1;
	return cap_processes();
}
