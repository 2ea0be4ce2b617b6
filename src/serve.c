// SPDX-License-Identifier: Apache-2.0
/*
 * serve.c - the socket_vmnet-compatible daemon (see serve.h).
 *
 * Theory of operation. socket_vmnet runs one root daemon that gives all
 * its VMs one vmnet interface and floods every frame to every VM. Here the
 * root parent only accepts: for each connection it forks a child that
 * execs this program as an ordinary helper, "vmnet-helper --fd 3 [the
 * daemon's helper options]", with the connection as fd 3 (a stream
 * socket, so frames carry socket_vmnet's 4-byte length) and SUDO_UID/
 * SUDO_GID set to the peer's credentials. The child then does what any
 * helper does: validates, creates its own interface, drops to the
 * connecting user (a root peer's child drops to nobody unless
 * --allow-root), and forwards that one connection. Each VM gets its own
 * interface and MAC, vmnet's bridge switches between them (no flooding),
 * and one VM's death or slowness stays in its child.
 *
 * The parent keeps no VM state: it does not track its children beyond
 * reaping them and logging how they ended, and a child's failure cannot
 * reach it. It never starts a dispatch queue, so fork() is safe. Stopping
 * the parent (SIGTERM, SIGINT, SIGHUP) removes PATH; running children
 * keep serving their VMs until those disconnect.
 *
 * With --pidfile the parent's pid is written once PATH listens and the
 * file is removed with PATH, so `pkill -F FILE` (Lima's way to stop
 * socket_vmnet) stops exactly this daemon (pidfile.c). The children exec
 * this file with argv[0] "vmnet-helper", so they are ordinary helpers even
 * when the daemon runs under the name socket_vmnet (socket_vmnet.c).
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ucred.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client_os.h"
#include "log.h"
#include "num.h"
#include "pidfile.h"
#include "sock.h"

/* Connections the kernel queues while the parent forks. */
#define SERVE_BACKLOG 16

/* Longest decimal id with its NUL. */
#define ID_STRLEN 16

/* Signals, from the handler to the loop. */
static int signal_pipe[2] = {-1, -1};

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	(void)!write(signal_pipe[1], &b, 1);
	errno = saved;
}

/* The daemon's own options, which its children do not get. */
static bool
daemon_option(const struct options_spec *spec)
{
	return spec &&
	       (strcmp(spec->name, "serve-stream") == 0 || strcmp(spec->name, "serve-group") == 0 ||
	        strcmp(spec->name, "pidfile") == 0);
}

/*
 * serve_child_argv() - the child's command line: @self, "--fd 3", then the
 * daemon's arguments without --serve-stream, --serve-group and --pidfile
 * (and their values, in either "--name value" or "--name=value" form)
 * @out:	filled with at most @max pointers, NULL-terminated
 *
 * Return: 0, or -1 if @max is too small
 */
int
serve_child_argv(int argc, char *const argv[], char *self, char **out, size_t max)
{
	static char fd_opt[] = "--fd", fd_arg[] = "3";
	size_t n = 0;

	_Static_assert(SERVE_CHILD_FD == 3, "fd_arg names SERVE_CHILD_FD");
	if (max < 4 + (size_t)argc)
		return -1;
	out[n++] = self;
	out[n++] = fd_opt;
	out[n++] = fd_arg;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		const struct options_spec *spec = NULL;
		bool drop;

		if (a[0] == '-' && a[1] == '-')
			spec = options_lookup_long(a + 2, len - 2);
		else if (a[0] == '-' && a[1] != '\0' && !a[2])
			spec = options_lookup_short(a[1]);
		drop = daemon_option(spec);
		if (!drop)
			out[n++] = argv[i];
		/* A value in the next argument goes with its option. */
		if (spec && spec->has_arg && !eq && i + 1 < argc) {
			i++;
			if (!drop)
				out[n++] = argv[i];
		}
	}
	out[n] = NULL;
	return 0;
}

/* Child: become "vmnet-helper --fd 3 ..." (the program at @self) for this connection. */
static _Noreturn void
exec_child(int conn, uid_t uid, gid_t gid, const char *self, char **child_argv)
{
	char uid_s[ID_STRLEN], gid_s[ID_STRLEN];

	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	snprintf(uid_s, sizeof(uid_s), "%u", (unsigned)uid);
	snprintf(gid_s, sizeof(gid_s), "%u", (unsigned)gid);
	if ((conn == SERVE_CHILD_FD || dup2(conn, SERVE_CHILD_FD) == SERVE_CHILD_FD) &&
	    setenv("SUDO_UID", uid_s, 1) == 0 && setenv("SUDO_GID", gid_s, 1) == 0) {
		/* dup2() cleared close-on-exec on fd 3; everything else is closed. */
		execv(self, child_argv);
	}
	log_error_errno("cannot start the helper for a connection");
	_exit(EXIT_FAILURE);
}

/* Accept one connection and fork its child. Errors are logged, not fatal. */
static void
accept_one(int lsock, const char *self, char **child_argv)
{
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int conn = accept(lsock, NULL, NULL);

	if (conn < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn_errno("accept on the daemon socket failed");
		return;
	}
	if (getpeereid(conn, &uid, &gid) < 0) {
		log_warn_errno("cannot read the peer's credentials; connection closed");
		close(conn);
		return;
	}
	pid = fork();
	if (pid == 0)
		exec_child(conn, uid, gid, self, child_argv);
	if (pid < 0)
		log_warn_errno("cannot fork for a connection of uid %u", (unsigned)uid);
	else
		log_info("connection of uid %u gid %u: helper pid %d", (unsigned)uid, (unsigned)gid,
		         (int)pid);
	close(conn);
}

