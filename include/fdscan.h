/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdscan.h - closing and finding open file descriptors, one
 * implementation per OS (src/fdscan_linux.c, src/fdscan_darwin.c).
 */
#ifndef FDSCAN_H
#define FDSCAN_H

/*
 * fdscan_close_above_stdio() - close every descriptor above 2 except
 * @keep_fd (-1: none)
 *
 * Return: 0, or -1 with errno
 */
int fdscan_close_above_stdio(int keep_fd);

/* fdscan_highest_open() - the highest open descriptor, at least 2 */
int fdscan_highest_open(void);

#endif /* FDSCAN_H */
