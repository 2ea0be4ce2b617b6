// SPDX-License-Identifier: Apache-2.0
/*
 * test_sandbox.c - the Linux system call filter: each case forks a child
 * that enters the sandbox and makes one call; the child must exit
 * normally for an allowed call and die of SIGSYS for a forbidden one.
 */
#include <fcntl.h>
#include <linux/if_tun.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox.h"

enum call {
	CALL_WRITE,
	CALL_MMAP_RW,
	CALL_GETPID,
	CALL_IOCTL_TUNSETPERSIST,
	CALL_SOCKET,
	CALL_OPENAT,
	CALL_EXECVE,
	CALL_FORK,
	CALL_MMAP_EXEC,
	CALL_MPROTECT_EXEC,
	CALL_KILL,
	CALL_TGKILL_OTHER,
	CALL_ABORT,
	CALL_X32_GETPID,
};

/* The test process, as seen before the child's sandbox (getppid() is not allowed). */
static pid_t parent;

static void
make_call(enum call c)
{
	static char *const argv[] = {"/bin/true", NULL};
	void *p;

	switch (c) {
	case CALL_WRITE:
		(void)!write(STDERR_FILENO, "", 0);
		break;
	case CALL_MMAP_RW:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		break;
	case CALL_GETPID:
		(void)getpid();
		break;
	case CALL_IOCTL_TUNSETPERSIST:
		(void)ioctl(STDIN_FILENO, TUNSETPERSIST, 1);
		break;
	case CALL_SOCKET:
		(void)socket(AF_UNIX, SOCK_DGRAM, 0);
		break;
	case CALL_OPENAT:
		(void)open("/dev/null", O_RDONLY);
		break;
	case CALL_EXECVE:
		execve(argv[0], argv, NULL);
		break;
	case CALL_FORK:
		(void)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		break;
	case CALL_MMAP_EXEC:
		(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case CALL_MPROTECT_EXEC:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
		break;
	case CALL_KILL:
		(void)kill(parent, 0);
		break;
	case CALL_TGKILL_OTHER:
		(void)syscall(SYS_tgkill, parent, parent, 0);
		break;
	case CALL_ABORT:
		abort();
	case CALL_X32_GETPID:
#ifdef __x86_64__
		(void)syscall(0x40000000 | SYS_getpid); /* __X32_SYSCALL_BIT */
#endif
		break;
	}
}

/* Run @c in a sandboxed child. Return: its wait status, or -1 if no sandbox here. */
static int
sandboxed(enum call c)
{
	const char *note;
	int status;
	pid_t pid;

	parent = getpid();
	pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int rc = sandbox_enter(&note);

		if (rc != 0)
			_exit(rc > 0 ? 2 : 1);
		make_call(c);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		return -1;
	return status;
}

static void
expect_allowed(enum call c)
{
	int status = sandboxed(c);

	if (status == -1)
		skip();
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
expect_killed(enum call c)
{
	int status = sandboxed(c);

	if (status == -1)
		skip();
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void
test_data_path_calls_allowed(void **state)
{
	(void)state;
	expect_allowed(CALL_WRITE);
	expect_allowed(CALL_MMAP_RW);
	expect_allowed(CALL_GETPID);
}

static void
test_forbidden_calls_kill(void **state)
{
	(void)state;
	expect_killed(CALL_IOCTL_TUNSETPERSIST);
	expect_killed(CALL_SOCKET);
	expect_killed(CALL_OPENAT);
	expect_killed(CALL_EXECVE);
	expect_killed(CALL_FORK);
	expect_killed(CALL_KILL);
}

static void
test_arguments_checked(void **state)
{
	(void)state;
	expect_killed(CALL_MMAP_EXEC);
	expect_killed(CALL_MPROTECT_EXEC);
	expect_killed(CALL_TGKILL_OTHER);
}

/*
 * An allowed call through the x32 ABI. (The i386 entry, int 0x80, cannot
 * be tried everywhere: kernels may build or boot without it.)
 */
static void
test_x32_abi_kills(void **state)
{
	(void)state;
#ifdef __x86_64__
	expect_killed(CALL_X32_GETPID);
#else
	skip();
#endif
}

/* abort() signals its own process: SIGABRT, not SIGSYS. */
static void
test_abort_still_aborts(void **state)
{
	int status = sandboxed(CALL_ABORT);

	(void)state;
	if (status == -1)
		skip();
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data_path_calls_allowed),
	    cmocka_unit_test(test_forbidden_calls_kill),
	    cmocka_unit_test(test_arguments_checked),
	    cmocka_unit_test(test_x32_abi_kills),
	    cmocka_unit_test(test_abort_still_aborts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
