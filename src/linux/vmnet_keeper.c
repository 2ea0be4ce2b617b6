// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_keeper.c - a privileged process per interface that removes the
 * interface's network when it is no longer used.
 *
 * Theory of operation: removing a network needs CAP_NET_ADMIN, but callers
 * such as vmnet-helper drop root right after the start. On macOS a root
 * system service owns vmnet's state, so a stop by an unprivileged process,
 * or its death, still cleans up. Here a successful start forks a keeper
 * while the process is still privileged. The keeper closes every
 * descriptor but its end of a socketpair, reports ready, and waits. End of
 * file on the socketpair means the interface is gone: the stop shut down
 * its end after closing the TAP, or the process died and the kernel closed
 * it (and the TAP). Either way the keeper waits for the TAP to be gone
 * (a dying process may close its descriptors in any order), takes the
 * namespace's lock, removes the networks left without ports
 * (vmnet_net_release()), sends the result and exits; a stop waits for that
 * answer and reaps it, and after the process's death init does.
 *
 * The keeper is forked from a multithreaded process, so until it exits it
 * runs only what is safe after fork(): system calls, glibc's malloc and
 * stdio (reset by fork), and vmnet_net_release(), which takes no lock of
 * the dispatch or vmnet layers. It leaves the caller's session, so a
 * signal to the caller's process group (a Ctrl-C, vmnet-client's SIGKILL
 * after its grace period) does not reach it, and it ignores the signals
 * that stop a whole session or service (SIGHUP, SIGINT, SIGQUIT, SIGTERM):
 * sent at the same time as to the caller, they would otherwise end it
 * before its one job. It never outlives that job: it exits after one
 * removal, and SIGKILL still ends it.
 */
#include "vmnet_keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nat.h"
#include "vmnet_net.h"

#define KEEPER_NAME "vmnet-keeper" /* its comm, as ps and pgrep show it */
/* How long the TAP may outlive end of file: 200 x 10 ms. */
#define KEEPER_TAP_POLLS 200

/* Default actions, except for the signals that end a session or service. */
static void
keeper_signals(void)
{
	static const int ignored[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE};
	struct sigaction dfl = {.sa_handler = SIG_DFL}, ign = {.sa_handler = SIG_IGN};
	sigset_t none;
	int sig;
	size_t i;

	/* The caller's handlers (dispatch signal sources) use descriptors we close. */
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		sigaction(ignored[i], &ign, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * Keep @sock, moved to 3 or above, and stdin, stdout and stderr on
 * /dev/null (the caller's pipes must see end of file when it exits);
 * close everything else: TAPs, the caller's VM socket, other keepers'
 * sockets. Return: the kept socket, or -1.
 */
static int
keeper_fds(int sock)
{
	int fd = fcntl(sock, F_DUPFD_CLOEXEC, 3);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0 || null < 0)
		return -1;
	if (dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    dup2(null, STDERR_FILENO) < 0)
		return -1;
	if (fd > 3 && close_range(3, (unsigned int)fd - 1, 0) < 0)
		return -1;
	if (close_range((unsigned int)fd + 1, ~0U, 0) < 0)
		return -1;
	return fd;
}

/*
 * Wait until the TAP @tap_index is gone, so the sweep sees its network
 * unused. At a stop it already is; a dying process may close our socket
 * before its TAP. A TAP still held (by a child the caller forked) is left
 * after the bound, with its network.
 */
static void
keeper_wait_tap(int tap_index)
{
	const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
	char name[IF_NAMESIZE];
	int i;

	for (i = 0; i < KEEPER_TAP_POLLS && if_indextoname((unsigned int)tap_index, name); i++)
		nanosleep(&tick, NULL);
}

/* The keeper: in the child, after fork(). */
static _Noreturn void
keeper_main(int sock, int tap_index, const char *table)
{
	char byte = 0;
	ssize_t n;
	int err;

	keeper_signals();
	sock = keeper_fds(sock);
	if (sock < 0)
		_exit(1);
	setsid();
	if (chdir("/") < 0)
		_exit(1);
	prctl(PR_SET_NAME, KEEPER_NAME, 0, 0, 0);
	if (send(sock, &byte, 1, MSG_NOSIGNAL) != 1)
		_exit(1);
	/* Only end of file counts: anything sent is read and ignored. */
	do
		n = recv(sock, &byte, 1, 0);
	while (n > 0 || (n < 0 && errno == EINTR));
	keeper_wait_tap(tap_index);
	/* The interface's own port forwards go with it. */
	err = *table && nat_remove(table) < 0 ? errno : 0;
	if (vmnet_net_release() < 0 && !err)
		err = errno;
	send(sock, &err, sizeof(err), MSG_NOSIGNAL);
	_exit(0);
}

static long long
keeper_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Receive one message within @timeout_ms.
 * Return: its length (0 at end of file), or -1 with errno (ETIMEDOUT).
 */
static ssize_t
keeper_recv(int fd, void *buf, size_t len, int timeout_ms)
{
	long long deadline = keeper_now_ms() + timeout_ms, left;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ssize_t n;
	int rc;

	for (;;) {
		left = deadline - keeper_now_ms();
		rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n;
	}
}

/* Reap the keeper; @wait: block until it has exited. */
static void
keeper_reap(struct vmnet_keeper *k, bool wait)
{
	while (waitpid(k->pid, NULL, wait ? 0 : WNOHANG) < 0 && errno == EINTR)
		;
	k->pid = 0;
}

int
vmnet_keeper_start(struct vmnet_keeper *k, int tap_index, int timeout_ms)
{
	sigset_t all, old;
	int sv[2], err;
	char ready;
	pid_t pid;
	ssize_t n;

	k->pid = 0;
	k->fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	/* No handler of the caller may run in the child before keeper_signals(). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		keeper_main(sv[1], tap_index, k->table);
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		errno = err;
		return -1;
	}
	k->pid = pid;
	k->fd = sv[0];
	n = keeper_recv(k->fd, &ready, 1, timeout_ms);
	if (n == 1)
		return 0;
	err = n < 0 ? errno : EPIPE;
	kill(pid, SIGKILL);
	keeper_reap(k, true);
	close(k->fd);
	k->fd = -1;
	errno = err;
	return -1;
}

int
vmnet_keeper_stop(struct vmnet_keeper *k, int timeout_ms, int *sweep_err)
{
	int result = 0, err;
	ssize_t n;

	*sweep_err = 0;
	shutdown(k->fd, SHUT_WR);
	n = keeper_recv(k->fd, &result, sizeof(result), timeout_ms);
	err = n < 0 ? errno : EPIPE;
	close(k->fd);
	k->fd = -1;
	/*
	 * After answering, or closing its end, it only exits. Without an
	 * answer in time it is still working: it exits once done, and is
	 * reaped by init when this process has exited.
	 */
	keeper_reap(k, n >= 0);
	if (n != sizeof(result)) {
		errno = err;
		return -1;
	}
	*sweep_err = result;
	return 0;
}
