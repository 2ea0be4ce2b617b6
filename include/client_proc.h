/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_proc.h - starting child processes with an exact set of file
 * descriptors, and mapping their wait status to an exit code.
 */
#ifndef CLIENT_PROC_H
#define CLIENT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What a child gets: argv, and which of our fds become its 0, 1, 2 and one
 * extra fd. -1 keeps the client's own descriptor for 0, 1 and 2, and means
 * "none" for the extra one. */
struct client_proc_spec {
	const char *const *argv; /* argv[0] is looked up in PATH without a '/' */
	int fd_stdin;
	int fd_stdout;
	int fd_stderr;
	int fd_extra;   /* passed as fd number @extra_as */
	int extra_as;   /* 3 for the helper, 4 for the command */
	bool new_group; /* run in a process group of its own */
};

/*
 * client_proc_cloexec_all() - mark every open fd above 2 close-on-exec, so
 * descriptors the client inherited never reach its children.
 *
 * Return: 0, or -1 with errno.
 */
int client_proc_cloexec_all(void);

/*
 * client_proc_cloexec_pair() - mark both fds of a new pair close-on-exec;
 * on failure close both.
 *
 * Return: 0, or -1 with errno.
 */
int client_proc_cloexec_pair(int fds[2]);

/*
 * client_proc_pipe() - pipe(2) with both ends close-on-exec (macOS has no
 * pipe2). The client is single-threaded, so no exec can race with it.
 *
 * Return: 0, or -1 with errno.
 */
int client_proc_pipe(int fds[2]);

/*
 * client_proc_spawn() - fork and exec a child as @spec describes
 * @spec:	argv and descriptors
 *
 * Every other descriptor must be close-on-exec. The child's signal mask
 * is emptied and SIGPIPE restored to its default action. An exec failure
 * is reported here, not in the child.
 *
 * Return: the child's pid, or -1 with errno (the exec errno when the
 * program could not be executed; the child is already reaped).
 */
pid_t client_proc_spawn(const struct client_proc_spec *spec);

/*
 * client_proc_exit_code() - exit code a shell would report for @status
 *
 * Return: the exit status, or 128 + N for a child killed by signal N.
 */
int client_proc_exit_code(int status);

/*
 * client_proc_describe() - "exited with status N" or "killed by signal N
 * (NAME)" for @status, into @buf.
 *
 * Return: @buf.
 */
const char *client_proc_describe(int status, char *buf, size_t size);

#endif /* CLIENT_PROC_H */
