// SPDX-License-Identifier: Apache-2.0
/*
 * helper.c - vmnet-helper: one vmnet interface, forwarded to one VM socket.
 *
 * main() is the table of contents; each step is a function below, in the
 * same order. Options and the target user are validated first; then
 * inherited fds are closed (before any library call could open one of its
 * own) and what the options name outside the helper (the fd, the shared
 * interface) is checked; then, as root, only the interface is started;
 * then the drop; everything after runs as the user. Steps before the
 * interface exists may exit directly; after that every failure goes to
 * the common exit path, which stops forwarding and the interface.
 *
 * The JSON line means ready: it is printed only once the interface runs,
 * root is dropped and (--socket) the socket is bound, so any failure before
 * it leaves stdout empty. The stop signals are blocked before anything
 * else, so none is lost before its dispatch source exists; a stop
 * requested during start-up is honoured at the next step boundary, after
 * whatever the interface start began has been undone by the exit path.
 *
 * Threads of control: the main thread waits for a stop request; the host
 * queue runs vmnet's packet events (host->vm batches); the vm queue runs
 * the vm->host loop; the control queue runs signal and stats sources.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <dispatch/dispatch.h>

#include "fwd.h"
#include "info.h"
#include "isolate.h"
#include "log.h"
#include "options.h"
#include "os_version.h"
#include "priv.h"
#include "sandbox.h"
#include "serve.h"
#include "sock.h"
#include "socket_vmnet.h"
#include "stats.h"
#include "stop.h"
#include "stream.h"
#include "netclient.h"
#include "netstart.h"
#include "netsvc.h"
#include "vmnet_if.h"

#ifndef VERSION
#define VERSION "unknown"
#endif
#ifndef COMMIT
#define COMMIT "unknown"
#endif

struct helper {
	struct options opts;
	struct priv_target target;
	dispatch_queue_t host_queue;    /* vmnet completions and events */
	dispatch_queue_t vm_queue;      /* vm->host loop */
	dispatch_queue_t control_queue; /* signals and stats */
	struct vmnet_if vif;
	enum netopts_api api;   /* how the network options are served */
	int sock;               /* the VM socket */
	int lock_fd;            /* --socket: PATH.lock, held */
	bool socket_bound;      /* --socket: PATH exists and is ours */
	atomic_bool forwarding; /* both directions run; read by SIGUSR1 */
	bool not_authorized;    /* vmnet refused the start: no root or entitlement */
	struct stats stats;
	struct fwd fwd;
	bool stream;             /* the VM socket is a stream (--stream, or --fd's type) */
	struct stream vm_stream; /* its framing, when it is */
};

/* Print an option error, the hint, and exit 1. */
static _Noreturn void
usage_error(const char *message)
{
	log_error("%s", message);
	fprintf(stderr, "%s\n", OPTIONS_HINT);
	exit(EXIT_FAILURE);
}

/* Step: parse and validate options; --help and --version end here. */
static void
parse_options(struct helper *h, int argc, char *argv[])
{
	char error[OPTIONS_ERROR_MAX];

	if (options_parse(argc, argv, &h->opts, error) < 0)
		usage_error(error);
	log_set_verbose(h->opts.verbose);
	switch (h->opts.action) {
	case OPTIONS_HELP:
		options_usage(stdout);
		exit(EXIT_SUCCESS);
	case OPTIONS_VERSION:
		printf("version: %s\ncommit: %s\n", VERSION, COMMIT);
		exit(EXIT_SUCCESS);
	case OPTIONS_LIST_SHARED_INTERFACES:
		break;
	case OPTIONS_RUN:
		if (netopts_plan(&h->opts.net, netopts_have_network_api(), &h->api, error) < 0)
			log_fatal("%s", error);
		break;
	}
}

