/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pidfile.h - the stream daemon's --pidfile: the daemon's pid in a file
 * that exists exactly while the daemon runs (what `pkill -F` reads).
 */
#ifndef PIDFILE_H
#define PIDFILE_H

#ifdef __cplusplus
extern "C" {
#endif

/* A pid file this process created; fd -1 when there is none. */
struct pidfile {
	const char *path;
	int fd; /* open and locked while the daemon runs */
};

int pidfile_create(struct pidfile *pf, const char *path);
void pidfile_remove(struct pidfile *pf);

#ifdef __cplusplus
}
#endif

#endif /* PIDFILE_H */
