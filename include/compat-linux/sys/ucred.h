/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sys/ucred.h - getpeereid(), which Darwin (and the BSDs) declare in
 * <unistd.h> and glibc lacks; on Linux src/linux/peereid.c implements it
 * with SO_PEERCRED. Code that needs it includes <sys/ucred.h>, a header
 * macOS has too.
 */
#ifndef COMPAT_LINUX_SYS_UCRED_H
#define COMPAT_LINUX_SYS_UCRED_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The effective ids of the process at the other end of unix socket @s. */
int getpeereid(int s, uid_t *euid, gid_t *egid);

#ifdef __cplusplus
}
#endif

#endif /* COMPAT_LINUX_SYS_UCRED_H */
