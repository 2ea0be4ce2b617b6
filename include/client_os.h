/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_os.h - what vmnet-client asks the operating system: its own
 * path and the helper's.
 */
#ifndef CLIENT_OS_H
#define CLIENT_OS_H

#include <stddef.h>

/*
 * client_os_self_path() - absolute path of the running executable
 * @buf:	output buffer
 * @size:	size of @buf
 *
 * Return: 0, or -1 with errno (ENAMETOOLONG when @buf is too small).
 */
int client_os_self_path(char *buf, size_t size);

/*
 * client_os_helper_path() - absolute path of the helper to run
 * @helper:	--helper as given: absolute, or relative to the working
 *		directory (symlinks kept: a sudoers rule may name one); NULL
 *		for the vmnet-helper beside the running executable
 * @buf, @size:	output; a path that does not fit is an error, never cut
 *
 * Return: 0, or -1 with errno (ENAMETOOLONG; ENOENT for an empty @helper).
 */
int client_os_helper_path(const char *helper, char *buf, size_t size);

#endif /* CLIENT_OS_H */