/* Step: --list-shared-interfaces prints one name a line and exits. */
static void
list_shared_interfaces(const struct helper *h)
{
	if (h->opts.action != OPTIONS_LIST_SHARED_INTERFACES)
		return;
	if (vmnet_if_shared_interfaces(^bool(const char *name) {
		    printf("%s\n", name);
		    return true;
	    }) < 0)
		log_fatal("vmnet returned no list of shared interfaces");
	exit(fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

/* Step: --serve-stream runs the daemon instead (serve.c); it never returns. */
static void
serve_stream(const struct helper *h, int argc, char *argv[])
{
	if (h->opts.serve_path)
		serve_main(&h->opts, argc, argv);
}

/* Step: choose the user to forward as, before anything privileged. */
static void
select_user(struct helper *h)
{
	struct priv_account user, fallback;
	struct priv_input in = {
	    .sudo_uid = getenv("SUDO_UID"),
	    .sudo_gid = getenv("SUDO_GID"),
	    .ruid = getuid(),
	    .euid = geteuid(),
	    .rgid = getgid(),
	    .allow_root = h->opts.allow_root,
	};
	char error[OPTIONS_ERROR_MAX];
	const char *reason;

	if (h->opts.user && priv_lookup(h->opts.user, &user, &reason) < 0) {
		snprintf(error, sizeof(error), "--user: invalid value '%s': %s", h->opts.user,
		         reason);
		usage_error(error);
	}
	in.user = h->opts.user ? &user : NULL;
	in.fallback = priv_lookup(PRIV_DEFAULT_USER, &fallback, &reason) == 0 ? &fallback : NULL;
	if (priv_select(&in, &h->target, &reason) < 0)
		log_fatal("%s", reason);
}

/* Step: no core dumps, no inherited fds (still root, nothing started). */
static void
isolate(const struct helper *h)
{
	if (isolate_initial(h->opts.fd) < 0)
		log_fatal_errno("cannot isolate the process");
}

/* Step: check what the options name outside the helper: fd, interface. */
static void
check_environment(struct helper *h)
{
	char error[OPTIONS_ERROR_MAX];
	const char *reason;
	__block bool found = false;
	const char *want = h->opts.shared_interface;
	int type;

	h->stream = h->opts.stream;
	if (h->opts.fd >= 0 && sock_check_fd(h->opts.fd, &type, &reason) < 0) {
		snprintf(error, sizeof(error), "--fd: invalid value '%d': %s", h->opts.fd, reason);
		usage_error(error);
	}
	if (h->opts.fd >= 0 && type == SOCK_STREAM)
		h->stream = true;
	else if (h->opts.fd >= 0 && h->opts.stream)
		usage_error("--stream: the --fd socket is a datagram socket");
	if (!want)
		return;
	if (vmnet_if_shared_interfaces(^bool(const char *name) {
		    found = strcmp(name, want) == 0;
		    return !found;
	    }) < 0)
		log_fatal("--shared-interface: vmnet returned no list of shared interfaces");
	if (!found) {
		snprintf(error, sizeof(error),
		         "--shared-interface: invalid value '%s': not a shared interface "
		         "(see --list-shared-interfaces)",
		         want);
		usage_error(error);
	}
}

static void on_signal(struct helper *h, int sig);

/* The signals the helper handles; blocked from the start of main(). */
static const int watched_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};
#define N_WATCHED (sizeof(watched_signals) / sizeof(watched_signals[0]))

/*
 * Step, before all others: block the watched signals in the main thread,
 * so every thread created later inherits the mask. Until the dispatch
 * sources exist a signal then stays pending instead of being lost (SIG_IGN)
 * or killing the process half-way through the start (the default action).
 * Dispatch sources observe blocked signals (kqueue on macOS sees a signal
 * even if it is blocked or ignored).
 */
static void
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < N_WATCHED; i++)
		sigaddset(&set, watched_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Observe @sig on the control queue; it stays blocked (see block_signals()). */
static void
watch_signal(struct helper *h, int sig)
{
	dispatch_source_t src;

	src = dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, (uintptr_t)sig, 0,
	                             h->control_queue);
	if (!src)
		log_fatal("cannot watch signal %d", sig);
	/* cppcheck cannot parse block literals: the rest of this file is not checked. */
	// cppcheck-suppress syntaxError
	dispatch_source_set_event_handler(src, ^{
		on_signal(h, sig);
	});
	dispatch_resume(src);
}

/*
 * A signal that arrived before its source existed is still pending (it is
 * blocked); kqueue reports only signals sent after the source is set up,
 * so hand those to the handler here, at once, so the next step sees the
 * stop. Where the source reports it as well (the Linux platform), the
 * second stop request is a no-op; SIGUSR1 does nothing before forwarding.
 */
static void
catch_pending_signals(struct helper *h)
{
	sigset_t pending;

	if (sigpending(&pending) < 0)
		return;
	for (size_t i = 0; i < N_WATCHED; i++) {
		int sig = watched_signals[i];

		if (sigismember(&pending, sig) == 1)
			on_signal(h, sig);
	}
}

