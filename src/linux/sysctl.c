// SPDX-License-Identifier: Apache-2.0
/*
 * sysctl.c - sysctlbyname("kern.osproductversion") on Linux: the macOS
 * version the platform stands in for (see <sys/sysctl.h>).
 */
#include <sys/sysctl.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PLATFORM_MACOS_VERSION "26.0"
#define VERSION_ENV            "VMNET_LINUX_MACOS_VERSION"

static const char *
product_version(void)
{
	const char *v = getenv(VERSION_ENV);

	/* Only a plain "major[.minor[.patch]]" counts. */
	if (v && *v && strlen(v) < 16 && strspn(v, "0123456789.") == strlen(v) && v[0] != '.')
		return v;
	return PLATFORM_MACOS_VERSION;
}

int
sysctlbyname(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
	const char *v;
	size_t len;

	if (!name || strcmp(name, "kern.osproductversion") != 0) {
		errno = ENOENT;
		return -1;
	}
	if (newp || newlen) {
		errno = EPERM;
		return -1;
	}
	v = product_version();
	len = strlen(v) + 1;
	if (oldp) {
		if (!oldlenp || *oldlenp < len) {
			errno = ENOMEM;
			return -1;
		}
		memcpy(oldp, v, len);
	}
	if (oldlenp)
		*oldlenp = len;
	return 0;
}
