/* SPDX-License-Identifier: Apache-2.0 */
/*
 * os_version.h - which macOS release this is, in a way compatibility mode
 * cannot fool.
 */
#ifndef OS_VERSION_H
#define OS_VERSION_H

#include <stdbool.h>
#include <stddef.h>

/* The shape of sysctlbyname(3), so tests can pass a fake. */
typedef int (*os_version_sysctl_fn)(const char *name, void *oldp, size_t *oldlenp, void *newp,
                                    size_t newlen);

/*
 * os_version_macos_major() - the macOS major version, e.g. 26
 * @sysctl_fn:	sysctlbyname, or a fake
 *
 * From kern.osrelease, the Darwin kernel version (25.x is macOS 26, 20.x to
 * 24.x are macOS 11 to 15), which compatibility mode leaves alone: to a
 * program built with an SDK older than 26, kern.osproductversion says
 * "16.0" on macOS 26. kern.osproductversion is the fallback when there is
 * no kern.osrelease, with its "16" read as 26.
 *
 * Return: the major version, or 0 if neither sysctl answers usefully.
 */
int os_version_macos_major(os_version_sysctl_fn sysctl_fn);

/* The first macOS whose vmnet needs no root, only the entitlement. */
#define OS_VERSION_ROOTLESS_VMNET 26

/*
 * os_version_current() - os_version_macos_major(sysctlbyname): on Linux the
 * platform's sysctlbyname() answers with the macOS it stands in for (26, or
 * VMNET_LINUX_MACOS_VERSION; see <sys/sysctl.h> of the Linux platform).
 */
int os_version_current(void);

/*
 * os_version_vmnet_needs_root() - whether starting a vmnet interface needs
 * root here: before macOS 26 (and when the version is unknown), and always
 * on the Linux platform, which needs CAP_NET_ADMIN whatever macOS it
 * stands in for. One implementation per OS: src/os_version_darwin.c,
 * src/os_version_linux.c.
 */
bool os_version_vmnet_needs_root(void);

#endif /* OS_VERSION_H */