/* Reap every child that ended, and say how. */
static void
reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (WIFEXITED(status))
			log_info("helper pid %d exited with status %d", (int)pid,
			         WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			log_info("helper pid %d killed by signal %d", (int)pid, WTERMSIG(status));
	}
}

static void
setup_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	static const int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
	sigset_t set;

	if (pipe(signal_pipe) < 0 || fcntl(signal_pipe[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(signal_pipe[1], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK) < 0)
		log_fatal_errno("cannot create the signal pipe");
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0)
			log_fatal_errno("cannot handle signal %d", sigs[i]);
		sigaddset(&set, sigs[i]);
	}
	/* main() blocked them for the helper's dispatch sources; the daemon
	 * takes them with handlers (each exec'd helper blocks them again). */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	/* A peer gone mid-accept must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
}

/* A group name, or a decimal gid. Return: 0, or -1 if there is none. */
static int
group_id(const char *name, gid_t *gid)
{
	const struct group *gr = getgrnam(name);
	uint64_t n;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	if (num_parse_u64(name, 0, UINT32_MAX - 1, &n) < 0)
		return -1;
	*gid = (gid_t)n;
	return 0;
}

/*
 * Bind PATH for root and @gid, mode 0660 from the start (umask), as
 * socket_vmnet gives its socket to a group. Return: the socket, or -1
 * (logged, nothing left at PATH).
 */
static int
listen_path(const char *path, gid_t gid)
{
	mode_t old = umask(0117);
	int lsock = sock_listen(path, SERVE_BACKLOG);
	int saved = errno;

	umask(old);
	if (lsock < 0) {
		errno = saved;
		log_error_errno("--serve-stream %s: cannot listen", path);
		return -1;
	}
	if (chown(path, 0, gid) < 0) {
		log_error_errno("--serve-stream %s: cannot give it to group %u", path,
		                (unsigned)gid);
		close(lsock);
		sock_remove(path);
		return -1;
	}
	return lsock;
}

/* Wait for connections and signals until asked to stop. */
static void
run(int lsock, const char *self, char **child_argv)
{
	struct pollfd pfd[2] = {{.fd = lsock, .events = POLLIN},
	                        {.fd = signal_pipe[0], .events = POLLIN}};

	for (;;) {
		unsigned char sig;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_fatal_errno("poll on the daemon socket failed");
		}
		if (pfd[1].revents && read(signal_pipe[0], &sig, 1) == 1) {
			if (sig == SIGCHLD) {
				reap();
				continue;
			}
			log_info("received signal %d: stopping (running helpers go on)", sig);
			return;
		}
		if (pfd[0].revents)
			accept_one(lsock, self, child_argv);
	}
}

/* Lock and listen on PATH, then write --pidfile. Return: the listening socket, or -1. */
static int
start_serving(const struct options *opts, gid_t gid, int *lock, struct pidfile *pf)
{
	const char *path = opts->serve_path;
	int lsock;

	*lock = sock_lock(path);
	if (*lock < 0 && errno == EWOULDBLOCK)
		log_fatal("--serve-stream %s: another daemon serves this path", path);
	if (*lock < 0)
		log_fatal_errno("--serve-stream %s: cannot lock %s%s", path, path,
		                SOCK_LOCK_SUFFIX);
	lsock = listen_path(path, gid);
	if (lsock < 0)
		return -1;
	/* Written once the socket is there, as socket_vmnet does: the pid means ready. */
	if (opts->pidfile && pidfile_create(pf, opts->pidfile) < 0) {
		if (errno == EEXIST)
			log_error("--pidfile %s: exists (another daemon's, or not a regular file)",
			          opts->pidfile);
		else
			log_error_errno("--pidfile %s: cannot create", opts->pidfile);
		close(lsock);
		sock_remove(path);
		return -1;
	}
	return lsock;
}

/*
 * serve_main() - run the daemon; never returns
 *
 * Exit status: 0 after a stop signal; 1 when it cannot start (not root,
 * an unknown group, PATH served by another daemon or not a socket, a
 * --pidfile that exists for a running daemon or cannot be created).
 */
void
serve_main(const struct options *opts, int argc, char *argv[])
{
	const char *path = opts->serve_path;
	const char *group = opts->serve_group ? opts->serve_group : SERVE_DEFAULT_GROUP;
	static char name[] = OPTIONS_PROGRAM;
	char self[PATH_MAX];
	char **child_argv = calloc((size_t)argc + 4, sizeof(*child_argv));
	struct pidfile pf = {.fd = -1};
	int lock, lsock;
	gid_t gid;

	if (geteuid() != 0)
		log_fatal("--serve-stream: needs root (each connection's helper starts an "
		          "interface, then drops to the connecting user)");
	log_set_component("serve");
	if (group_id(group, &gid) < 0)
		log_fatal("--serve-group: invalid value '%s': no such group", group);
	/* The children are vmnet-helper, whatever name (socket_vmnet) the daemon has. */
	if (!child_argv || client_os_self_path(self, sizeof(self)) < 0 ||
	    serve_child_argv(argc, argv, name, child_argv, (size_t)argc + 4) < 0)
		log_fatal_errno("cannot prepare the helpers' command line");
	setup_signals();
	lsock = start_serving(opts, gid, &lock, &pf);
	if (lsock < 0) {
		sock_unlock(path, lock);
		exit(EXIT_FAILURE);
	}
	log_info("serving %s for group %s: one interface per connection", path, group);
	run(lsock, self, child_argv);
	close(lsock);
	sock_remove(path);
	pidfile_remove(&pf);
	sock_unlock(path, lock);
	free(child_argv);
	exit(EXIT_SUCCESS);
}
