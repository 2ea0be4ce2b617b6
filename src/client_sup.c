// SPDX-License-Identifier: Apache-2.0
/*
 * client_sup.c - wait for the helper's line, supervise helper and command.
 *
 * All waiting goes through client_sup_wait(): poll(2) on a self-pipe the
 * signal handlers write to (SIGCHLD included), so signals, child exits and
 * I/O are handled in one place without races, and the client never blocks
 * in waitpid().
 */
#include "client_sup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client_proc.h"
#include "log.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int sig_pipe[2] = {-1, -1};

/* SIGQUIT too: its default action (a terminal's Ctrl-\\) would end the
 * client and leave the helper, in its own process group, running. */
static const int caught[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* Set in a self-pipe byte (beside the signal number, < 0x80): the kernel
 * sent the signal, e.g. a terminal's Ctrl-C to its foreground group. */
#define SIG_FROM_KERNEL 0x80

/*
 * A process sent it: kill(2) and killpg(3) (SI_USER), sigqueue(3)
 * (SI_QUEUE), tgkill(2) (Linux: SI_TKILL). Anything else came from the
 * kernel, like a terminal's Ctrl-C: Linux says SI_KERNEL, macOS has no
 * such code and leaves si_code 0, which is not its SI_USER (0x10001).
 */
bool
client_sup_sent_by_process(int si_code)
{
#ifdef SI_TKILL
	if (si_code == SI_TKILL)
		return true;
#endif
	return si_code == SI_USER || si_code == SI_QUEUE;
}

static void
on_signal(int sig, siginfo_t *info, void *context)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	ssize_t n;

	(void)context;
	if (info != NULL && !client_sup_sent_by_process(info->si_code))
		b |= SIG_FROM_KERNEL;
	/* Non-blocking: the pipe fills only if nobody reads for 64 KiB of
	 * signals, and then it already holds a wake-up. */
	n = write(sig_pipe[1], &b, 1);
	(void)n;
	errno = saved;
}

static int
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int
client_sup_init(struct client_sup *s, unsigned grace_seconds)
{
	struct sigaction sa;

	memset(s, 0, sizeof(*s));
	s->grace_ms = grace_seconds * 1000;
	/* One self-pipe per process, however often this is called. */
	if (sig_pipe[0] < 0) {
		if (client_proc_pipe(sig_pipe) < 0)
			return -1;
		if (nonblock(sig_pipe[0]) < 0 || nonblock(sig_pipe[1]) < 0)
			return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(caught); i++) {
		if (sigaction(caught[i], &sa, NULL) < 0)
			return -1;
	}
	/* A closed stdout must fail the write, not kill us and orphan the
	 * children. Children get SIGPIPE back at exec (client_proc.c). */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void
reap(struct client_sup *s)
{
	struct client_child *children[] = {&s->helper, &s->command};
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
			if (children[i]->pid == pid) {
				children[i]->exited = true;
				children[i]->status = status;
			}
		}
	}
}

/*
 * A signal for the client goes to the command too. Not when the kernel sent
 * it (client_sup_sent_by_process()): a terminal sends Ctrl-C, Ctrl-\\ and hangup
 * to the whole foreground group, the command included, and a VM should not
 * see one Ctrl-C twice.
 */
static void
got_signal(struct client_sup *s, int sig, bool from_kernel)
{
	if (s->signal == 0)
		s->signal = sig;
	if (s->command.pid > 0 && !s->command.exited && !from_kernel) {
		log_info("received %s, forwarding to the command", strsignal(sig));
		kill(s->command.pid, sig);
	} else {
		log_info("received %s", strsignal(sig));
	}
}

