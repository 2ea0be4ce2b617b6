// SPDX-License-Identifier: Apache-2.0
/*
 * sandbox_linux.c - the sandbox stage on Linux: no new privileges, then a
 * seccomp-BPF allow-list on every thread (see sandbox.h).
 *
 * Theory of operation: once forwarding runs, the helper's threads (main,
 * host->vm, vm->host, control, the platform's work queue, interface
 * poller and dispatch source manager) only move frames between
 * descriptors they already hold, wait, log to stderr, and at the end stop
 * the interface (which talks to its keeper process over a socket it
 * already has, and reaps it) and remove the --socket path. The filter
 * allows exactly those calls, measured with strace -f under load and on
 * every shutdown path, and kills the whole process on anything else
 * (SECCOMP_RET_KILL_PROCESS); the platform's keeper, a separate process
 * forked before, then removes the interface and its network.
 *
 * The program: a foreign architecture (AUDIT_ARCH) or an x32 call on
 * x86_64 is killed; then each allowed number returns ALLOW. Arguments are
 * checked where a call is broader than its use: mmap and mprotect never
 * with PROT_EXEC (no new code), tgkill only to this process (abort()).
 * No ioctl at all: the data path uses plain read, readv and write on the
 * TAP. No socket, no open, no exec, no fork or thread creation (every
 * thread exists by now). SECCOMP_FILTER_FLAG_TSYNC applies the filter to
 * all threads at once, or fails.
 *
 * Builds with AddressSanitizer skip the filter: its runtime needs ptrace
 * and clone for leak checking at exit.
 */
#include "sandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#define SANDBOX_X32  0x40000000u /* __X32_SYSCALL_BIT */
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZED 1
#endif
#ifndef SANDBOX_SANITIZED
#define SANDBOX_SANITIZED 0
#endif

/* The allow-list; docs/helper.md (Security model) gives each one's use. */
static const int sandbox_allowed[] = {
    /* the data path: the VM socket, the TAP, waiting, the stop pipe */
    __NR_recvmmsg,
    __NR_sendmmsg,
    __NR_sendmsg, /* the stream transport: a batch of frames per call (stream.c) */
    __NR_readv,
    __NR_read,
    __NR_write,
    __NR_writev, /* TAP writes with a vnet header; glibc's fatal messages */
#ifdef __NR_poll
    __NR_poll,
#endif
    __NR_ppoll,
    __NR_epoll_pwait, /* the interface's poller waits, */
    __NR_epoll_ctl,   /* and each delivery re-arms its watch of the TAP */
#ifdef __NR_epoll_wait
    __NR_epoll_wait,
#endif
    __NR_futex,
    __NR_clock_nanosleep,
#ifdef __NR_nanosleep
    __NR_nanosleep,
#endif
    __NR_sched_yield,
    __NR_clock_gettime,
#ifdef __NR_gettimeofday
    __NR_gettimeofday,
#endif
    /* memory (mmap and mprotect are also checked below) */
    __NR_brk,
    __NR_munmap,
    __NR_mremap,
    __NR_madvise,
    /* signals: the dispatch sources' handler returns */
    __NR_rt_sigreturn,
    __NR_rt_sigprocmask,
    __NR_restart_syscall,
    /* shutdown: the keeper's answer and its reaping, the --socket path */
    __NR_sendto,
    __NR_recvfrom,
    __NR_wait4,
    __NR_close,
#ifdef __NR_unlink
    __NR_unlink,
#else
    __NR_unlinkat,
#endif
    __NR_getpid,
    __NR_gettid,
    __NR_exit,
    __NR_exit_group,
};

#define SANDBOX_NALLOWED (sizeof(sandbox_allowed) / sizeof(sandbox_allowed[0]))
/* Header (6), the list, three argument checks (6 each), two reloads, the final kill. */
#define SANDBOX_PROG_MAX (6 + 2 * SANDBOX_NALLOWED + 3 * 6 + 2 + 1)

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RET(action) BPF_STMT(BPF_RET | BPF_K, (action))
#define KILL        RET(SECCOMP_RET_KILL_PROCESS)
#define ALLOW       RET(SECCOMP_RET_ALLOW)
/* Low word of argument @n: the ints and flags checked here. */
#define ARG_LO(n) offsetof(struct seccomp_data, args[n])

/*
 * Append: if the call is @nr, allow it when (@arg & @mask) == @want
 * (@mask 0: when the argument equals @want), else kill.
 */
static size_t
emit_arg_check(struct sock_filter *p, size_t n, int nr, size_t arg, __u32 mask, __u32 want)
{
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)nr, 0, 5);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (__u32)arg);
	if (mask)
		p[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask);
	else
		p[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 0);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, want, 1, 0);
	p[n++] = (struct sock_filter)KILL;
	p[n++] = (struct sock_filter)ALLOW;
	return n;
}

#ifdef SANDBOX_ARCH
/* Build the program into @p. Return: its length. */
static size_t
sandbox_program(struct sock_filter *p)
{
	size_t n = 0, i;

	p[n++] = (struct sock_filter)LOAD(arch);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0);
	p[n++] = (struct sock_filter)KILL;
	p[n++] = (struct sock_filter)LOAD(nr);
#ifdef SANDBOX_X32
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SANDBOX_X32, 0, 1);
	p[n++] = (struct sock_filter)KILL;
#endif
	for (i = 0; i < SANDBOX_NALLOWED; i++) {
		p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		                                      (__u32)sandbox_allowed[i], 0, 1);
		p[n++] = (struct sock_filter)ALLOW;
	}
	/* Each check reloads the accumulator: reload nr between them. */
	n = emit_arg_check(p, n, __NR_mmap, ARG_LO(2), PROT_EXEC, 0);
	p[n++] = (struct sock_filter)LOAD(nr);
	n = emit_arg_check(p, n, __NR_mprotect, ARG_LO(2), PROT_EXEC, 0);
	p[n++] = (struct sock_filter)LOAD(nr);
	n = emit_arg_check(p, n, __NR_tgkill, ARG_LO(0), 0, (__u32)getpid());
	p[n++] = (struct sock_filter)KILL;
	return n;
}
#endif

/* The test hook of sandbox.h: one call the filter forbids. */
static void
sandbox_test_violation(void)
{
	const char *hook = getenv(SANDBOX_TEST_ENV);

	if (hook && strcmp(hook, "violate") == 0)
		(void)!socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

int
sandbox_enter(const char **note)
{
#if !defined(SANDBOX_ARCH)
	*note = "no allow-list for this architecture";
	return 1;
#else
	struct sock_filter filter[SANDBOX_PROG_MAX];
	struct sock_fprog prog = {.filter = filter};
	long rc;

	/* Tested here, not by the preprocessor: the filter still compiles. */
	if (SANDBOX_SANITIZED) {
		*note = "not in an AddressSanitizer build";
		return 1;
	}
	prog.len = (unsigned short)sandbox_program(filter);
#if defined(SANDBOX_PROFILING_BUILD)
	/* scripts/bench.py's callgrind build: Valgrind's own calls would die. */
	(void)rc;
	(void)sandbox_test_violation;
	*note = "not in a profiling build";
	return 1;
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	rc = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (rc != 0) {
		/* TSYNC: the id of a thread that cannot take the filter. */
		if (rc > 0)
			errno = EAGAIN;
		return -1;
	}
	*note = NULL;
	sandbox_test_violation();
	return 0;
#endif
}