/* Step: queues, the stop pipe, and signal handling. */
static void
setup_control(struct helper *h)
{
	if (stop_init() < 0)
		log_fatal_errno("cannot create the stop pipe");
	h->host_queue = dispatch_queue_create("vmnet-helper.host", DISPATCH_QUEUE_SERIAL);
	h->vm_queue = dispatch_queue_create("vmnet-helper.vm", DISPATCH_QUEUE_SERIAL);
	h->control_queue = dispatch_queue_create("vmnet-helper.control", DISPATCH_QUEUE_SERIAL);
	if (!h->host_queue || !h->vm_queue || !h->control_queue)
		log_fatal("cannot create dispatch queues");
	/* A closed VM socket must be an error from send, not a fatal signal. */
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < N_WATCHED; i++)
		watch_signal(h, watched_signals[i]);
	catch_pending_signals(h);
}

/* Step: create the vmnet interface (as root on macOS 15 and earlier). */
static int
start_interface(struct helper *h)
{
	struct netstart_error err = {"vmnet_start_interface", VMNET_SUCCESS};
	xpc_object_t desc = NULL;
	int rc;

	if (h->opts.network_name) {
		if (netclient_start(&h->vif, &h->opts, h->host_queue, VMNET_IF_START_TIMEOUT_SEC) <
		    0)
			return -1;
		rc = 0;
	} else if (h->api == NETOPTS_API_NETWORK) {
		rc = netstart_network(&h->vif, &h->opts, h->host_queue, VMNET_IF_START_TIMEOUT_SEC,
		                      &err);
	} else {
		desc = vmnet_if_describe(&h->opts);
		if (!desc) {
			log_error("cannot build the interface description");
			return -1;
		}
		rc = vmnet_if_start(&h->vif, desc, h->host_queue, VMNET_IF_START_TIMEOUT_SEC,
		                    &err.status);
		xpc_release(desc);
		if (rc == 0 && h->opts.net.nforwards)
			rc = netstart_forwards(&h->vif, &h->opts.net, VMNET_IF_START_TIMEOUT_SEC,
			                       &err);
	}
	if (rc < 0 && errno == ETIMEDOUT) {
		log_error("vmnet did not start the interface within %d seconds",
		          VMNET_IF_START_TIMEOUT_SEC);
		return -1;
	}
	if (rc < 0) {
		log_error("cannot start the vmnet interface: %s (%s, %u) in %s",
		          vmnet_if_status_meaning(err.status), vmnet_if_status_name(err.status),
		          err.status, err.what);
		h->not_authorized = vmnet_if_status_unauthorized(err.status, os_version_current());
		return -1;
	}
	if (h->vif.max_packet_size < FWD_MIN_FRAME) {
		log_error("vmnet reported an invalid max packet size %llu",
		          (unsigned long long)h->vif.max_packet_size);
		return -1;
	}
	if (h->opts.network_name)
		log_info("started vmnet interface on network %s, max packet size %llu",
		         h->opts.network_name, (unsigned long long)h->vif.max_packet_size);
	else
		log_info("started vmnet interface in %s mode, max packet size %llu",
		         options_mode_name(h->opts.mode),
		         (unsigned long long)h->vif.max_packet_size);
	return 0;
}

/* Step: become the user for good, and check it. */
static int
drop_privileges(struct helper *h)
{
	const char *reason;

	if (priv_drop(&h->target) < 0) {
		log_error_errno("cannot drop privileges to uid %u gid %u", (unsigned)h->target.uid,
		                (unsigned)h->target.gid);
		return -1;
	}
	if (priv_verify(&h->target, &reason) < 0) {
		log_error("privilege drop failed: %s", reason);
		return -1;
	}
	/*
	 * Files created from now on (socket, lock) are the user's, mode 0600
	 * at most: read and write is what a unix socket's peer needs.
	 */
	umask(S_IXUSR | S_IRWXG | S_IRWXO);
	log_info("running as uid %u gid %u", (unsigned)getuid(), (unsigned)getgid());
	return 0;
}

/* Step: the one JSON line on stdout, once everything a client needs is ready. */
static int
print_info(struct helper *h)
{
	char *line = info_json(h->vif.param);
	int rc = 0;

	if (!line) {
		log_error("cannot format the interface parameters");
		return -1;
	}
	if (printf("%s\n", line) < 0 || fflush(stdout) != 0) {
		log_error_errno("cannot write the interface parameters to stdout");
		rc = -1;
	}
	free(line);
	return rc;
}

