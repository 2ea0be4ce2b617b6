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
 * descriptor but its end of a socketpair, opens a pidfd of the process,
 * reports ready, and waits for one of two things:
 *
 * - a stop: the process closed the TAP and sent KEEPER_STOP;
 * - the process's death: the pidfd turns readable once every thread has
 *   exited, when the kernel has already closed the process's descriptors.
 *
 * Then it deletes the TAP by its index (if it is still there: a process
 * may have made it persistent, or changed its owner), deletes the
 * interface's own port-forward tables (vmnet_portfwd.c), takes the
 * namespace's lock, removes the networks left without ports
 * (vmnet_net_release()), sends the result and exits; a stop waits for that
 * answer and reaps it, and after the process's death init does.
 *
 * A start forks the keeper while its new network's dnsmasq is still
 * starting (vmnet_net.c), and the keeper reports ready only once
 * dnsmasq's first process has exited (a pidfd: the process reaps it only
 * after the keeper is ready). So whenever the keeper removes a network,
 * dnsmasq has written the pid file the removal stops it by, even if the
 * process died during its start.
 *
 * End of file on the socketpair alone is no reason: a process can shut
 * down its end (shutdown()) and go on using the TAP. It counts only when
 * the TAP is gone too within a short bound (the process closed both, e.g.
 * at an exec); otherwise the keeper waits for the death.
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
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nat.h"
#include "vmnet_net.h"

#define KEEPER_NAME "vmnet-keeper" /* its comm, as ps and pgrep show it */
/* How long the TAP may outlive end of file: 200 ticks of 10 ms. */
#define KEEPER_TAP_POLLS 200
static const struct timespec keeper_tick = {.tv_nsec = 10 * 1000 * 1000};
/* Without a pidfd, how often to look whether the process is gone. */
#define KEEPER_PARENT_POLL_MS 1000
/* How long a dnsmasq's start may delay our ready (it takes milliseconds; a start waits 5 s). */
#define KEEPER_DHCP_WAIT_MS 2000
/* The message that asks for the removal. */
#define KEEPER_STOP 'S'

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
 * Wait until the TAP @tap_index is gone: after end of file, a process
 * closing everything (an exec) may close our socket before its TAP.
 * Return: true if it is gone.
 */
static bool
keeper_wait_tap(int tap_index)
{
	char name[IF_NAMESIZE];
	int i;

	for (i = 0; i < KEEPER_TAP_POLLS; i++) {
		if (!if_indextoname((unsigned int)tap_index, name))
			return true;
		nanosleep(&keeper_tick, NULL);
	}
	return false;
}

/*
 * Wait for a stop, the death of @parent (its pidfd, or -1 on kernels
 * before 5.3: then we look whether we were reparented, once a second), or
 * end of use.
 */
static void
keeper_wait(int sock, int pidfd, pid_t parent, int tap_index)
{
	struct pollfd pfd[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = sock, .events = POLLIN}};
	char byte;
	ssize_t n;
	int rc;

	for (;;) {
		rc = poll(pfd, 2, pidfd >= 0 ? -1 : KEEPER_PARENT_POLL_MS);
		if (rc < 0) {
			/* EINTR, or ENOMEM: no reason to remove a TAP in use. */
			nanosleep(&keeper_tick, NULL);
			continue;
		}
		if (pfd[0].revents || getppid() != parent)
			return; /* the process is gone */
		if (!pfd[1].revents)
			continue;
		/* Anything but KEEPER_STOP is read and ignored. */
		n = recv(sock, &byte, 1, MSG_DONTWAIT);
		if (n == 1 && byte == KEEPER_STOP)
			return;
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
			pfd[1].fd = -1; /* end of file: now only the death ends the wait */
			if (keeper_wait_tap(tap_index))
				return;
		}
	}
}

/* Wait, within a bound, for dnsmasq's first process @pid (0: none) to exit. */
static void
keeper_wait_dhcp(pid_t pid)
{
	struct pollfd pfd = {.fd = pid ? pidfd_open(pid, 0) : -1, .events = POLLIN};

	if (pfd.fd < 0)
		return;
	while (poll(&pfd, 1, KEEPER_DHCP_WAIT_MS) < 0 && errno == EINTR)
		;
	close(pfd.fd);
}

/* The keeper: in the child, after fork(); @parent is the process it serves. */
static _Noreturn void
keeper_main(int sock, int tap_index, pid_t parent, const struct vmnet_keeper *k)
{
	char byte = 0;
	int pidfd, err;

	keeper_signals();
	sock = keeper_fds(sock);
	if (sock < 0)
		_exit(1);
	setsid();
	if (chdir("/") < 0)
		_exit(1);
	prctl(PR_SET_NAME, KEEPER_NAME, 0, 0, 0);
	/* The pidfd refers to @parent only while it is still our parent. */
	pidfd = pidfd_open(parent, 0);
	keeper_wait_dhcp(k->dhcp);
	if (getppid() == parent) {
		if (send(sock, &byte, 1, MSG_NOSIGNAL) != 1)
			_exit(1);
		keeper_wait(sock, pidfd, parent, tap_index);
	}
	/* Reparented: the process is already gone, clean up at once. */
	/* The interface's own port forwards go with it. */
	err = *k->table && nat_remove(k->table) < 0 ? errno : 0;
	if (vmnet_net_release(tap_index) < 0 && !err)
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
	pid_t parent = getpid(), pid;
	sigset_t all, old;
	int sv[2], err;
	char ready;
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
		keeper_main(sv[1], tap_index, parent, k);
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
	char stop = KEEPER_STOP;
	int result = 0, err;
	ssize_t n;

	*sweep_err = 0;
	n = send(k->fd, &stop, 1, MSG_NOSIGNAL);
	if (n == 1)
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
