// SPDX-License-Identifier: Apache-2.0
/*
 * client_os.c - the executable's own path and whether vmnet needs root:
 * the only per-OS code of vmnet-client.
 */
#include "client_os.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os_version.h"

#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

int
client_os_self_path(char *buf, size_t size)
{
	char raw[PATH_MAX];
	char *real;
	size_t len;

#ifdef __APPLE__
	uint32_t rawsize = sizeof(raw);

	if (_NSGetExecutablePath(raw, &rawsize) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
#else
	ssize_t n = readlink("/proc/self/exe", raw, sizeof(raw) - 1);

	if (n < 0)
		return -1;
	raw[n] = '\0';
#endif
	real = realpath(raw, NULL);
	if (real == NULL)
		return -1;
	len = strlen(real);
	if (len >= size) {
		free(real);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, real, len + 1);
	free(real);
	return 0;
}

bool
client_os_vmnet_needs_root(void)
{
	/* Unknown (0, and the Linux platform): assume it does. */
	return os_version_current() < 26;
}
