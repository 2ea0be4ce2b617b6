// SPDX-License-Identifier: Apache-2.0
/*
 * test_client_sup.c - supervision with real child processes (sh): the
 * helper's line, stopping with escalation, exit status rules, signal
 * forwarding. No test asserts how long anything took.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "client_proc.h"
#include "client_sup.h"

static struct client_sup sup;

/* Start `sh -c @script` in its own process group; its stdout goes to
 * *@out_fd when @out_fd is not NULL. */
static pid_t
start(const char *script, int *out_fd)
{
	const char *argv[] = {"sh", "-c", script, NULL};
	struct client_proc_spec spec = {.argv = argv,
	                                .fd_stdin = -1,
	                                .fd_stdout = -1,
	                                .fd_stderr = -1,
	                                .fd_extra = -1,
	                                .new_group = true};
	int p[2];
	pid_t pid;

	if (out_fd != NULL) {
		assert_int_equal(client_proc_pipe(p), 0);
		spec.fd_stdout = p[1];
	}
	pid = client_proc_spawn(&spec);
	assert_true(pid > 0);
	if (out_fd != NULL) {
		close(p[1]);
		*out_fd = p[0];
	}
	return pid;
}

static void
start_helper(const char *script, int *out_fd)
{
	sup.helper.pid = start(script, out_fd);
	sup.helper.own_group = true;
}

static void
start_command(const char *script, int *out_fd)
{
	sup.command.pid = start(script, out_fd);
	sup.command.own_group = true;
}

static int
setup(void **state)
{
	(void)state;
	return client_sup_init(&sup, 1);
}

static void
test_read_line(void **state)
{
	char line[64];
	int fd;

	(void)state;
	start_helper("echo '{\"a\":1}'; exec sleep 30", &fd);
	assert_int_equal(client_sup_read_line(&sup, fd, line, sizeof(line)), 0);
	assert_string_equal(line, "{\"a\":1}");
	close(fd);
	client_sup_stop(&sup, &sup.helper);
	assert_true(sup.helper.exited);
	assert_true(WIFSIGNALED(sup.helper.status));
	assert_int_equal(WTERMSIG(sup.helper.status), SIGTERM);
}

static void
test_read_line_helper_fails(void **state)
{
	char line[64];
	int fd;

	(void)state;
	start_helper("echo partial; exit 4", &fd);
	/* "partial\n" is a line; the next read finds the end. */
	assert_int_equal(client_sup_read_line(&sup, fd, line, sizeof(line)), 0);
	close(fd);
	start_helper("printf 'no newline'; exit 4", &fd);
	assert_int_equal(client_sup_read_line(&sup, fd, line, sizeof(line)), -1);
	assert_int_equal(errno, EPIPE);
	close(fd);
	while (!sup.helper.exited)
		assert_true(client_sup_wait(&sup, -1, 100) >= 0);
	assert_int_equal(client_proc_exit_code(sup.helper.status), 4);
}

static void
test_read_line_too_long(void **state)
{
	char line[8];
	int fd;

	(void)state;
	start_helper("echo 0123456789abcdef; exec sleep 30", &fd);
	assert_int_equal(client_sup_read_line(&sup, fd, line, sizeof(line)), -1);
	assert_int_equal(errno, EMSGSIZE);
	close(fd);
	client_sup_stop(&sup, &sup.helper);
}

