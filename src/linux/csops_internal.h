/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csops_internal.h - Darwin's csops() as the Linux platform implements it
 * (src/linux/csops.c). On macOS the function is exported by libSystem but
 * declared only in a header outside the public SDK, so its users declare it
 * themselves with the same prototype.
 */
#ifndef CSOPS_INTERNAL_H
#define CSOPS_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

/* The operation that copies the code's cdhash, and its length. */
#define CSOPS_CDHASH     5
#define CSOPS_CDHASH_LEN 20

/* Return: 0 with the cdhash of process @pid (0: this one) in @useraddr, or -1 with errno. */
int csops(pid_t pid, unsigned int ops, void *useraddr, size_t usersize);

#endif /* CSOPS_INTERNAL_H */
