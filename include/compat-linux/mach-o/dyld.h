/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mach-o/dyld.h - Darwin's _NSGetExecutablePath(), the one dyld call
 * vmnet-client and vmnet-helper make: the path of the running executable.
 *
 * Implemented by src/linux/dyld.c from /proc/self/exe.
 */
#ifndef MACH_O_DYLD_H
#define MACH_O_DYLD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Copy the executable's path, NUL-terminated, into @buf of *@bufsize bytes.
 * Return: 0, or -1 with *@bufsize set to the size needed when @buf is too
 * small (as on macOS); -1 with *@bufsize 0 when the path cannot be read.
 */
int _NSGetExecutablePath(char *buf, uint32_t *bufsize);

#ifdef __cplusplus
}
#endif

#endif /* MACH_O_DYLD_H */
