// SPDX-License-Identifier: Apache-2.0
/*
 * pidfile.c - the stream daemon's pid file (see pidfile.h).
 *
 * The daemon runs as root and its callers (Lima) stop it with `pkill -F
 * FILE`, so the file must name this daemon and nothing else: it is created
 * new (O_EXCL), never through a symlink (O_NOFOLLOW, and O_EXCL does not
 * follow one either), and held under an exclusive flock while the daemon
 * runs. A file left by a daemon that was killed is not locked: it is
 * removed and created anew. A locked one belongs to a running daemon and
 * is refused. On exit the file is removed only while the path still names
 * the file this process created.
 */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest decimal pid with its newline and NUL. */
#define PID_STRLEN 24

/* Whether @path is a regular file no process holds locked (a dead daemon's). */
static bool
stale(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	bool unlocked;

	if (fd < 0)
		return false;
	unlocked = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_SH | LOCK_NB) == 0;
	close(fd);
	return unlocked;
}

/* Create @path new, locked, mode 0644. Return: the fd, or -1 with errno. */
static int
create_locked(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int saved = errno;

		close(fd);
		unlink(path);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * pidfile_create() - write this process's pid to @path
 * @pf:	filled in; pidfile_remove() undoes it
 *
 * Return: 0, or -1 with errno (EEXIST: a running daemon holds @path, or it
 * is not a regular file); nothing is left at @path on failure
 */
int
pidfile_create(struct pidfile *pf, const char *path)
{
	char pid[PID_STRLEN];
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	int fd = create_locked(path);

	pf->path = path;
	pf->fd = -1;
	if (fd < 0 && errno == EEXIST) {
		if (!stale(path)) {
			errno = EEXIST;
			return -1;
		}
		if (unlink(path) == 0)
			fd = create_locked(path);
	}
	if (fd < 0)
		return -1;
	if (write(fd, pid, (size_t)len) != len) {
		int saved = errno ? errno : EIO;

		close(fd);
		unlink(path);
		errno = saved;
		return -1;
	}
	pf->fd = fd;
	return 0;
}

/* pidfile_remove() - remove the file pidfile_create() made, if it is still there */
void
pidfile_remove(struct pidfile *pf)
{
	struct stat ours, now;

	if (pf->fd < 0)
		return;
	if (fstat(pf->fd, &ours) == 0 && lstat(pf->path, &now) == 0 && ours.st_dev == now.st_dev &&
	    ours.st_ino == now.st_ino)
		unlink(pf->path);
	close(pf->fd);
	pf->fd = -1;
}
