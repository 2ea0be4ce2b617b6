// SPDX-License-Identifier: Apache-2.0
/*
 * dyld.c - Darwin's _NSGetExecutablePath() on Linux (see <mach-o/dyld.h>):
 * the path /proc/self/exe links to.
 *
 * macOS gives the path the program was started by (possibly through
 * symbolic links, which callers resolve with realpath()); Linux's link
 * already names the file itself, which realpath() leaves as it is.
 */
#include <mach-o/dyld.h>

#include <limits.h>
#include <string.h>
#include <unistd.h>

int
_NSGetExecutablePath(char *buf, uint32_t *bufsize)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n < 0) {
		*bufsize = 0;
		return -1;
	}
	if ((size_t)n + 1 > *bufsize) {
		*bufsize = (uint32_t)n + 1;
		return -1;
	}
	memcpy(buf, path, (size_t)n);
	buf[n] = '\0';
	return 0;
}