static void
test_stop_escalates_to_sigkill(void **state)
{
	char line[16];
	int fd;

	(void)state;
	start_helper("trap '' TERM; echo ready; while :; do sleep 1; done", &fd);
	assert_int_equal(client_sup_read_line(&sup, fd, line, sizeof(line)), 0);
	close(fd);
	client_sup_stop(&sup, &sup.helper);
	assert_true(WIFSIGNALED(sup.helper.status));
	assert_int_equal(WTERMSIG(sup.helper.status), SIGKILL);
	/* The whole group went, the shell's sleep too: once init reaped
	 * it, the group is empty (bounded wait, not a timing assertion). */
	for (int i = 0; i < 100 && killpg(sup.helper.pid, 0) == 0; i++)
		usleep(100000);
	assert_int_equal(killpg(sup.helper.pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void
test_command_exit_stops_helper(void **state)
{
	(void)state;
	start_helper("exec sleep 30", NULL);
	start_command("exit 3", NULL);
	assert_int_equal(client_sup_run(&sup), 3);
	assert_true(sup.helper.exited);
	assert_int_equal(WTERMSIG(sup.helper.status), SIGTERM);
}

static void
test_command_killed(void **state)
{
	(void)state;
	start_helper("exec sleep 30", NULL);
	start_command("kill -USR1 $$", NULL);
	assert_int_equal(client_sup_run(&sup), 128 + SIGUSR1);
	assert_true(sup.helper.exited);
}

static void
test_helper_exit_stops_command(void **state)
{
	(void)state;
	start_helper("exit 1", NULL);
	start_command("exec sleep 30", NULL);
	assert_int_equal(client_sup_run(&sup), CLIENT_EXIT_FAILURE);
	assert_true(sup.command.exited);
	assert_int_equal(WTERMSIG(sup.command.status), SIGTERM);
}

static void
test_helper_exit_kills_stubborn_command(void **state)
{
	char line[16];
	int fd;

	(void)state;
	start_command("trap '' TERM; echo ready; while :; do sleep 1; done", &fd);
	assert_int_equal(client_sup_read_line(&sup, fd, line, sizeof(line)), 0);
	close(fd);
	start_helper("exit 0", NULL);
	assert_int_equal(client_sup_run(&sup), CLIENT_EXIT_FAILURE);
	assert_int_equal(WTERMSIG(sup.command.status), SIGKILL);
}

/* The helper exits 0 because the command closed its end as it exited: the
 * command's status counts, not a helper failure. Modelled with a pipe:
 * the command exits when the helper's end closes. */
static void
test_helper_exit_as_command_exits(void **state)
{
	const char *helper_argv[] = {"sh", "-c", "exit 0", NULL};
	const char *command_argv[] = {"sh", "-c", "read line; exit 5", NULL};
	struct client_proc_spec spec = {
	    .fd_stdin = -1, .fd_stdout = -1, .fd_stderr = -1, .fd_extra = -1, .new_group = true};
	int p[2];

	(void)state;
	assert_int_equal(client_proc_pipe(p), 0);
	spec.argv = command_argv;
	spec.fd_stdin = p[0];
	sup.command.pid = client_proc_spawn(&spec);
	assert_true(sup.command.pid > 0);
	spec.argv = helper_argv;
	spec.fd_stdin = -1;
	spec.fd_stdout = p[1];
	sup.helper.pid = client_proc_spawn(&spec);
	assert_true(sup.helper.pid > 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(client_sup_run(&sup), 5);
	assert_int_equal(client_proc_exit_code(sup.command.status), 5);
}

static void
test_signal_forwarded_to_command(void **state)
{
	char line[16];
	int fd;

	(void)state;
	start_helper("exec sleep 30", NULL);
	start_command("trap 'exit 7' HUP; echo ready; while :; do sleep 0.1; done", &fd);
	/* Only read the command's line: sup.helper is not its writer, so
	 * use a plain read. */
	assert_true(read(fd, line, sizeof(line)) > 0);
	close(fd);
	raise(SIGHUP);
	assert_int_equal(client_sup_run(&sup), 7);
	assert_int_equal(sup.signal, SIGHUP);
	assert_int_equal(WTERMSIG(sup.helper.status), SIGTERM);
}

/* Only a process's signal is forwarded: the terminal signals the command. */
static void
test_sent_by_process(void **state)
{
	(void)state;
	assert_true(client_sup_sent_by_process(SI_USER));
	assert_true(client_sup_sent_by_process(SI_QUEUE));
#ifdef SI_TKILL
	assert_true(client_sup_sent_by_process(SI_TKILL));
#endif
#ifdef SI_KERNEL
	assert_false(client_sup_sent_by_process(SI_KERNEL));
#endif
#ifdef __APPLE__
	/* xnu delivers a terminal's SIGINT with si_code 0; kill(2) gives SI_USER. */
	assert_int_equal(SI_USER, 0x10001);
	assert_false(client_sup_sent_by_process(0));
#endif
	assert_false(client_sup_sent_by_process(CLD_EXITED));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_read_line, setup),
	    cmocka_unit_test_setup(test_read_line_helper_fails, setup),
	    cmocka_unit_test_setup(test_read_line_too_long, setup),
	    cmocka_unit_test_setup(test_stop_escalates_to_sigkill, setup),
	    cmocka_unit_test_setup(test_command_exit_stops_helper, setup),
	    cmocka_unit_test_setup(test_command_killed, setup),
	    cmocka_unit_test_setup(test_helper_exit_stops_command, setup),
	    cmocka_unit_test_setup(test_helper_exit_kills_stubborn_command, setup),
	    cmocka_unit_test_setup(test_helper_exit_as_command_exits, setup),
	    cmocka_unit_test_setup(test_signal_forwarded_to_command, setup),
	    cmocka_unit_test(test_sent_by_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