int
client_sup_wait(struct client_sup *s, int fd, int timeout_ms)
{
	struct pollfd pfd[2] = {{.fd = sig_pipe[0], .events = POLLIN},
	                        {.fd = fd, .events = POLLIN}};
	unsigned char sigs[16];
	ssize_t n;
	int rc;

	rc = poll(pfd, fd >= 0 ? 2 : 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	while ((n = read(sig_pipe[0], sigs, sizeof(sigs))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			int sig = sigs[i] & ~SIG_FROM_KERNEL;

			if (sig != SIGCHLD)
				got_signal(s, sig, sigs[i] & SIG_FROM_KERNEL);
		}
	}
	reap(s);
	return fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
}

int
client_sup_read_line(struct client_sup *s, int fd, char *buf, size_t size)
{
	size_t used = 0;

	for (;;) {
		char *nl;
		ssize_t n;
		int rc;

		/* A signal wins over data still in the pipe. */
		rc = client_sup_wait(s, fd, -1);
		if (rc < 0)
			return -1;
		if (s->signal != 0) {
			errno = EINTR;
			return -1;
		}
		if (rc == 0) {
			if (s->helper.exited)
				break;
			continue;
		}
		n = read(fd, buf + used, size - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		nl = memchr(buf, '\n', used);
		if (nl != NULL) {
			*nl = '\0';
			return 0;
		}
		if (used + 1 >= size) {
			errno = EMSGSIZE;
			return -1;
		}
	}
	errno = EPIPE;
	return -1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
kill_child(const struct client_child *c, int sig)
{
	if (c->own_group)
		killpg(c->pid, sig);
	else
		kill(c->pid, sig);
}

void
client_sup_stop(struct client_sup *s, struct client_child *c)
{
	long long deadline;
	bool killed = false;

	if (c->pid <= 0 || c->exited)
		return;
	kill(c->pid, SIGTERM);
	deadline = now_ms() + s->grace_ms;
	while (!c->exited) {
		long long left = deadline - now_ms();

		if (!killed && left <= 0) {
			log_warn("%s (pid %d) still running %u s after SIGTERM, sending SIGKILL",
			         c == &s->helper ? "vmnet-helper" : "the command", (int)c->pid,
			         s->grace_ms / 1000);
			kill_child(c, SIGKILL);
			killed = true;
		}
		if (client_sup_wait(s, -1, killed ? -1 : (int)(left > 0 ? left : 0)) < 0)
			break;
	}
}

/*
 * A helper that exits 0 by itself usually saw the command close its end of
 * the socket, because the command is exiting: the helper may be reaped
 * first. Give the command this long to exit on its own before treating the
 * helper's exit as a failure.
 */
#define COMMAND_EXIT_WAIT_MS 1000

/* Wait up to @ms for the command to exit; return true if it did. */
static bool
command_exits_within(struct client_sup *s, int ms)
{
	long long deadline = now_ms() + ms;
	long long left;

	while (!s->command.exited && (left = deadline - now_ms()) > 0) {
		if (client_sup_wait(s, -1, (int)left) < 0)
			break;
	}
	return s->command.exited;
}

int
client_sup_run(struct client_sup *s)
{
	bool helper_failed = false;
	char why[96];

	while (!s->command.exited) {
		if (s->helper.exited) {
			bool clean =
			    WIFEXITED(s->helper.status) && WEXITSTATUS(s->helper.status) == 0;

			if (clean && command_exits_within(s, COMMAND_EXIT_WAIT_MS))
				break;
			helper_failed = s->signal == 0;
			if (helper_failed)
				log_error("vmnet-helper %s; stopping the command",
				          client_proc_describe(s->helper.status, why, sizeof(why)));
			client_sup_stop(s, &s->command);
			break;
		}
		if (client_sup_wait(s, -1, -1) < 0) {
			log_error_errno("waiting for children");
			client_sup_stop(s, &s->command);
			helper_failed = true;
			break;
		}
	}
	log_debug("command %s", client_proc_describe(s->command.status, why, sizeof(why)));
	if (!s->helper.exited) {
		client_sup_stop(s, &s->helper);
		log_debug("vmnet-helper %s",
		          client_proc_describe(s->helper.status, why, sizeof(why)));
	}
	return helper_failed ? CLIENT_EXIT_FAILURE : client_proc_exit_code(s->command.status);
}