static void
warn_ignored(const char *reason, int err)
{
	if (err)
		log_warn("ignoring a datagram: %s: %s", reason, strerror(err));
	else
		log_warn("ignoring a datagram: %s", reason);
}

/* Step: --socket: lock PATH and bind it (listen, with --stream), as the user. Return: 0 or -1. */
static int
bind_socket(struct helper *h)
{
	const char *path = h->opts.socket_path;

	if (!path)
		return 0;
	h->lock_fd = sock_lock(path);
	if (h->lock_fd < 0) {
		if (errno == EWOULDBLOCK)
			log_error("--socket %s: another helper serves this path", path);
		else
			log_error_errno("--socket %s: cannot lock %s%s", path, path,
			                SOCK_LOCK_SUFFIX);
		return -1;
	}
	h->sock = h->stream ? sock_listen(path, 1) : sock_bind(path);
	if (h->sock < 0) {
		if (errno == EEXIST)
			log_error("--socket %s: cannot bind: the path exists and is not a socket",
			          path);
		else if (errno == EADDRINUSE)
			log_error("--socket %s: cannot bind: another program serves this socket",
			          path);
		else
			log_error_errno("--socket %s: cannot bind", path);
		return -1;
	}
	h->socket_bound = true;
	return 0;
}

/* Take the first connection on the listening h->sock (--socket --stream). */
static enum sock_wait
accept_client(struct helper *h)
{
	int conn = -1;
	enum sock_wait w = sock_accept(h->sock, stop_fd(), &conn);

	if (w == SOCK_CLIENT) {
		/* One VM per helper: later connections are refused. */
		close(h->sock);
		h->sock = conn;
	}
	return w;
}

/* --socket: wait for the first client (connection, with --stream). Return: 0, 1 stopped, -1. */
static int
serve_path(struct helper *h)
{
	const char *path = h->opts.socket_path;

	log_info("waiting for a client on %s%s", path, h->stream ? " (stream)" : "");
	switch (h->stream ? accept_client(h) : sock_wait_client(h->sock, stop_fd(), warn_ignored)) {
	case SOCK_CLIENT:
		log_info("serving the client of %s", path);
		return 0;
	case SOCK_STOPPED:
		return 1;
	case SOCK_WAIT_ERR:
		break;
	}
	log_error_errno("--socket %s: waiting for a client failed", path);
	return -1;
}

/* Step: the VM socket, its buffers. Return: 0, 1 (stopped while waiting), -1. */
static int
setup_socket(struct helper *h)
{
	unsigned batch = fwd_batch_size(h->vif.max_packet_size, h->vif.read_max, h->vif.write_max);
	int rc = 0;

	if (h->opts.socket_path)
		rc = serve_path(h);
	else
		h->sock = h->opts.fd;
	if (rc != 0)
		return rc;
	sock_size_buffers(h->sock, h->vif.max_packet_size, batch, "socket");
	return 0;
}

/* host->vm: run batches until vmnet is empty; runs on the host queue. */
static void
host_to_vm(struct helper *h)
{
	enum fwd_result r = FWD_OK;

	log_set_component("host->vm");
	while (r == FWD_OK && !stop_requested())
		r = fwd_host_to_vm(&h->fwd);
	if (r == FWD_VM_GONE) {
		stop_request(EXIT_SUCCESS, "the VM closed its socket");
	} else if (r == FWD_VMNET_ERROR) {
		log_error("vmnet_read failed: %s (%s, %u)",
		          vmnet_if_status_meaning(h->fwd.read_status),
		          vmnet_if_status_name(h->fwd.read_status), h->fwd.read_status);
		stop_request(EXIT_FAILURE, "forwarding to the VM failed");
	} else if (r == FWD_ERROR) {
		log_error_errno("sendmsg_x to the VM failed");
		stop_request(EXIT_FAILURE, "forwarding to the VM failed");
	}
}

