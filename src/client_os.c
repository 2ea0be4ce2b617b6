// SPDX-License-Identifier: Apache-2.0
/*
 * client_os.c - the executable's own path and the helper's.
 *
 * The running executable comes from dyld's _NSGetExecutablePath(), which
 * the Linux platform implements too (src/linux/dyld.c); whether vmnet
 * needs root is os_version_vmnet_needs_root().
 */
#include "client_os.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mach-o/dyld.h>

int
client_os_self_path(char *buf, size_t size)
{
	char raw[PATH_MAX];
	char *real;
	size_t len;

	uint32_t rawsize = sizeof(raw);

	if (_NSGetExecutablePath(raw, &rawsize) != 0) {
		errno = rawsize ? ENAMETOOLONG : ENOENT;
		return -1;
	}
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

/* Copy the concatenation of @a, @b and @c into @buf, or fail with ENAMETOOLONG. */
static int
join(char *buf, size_t size, const char *a, const char *b, const char *c)
{
	int n = snprintf(buf, size, "%s%s%s", a, b, c);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
client_os_helper_path(const char *helper, char *buf, size_t size)
{
	char dir[PATH_MAX];

	if (helper != NULL && helper[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (helper != NULL && helper[0] == '/')
		return join(buf, size, helper, "", "");
	if (helper != NULL) {
		/* sudo matches rules against absolute paths: make it one, but
		 * keep symlinks, which a rule may name. */
		if (getcwd(dir, sizeof(dir)) == NULL)
			return -1;
		return join(buf, size, dir, "/", helper);
	}
	if (client_os_self_path(dir, sizeof(dir)) < 0)
		return -1;
	return join(buf, size, dirname(dir), "/vmnet-helper", "");
}
