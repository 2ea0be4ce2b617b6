// SPDX-License-Identifier: Apache-2.0
/*
 * csops.c - Darwin's csops(CS_OPS_CDHASH) for Linux: the code identity of a
 * process.
 *
 * macOS identifies code by its cdhash, the hash of its signature's code
 * directory; a requirement "cdhash H\"...\"" matches exactly that code. Linux
 * has no code signatures, so the identity of a process's code here is its
 * executable file: the 20 bytes are the device (8 bytes, little endian),
 * inode (8 bytes) and 4 zero bytes of /proc/PID/exe. Two processes have the
 * same "cdhash" exactly when they run the same file, which is what the
 * network service's same-executable rule needs. Replacing the file (a new
 * install) changes the identity, as re-signing does on macOS.
 *
 * Only CS_OPS_CDHASH (5) is implemented; other operations fail with EINVAL.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "csops_internal.h"

int
csops(pid_t pid, unsigned int ops, void *useraddr, size_t usersize)
{
	uint8_t *out = useraddr;
	char path[64];
	struct stat st;
	int i;

	if (ops != CSOPS_CDHASH || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (usersize < CSOPS_CDHASH_LEN) {
		errno = ERANGE;
		return -1;
	}
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/exe");
	else
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &st) != 0)
		return -1;
	memset(out, 0, CSOPS_CDHASH_LEN);
	for (i = 0; i < 8; i++) {
		out[i] = (uint8_t)((uint64_t)st.st_dev >> (8 * i));
		out[8 + i] = (uint8_t)((uint64_t)st.st_ino >> (8 * i));
	}
	return 0;
}
