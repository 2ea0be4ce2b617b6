/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sys/sysctl.h - Darwin's sysctlbyname(), for the one name vmnet-helper
 * asks: "kern.osproductversion", the macOS version.
 *
 * Implemented by src/linux/sysctl.c. This is the one place the Linux
 * platform says which macOS it stands in for: "26.0" (every API of
 * include/compat/vmnet/vmnet.h is there), or the value of the environment
 * variable VMNET_LINUX_MACOS_VERSION (e.g. "15.5"), so tests can run the
 * code paths of older macOS. macOS itself has no such variable.
 */
#ifndef SYS_SYSCTL_H
#define SYS_SYSCTL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return: 0, or -1 with errno (ENOENT: unknown name, ENOMEM: @oldp too small). */
int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

#ifdef __cplusplus
}
#endif

#endif /* SYS_SYSCTL_H */