/* vm->host: batch while there is data, poll when idle, until a stop. */
static void
vm_to_host(struct helper *h)
{
	struct pollfd pfd[2] = {{.fd = h->sock, .events = POLLIN},
	                        {.fd = stop_fd(), .events = POLLIN}};

	log_set_component("vm->host");
	while (!stop_requested()) {
		enum fwd_result r = fwd_vm_to_host(&h->fwd);

		if (r == FWD_VM_GONE) {
			stop_request(EXIT_SUCCESS, "the VM closed its socket");
		} else if (r == FWD_ERROR && errno == EPROTO) {
			log_error("protocol error: the VM's stream has a frame length over %u",
			          STREAM_FRAME_MAX);
			stop_request(EXIT_FAILURE, "forwarding from the VM failed");
		} else if (r == FWD_ERROR) {
			log_error_errno("recvmsg_x from the VM failed");
			stop_request(EXIT_FAILURE, "forwarding from the VM failed");
		} else if (r == FWD_IDLE && poll(pfd, 2, -1) < 0 && errno != EINTR) {
			log_error_errno("poll on the VM socket failed");
			stop_request(EXIT_FAILURE, "forwarding from the VM failed");
		}
	}
}

static void
free_buffers(struct helper *h)
{
	fwd_free(&h->fwd);
	if (h->stream)
		stream_free(&h->vm_stream);
}

/* --socket: forward only what the connected client sends. Return: 0 or -1. */
static int
only_from_client(struct helper *h)
{
	struct sockaddr_un peer = {0};
	socklen_t len = sizeof(peer);

	if (getpeername(h->sock, (struct sockaddr *)&peer, &len) < 0) {
		log_error_errno("--socket %s: cannot get the client's address",
		                h->opts.socket_path);
		return -1;
	}
	if (fwd_only_from(&h->fwd, &peer, len) < 0) {
		log_error_errno("--socket %s: cannot check the senders of datagrams",
		                h->opts.socket_path);
		return -1;
	}
	return 0;
}

/* Step: buffers, the vmnet event callback, the vm->host loop. */
static int
start_forwarding(struct helper *h)
{
	unsigned batch = fwd_batch_size(h->vif.max_packet_size, h->vif.read_max, h->vif.write_max);

	if (fwd_init(&h->fwd, h->vif.iface, h->sock, h->vif.max_packet_size, batch, &h->stats) <
	    0) {
		log_error_errno("cannot allocate forwarding buffers");
		return -1;
	}
	/* A stream is its one connection: there is no sender to check. */
	if (h->opts.socket_path && !h->stream && only_from_client(h) < 0) {
		fwd_free(&h->fwd);
		return -1;
	}
	if (h->stream) {
		if (stream_init(&h->vm_stream, h->sock, h->vif.max_packet_size, batch) < 0) {
			log_error_errno("cannot allocate stream buffers");
			fwd_free(&h->fwd);
			return -1;
		}
		h->fwd.stream = &h->vm_stream;
	}
	stats_init(&h->stats);
	if (vmnet_if_set_callback(&h->vif, ^{
		    host_to_vm(h);
	    }) < 0) {
		log_error("cannot set the vmnet event callback");
		free_buffers(h);
		return -1;
	}
	dispatch_async(h->vm_queue, ^{
		vm_to_host(h);
	});
	h->forwarding = true;
	/* Frames vmnet queued before the callback was set would wait for the next event. */
	dispatch_async(h->host_queue, ^{
		host_to_vm(h);
	});
	log_info("forwarding, %u frames per batch%s", batch,
	         h->stream ? ", frames with a length on a stream" : "");
	return 0;
}

static void
report_stats(struct helper *h)
{
	struct timespec real, mono;
	char *line;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	line = stats_json(&h->stats, &real, &mono);
	if (!line) {
		log_warn("cannot format statistics");
		return;
	}
	log_set_component("stats");
	log_info("%s", line);
	log_set_component(NULL);
	free(line);
}

static void
on_signal(struct helper *h, int sig)
{
	switch (sig) {
	case SIGUSR1:
		if (h->forwarding)
			report_stats(h);
		break;
	case SIGINT:
		stop_request(EXIT_SUCCESS, "received SIGINT");
		break;
	case SIGHUP:
		stop_request(EXIT_SUCCESS, "received SIGHUP");
		break;
	default:
		stop_request(EXIT_SUCCESS, "received SIGTERM");
		break;
	}
}

/* Step: --stats-interval: a timer on the control queue. */
static void
start_stats(struct helper *h)
{
	uint64_t interval = (uint64_t)h->opts.stats_interval * NSEC_PER_SEC;
	dispatch_source_t timer;

	if (!h->opts.stats_interval)
		return;
	timer = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, h->control_queue);
	if (!timer) {
		log_warn("cannot create the stats timer; no periodic stats");
		return;
	}
	dispatch_source_set_timer(timer, dispatch_time(DISPATCH_TIME_NOW, (int64_t)interval),
	                          interval, interval / 100);
	dispatch_source_set_event_handler(timer, ^{
		report_stats(h);
	});
	dispatch_resume(timer);
	log_info("reporting stats every %u seconds", h->opts.stats_interval);
}

