// SPDX-License-Identifier: Apache-2.0
/*
 * os_version.c - the macOS major version (see os_version.h), from
 * sysctlbyname(3): macOS's, or on Linux the platform's, which answers for
 * the macOS it stands in for (src/linux/sysctl.c).
 */
#include "os_version.h"

#include <stdlib.h>
#include <sys/sysctl.h>

/* Darwin 20 shipped as macOS 11; from Darwin 25 the numbers follow the year. */
#define DARWIN_MACOS_11 20
#define DARWIN_MACOS_26 25
/* What kern.osproductversion says on macOS 26 in compatibility mode. */
#define COMPAT_MACOS_26 16

/* Return: the leading number of the sysctl string @name, or 0 */
static long
leading_number(os_version_sysctl_fn sysctl_fn, const char *name)
{
	char value[32];
	size_t len = sizeof(value) - 1;

	if (sysctl_fn(name, value, &len, NULL, 0) != 0 || len == 0 || len >= sizeof(value))
		return 0;
	value[len] = '\0';
	return strtol(value, NULL, 10);
}

int
os_version_macos_major(os_version_sysctl_fn sysctl_fn)
{
	long darwin = leading_number(sysctl_fn, "kern.osrelease");
	long product;

	if (darwin >= DARWIN_MACOS_26)
		return (int)darwin + 1;
	if (darwin >= DARWIN_MACOS_11)
		return (int)darwin - DARWIN_MACOS_11 + 11;
	if (darwin > 0)
		return 10;
	product = leading_number(sysctl_fn, "kern.osproductversion");
	if (product == COMPAT_MACOS_26)
		return 26;
	return product > 0 && product < 100 ? (int)product : 0;
}

int
os_version_current(void)
{
	return os_version_macos_major(sysctlbyname);
}
