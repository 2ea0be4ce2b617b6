// SPDX-License-Identifier: Apache-2.0
/*
 * client_proc.c - child processes of vmnet-client: spawn with an exact fd
 * set, report exec failures to the parent, map wait statuses.
 *
 * Exec failures travel back on a close-on-exec pipe: the child writes its
 * errno and exits; an exec that works closes the pipe with nothing written.
 */
#include "client_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Temporary descriptors in the child start here, above every target. */
#define CHILD_FD_BASE 10

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Scan limit when /dev/fd cannot be listed. */
#define FALLBACK_MAX_FD 65536

int
client_proc_cloexec_all(void)
{
	DIR *dir = opendir("/dev/fd");
	struct dirent *de;
	long max;

	if (dir != NULL) {
		int self = dirfd(dir);

		while ((de = readdir(dir)) != NULL) {
			char *end;
			long fd = strtol(de->d_name, &end, 10);

			if (*end != '\0' || end == de->d_name || fd <= 2 || fd == self)
				continue;
			if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF) {
				int saved = errno;

				closedir(dir);
				errno = saved;
				return -1;
			}
		}
		closedir(dir);
		return 0;
	}
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > FALLBACK_MAX_FD)
		max = FALLBACK_MAX_FD;
	for (int fd = 3; fd < max; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

int
client_proc_cloexec_pair(int fds[2])
{
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) < 0) {
		int err = errno;

		close(fds[0]);
		close(fds[1]);
		errno = err;
		return -1;
	}
	return 0;
}

int
client_proc_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	return client_proc_cloexec_pair(fds);
}

/* Move @from to @to in the child; -1 leaves @to alone. */
static int
child_place(int from, int to)
{
	if (from < 0)
		return 0;
	return dup2(from, to) < 0 ? -1 : 0;
}

static _Noreturn void
child_exec(const struct client_proc_spec *spec, int report)
{
	int src[4] = {spec->fd_stdin, spec->fd_stdout, spec->fd_stderr, spec->fd_extra};
	int dst[4] = {0, 1, 2, spec->extra_as};
	sigset_t none;
	int err;

	/* The client ignores SIGPIPE; ignored signals survive exec. */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (spec->new_group && setpgid(0, 0) < 0)
		goto fail;
	/* Lift every source above the targets first, so no dup2() clobbers a
	 * source that is still needed. The copies are close-on-exec. */
	for (size_t i = 0; i < ARRAY_SIZE(src); i++) {
		if (src[i] >= 0 && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, CHILD_FD_BASE)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(src); i++) {
		if (child_place(src[i], dst[i]) < 0)
			goto fail;
	}
	{
		/* execvp() takes char *const[] for historical reasons only. */
		union {
			const char *const *in;
			char *const *out;
		} args = {.in = spec->argv};

		execvp(args.out[0], args.out);
	}
fail:
	err = errno;
	if (write(report, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

pid_t
client_proc_spawn(const struct client_proc_spec *spec)
{
	int report[2];
	int err = 0;
	ssize_t n;
	pid_t pid;

	if (client_proc_pipe(report) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(report[0]);
		close(report[1]);
		errno = err;
		return -1;
	}
	if (pid == 0) {
		close(report[0]);
		child_exec(spec, report[1]);
	}
	close(report[1]);
	do {
		n = read(report[0], &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n == (ssize_t)sizeof(err)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = err;
		return -1;
	}
	return pid;
}

int
client_proc_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

const char *
client_proc_describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "stopped (status 0x%x)", (unsigned)status);
	return buf;
}
