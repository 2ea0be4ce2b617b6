/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmsock.h - the helper's VM socket: the --fd socket as given, or the
 * --socket PATH the helper locks, binds (listens on, with --stream), waits
 * on for its first client, and removes at exit.
 */
#ifndef VMSOCK_H
#define VMSOCK_H

#include <stdbool.h>

#include "fwd.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vmsock {
	const char *path; /* --socket PATH, NULL with --fd */
	bool stream;      /* frames with a length on a stream socket */
	int fd;           /* the VM socket: --fd's, or PATH's (then its client's) */
	int lock_fd;      /* PATH.lock, held; -1 without */
	bool bound;       /* PATH exists and is ours */
};

int vmsock_bind(struct vmsock *vs);
int vmsock_wait_client(struct vmsock *vs);
int vmsock_only_from_client(struct vmsock *vs, struct fwd *fwd);
void vmsock_remove(struct vmsock *vs);

#ifdef __cplusplus
}
#endif

#endif /* VMSOCK_H */