/* Step: resource limits for the rest of the run. */
static void
restrict_limits(void)
{
	if (isolate_forwarding() < 0)
		log_warn_errno("cannot restrict resource limits");
	else
		log_debug("resource limits restricted");
}

/* A stop requested during start-up ends it here: *@status is the stop's. */
static bool
stopping(int *status)
{
	if (!stop_requested())
		return false;
	*status = stop_wait();
	return true;
}

/* Step: from now on only the system calls forwarding and the shutdown need. */
static void
restrict_syscalls(void)
{
	const char *note;
	int rc = sandbox_enter(&note);

	if (rc < 0) {
		log_error_errno("cannot install the system call filter");
		stop_request(EXIT_FAILURE, "no system call filter");
	} else if (rc > 0) {
		log_info("no system call filter: %s", note);
	} else {
		log_debug("system call filter installed");
	}
}

/* Runs after everything queued before it: dispatch_sync_f() on it drains a queue. */
static void
queue_drained(void *unused)
{
	(void)unused;
}

/* Exit path: stop both directions and wait until they are idle. */
static void
stop_forwarding(struct helper *h)
{
	if (!h->forwarding)
		return;
	if (vmnet_if_set_callback(&h->vif, NULL) < 0)
		log_warn("cannot clear the vmnet event callback");
	/* Blocks running or queued see the stop request and return. */
	dispatch_sync_f(h->host_queue, NULL, queue_drained);
	dispatch_sync_f(h->vm_queue, NULL, queue_drained);
	h->forwarding = false;
	report_stats(h);
	free_buffers(h);
}

/* Exit path: stop the interface, if it started. Return: 0 or -1. */
static int
stop_interface(struct helper *h)
{
	vmnet_return_t status;

	if (!h->vif.iface)
		return 0;
	if (vmnet_if_stop(&h->vif, VMNET_IF_STOP_TIMEOUT_SEC, &status) < 0) {
		if (errno == ETIMEDOUT)
			log_error("vmnet did not stop the interface within %d seconds",
			          VMNET_IF_STOP_TIMEOUT_SEC);
		else
			log_error("cannot stop the vmnet interface: %s (%s, %u)",
			          vmnet_if_status_meaning(status), vmnet_if_status_name(status),
			          status);
		return -1;
	}
	log_info("stopped vmnet interface");
	return 0;
}

/* Exit path: remove what --socket created: the socket, then the lock. */
static void
remove_socket(struct helper *h)
{
	if (h->socket_bound)
		sock_remove(h->opts.socket_path);
	if (h->lock_fd >= 0)
		sock_unlock(h->opts.socket_path, h->lock_fd);
}

int
main(int argc, char *argv[])
{
	static struct helper h = {.sock = -1, .lock_fd = -1};
	int status = EXIT_FAILURE;
	int rc;

	block_signals();
	log_init("main");
	socket_vmnet_command_line(&argc, &argv);
	parse_options(&h, argc, argv);
	if (h.opts.serve_networks)
		return netsvc_main(&h.opts);
	list_shared_interfaces(&h);
	serve_stream(&h, argc, argv);
	select_user(&h);
	isolate(&h);
	check_environment(&h);
	setup_control(&h);
	if (stopping(&status) || start_interface(&h) < 0 || stopping(&status) ||
	    drop_privileges(&h) < 0 || bind_socket(&h) < 0 || stopping(&status) ||
	    print_info(&h) < 0)
		goto out;
	rc = setup_socket(&h);
	if (rc != 0) {
		status = rc > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
		goto out;
	}
	if (start_forwarding(&h) < 0)
		goto out;
	start_stats(&h);
	restrict_limits();
	restrict_syscalls();
	status = stop_wait();
out:
	if (stop_requested())
		log_info("stopping: %s", stop_reason());
	stop_forwarding(&h);
	if (stop_interface(&h) < 0)
		status = EXIT_FAILURE;
	remove_socket(&h);
	return h.not_authorized ? VMNET_IF_EXIT_NOT_AUTHORIZED : status;
}
