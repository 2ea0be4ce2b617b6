/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_sup.h - vmnet-client's supervision of the helper and the command.
 *
 * Rules: when the command exits, the helper is stopped and the client
 * exits with the command's status. When the helper exits first, the
 * command is stopped and the client fails (unless the helper exited 0 and
 * the command exits by itself within a second: the helper saw the
 * command's socket close as it exited). SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT are forwarded to the command, unless the kernel sent them to the whole
 * foreground group (a terminal's Ctrl-C), which holds the command too; the
 * helper is stopped after the command exits. "Stopped" means SIGTERM,
 * then SIGKILL after the grace period.
 */
#ifndef CLIENT_SUP_H
#define CLIENT_SUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Exit status of vmnet-client when it or the helper fails. */
#define CLIENT_EXIT_FAILURE 125

struct client_child {
	pid_t pid; /* 0 when not started */
	bool exited;
	int status;     /* wait status, once exited */
	bool own_group; /* runs in its own process group */
};

struct client_sup {
	struct client_child helper;
	struct client_child command;
	unsigned grace_ms;
	int signal; /* first SIGINT/SIGTERM/SIGHUP/SIGQUIT received, 0 if none */
};

/*
 * client_sup_init() - catch SIGCHLD, SIGINT, SIGTERM, SIGHUP and SIGQUIT (through a
 * close-on-exec self-pipe) and ignore SIGPIPE.
 *
 * Return: 0, or -1 with errno.
 */
int client_sup_init(struct client_sup *s, unsigned grace_seconds);

/*
 * client_sup_sent_by_process() - whether a signal with siginfo's @si_code
 * came from a process (forwarded to the command) rather than from the
 * kernel for a terminal (which signals the command's group itself)
 */
bool client_sup_sent_by_process(int si_code);

/*
 * client_sup_wait() - wait for @fd to become readable (-1: no fd), a child
 * to exit, a signal, or @timeout_ms (-1: forever). Reaps children and
 * records signals; a signal is forwarded to the command if it runs.
 *
 * Return: 1 when @fd is readable, else 0; -1 with errno on failure.
 */
int client_sup_wait(struct client_sup *s, int fd, int timeout_ms);

/*
 * client_sup_read_line() - read one line from @fd (the helper's stdout)
 * while watching the helper and signals. The newline is removed.
 *
 * Return: 0 with the line in @buf; -1 with errno: EPIPE when the helper
 * closed stdout or exited first, EINTR when a signal arrived (@s->signal),
 * EMSGSIZE when the line does not fit in @buf.
 */
int client_sup_read_line(struct client_sup *s, int fd, char *buf, size_t size);

/*
 * client_sup_stop() - SIGTERM @c, wait the grace period, then SIGKILL (its
 * process group when it has one); returns once @c is reaped.
 */
void client_sup_stop(struct client_sup *s, struct client_child *c);

/*
 * client_sup_run() - supervise the running command and helper until both
 * are gone.
 *
 * Return: the client's exit status (see the rules above).
 */
int client_sup_run(struct client_sup *s);

#endif /* CLIENT_SUP_H */
