// SPDX-License-Identifier: Apache-2.0
/*
 * helper.c - vmnet-helper: one vmnet interface, forwarded to one VM socket.
 *
 * main() is the table of contents; each step is a function below, in the
 * same order, most of them a call into the module that does the work
 * (socket_vmnet.c maps socket_vmnet's command line when the program has its
 * name; serve.c and netsvc.c are the services that run instead of a
 * helper; iface.c starts the interface, vmsock.c sets up the VM socket,
 * fwd.c forwards, stats_report.c logs the counters). Options and the target user are validated
 * first; then inherited fds are closed (before any library call could open one of its own) and what
 * the options name outside the helper (the fd, the shared interface) is checked; then, as root,
 * only the interface is started; then the drop; everything after runs as the user. Steps before the
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
#include <unistd.h>

#include <dispatch/dispatch.h>

#include "fwd.h"
#include "iface.h"
#include "info.h"
#include "isolate.h"
#include "log.h"
#include "options.h"
#include "priv.h"
#include "sandbox.h"
#include "serve.h"
#include "sock.h"
#include "socket_vmnet.h"
#include "stats.h"
#include "stats_report.h"
#include "stop.h"
#include "stream.h"
#include "netsvc.h"
#include "vmnet_if.h"
#include "vmsock.h"

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
	struct vmsock vs;       /* the VM socket */
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

/* Step: --serve-networks (netsvc.c) or --serve-stream (serve.c) runs instead of a helper. */
static void
run_service(const struct helper *h, int argc, char *argv[])
{
	if (h->opts.serve_networks)
		exit(netsvc_main(&h->opts));
	/* An action given after --serve-stream (--list-shared-interfaces) is done instead. */
	if (h->opts.serve_path && h->opts.action == OPTIONS_RUN)
		serve_main(&h->opts, argc, argv);
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

/* Step: create the vmnet interface (iface.c; as root on macOS 15 and earlier). */
static int
start_interface(struct helper *h)
{
	return iface_start(&h->vif, &h->opts, h->api, h->host_queue, &h->not_authorized);
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

/* Step: --socket: lock PATH and bind it (listen, with --stream), as the user (vmsock.c). */
static int
bind_socket(struct helper *h)
{
	h->vs.path = h->opts.socket_path;
	h->vs.stream = h->stream;
	return vmsock_bind(&h->vs);
}

/* Step: the VM socket, its buffers. Return: 0, 1 (stopped while waiting), -1. */
static int
setup_socket(struct helper *h)
{
	unsigned batch = fwd_batch_size(h->vif.max_packet_size, h->vif.read_max, h->vif.write_max);
	int rc = 0;

	if (h->opts.socket_path)
		rc = vmsock_wait_client(&h->vs);
	else
		h->vs.fd = h->opts.fd;
	if (rc != 0)
		return rc;
	sock_size_buffers(h->vs.fd, h->vif.max_packet_size, batch, "socket");
	return 0;
}

/*
 * host->vm: run batches while they fill; runs on the host queue. A smaller
 * batch means vmnet was empty, and frames that come after it bring the
 * next event.
 */
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

/*
 * vm->host: batch while batches fill, poll after a smaller one (the socket
 * is empty then: a receive would only say so), until a stop.
 */
static void
vm_to_host(struct helper *h)
{
	struct pollfd pfd[2] = {{.fd = h->vs.fd, .events = POLLIN},
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
		} else if ((r == FWD_IDLE || r == FWD_PARTIAL) && poll(pfd, 2, -1) < 0 &&
		           errno != EINTR) {
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

/* Step: buffers, the vmnet event callback, the vm->host loop. */
static int
start_forwarding(struct helper *h)
{
	unsigned batch = fwd_batch_size(h->vif.max_packet_size, h->vif.read_max, h->vif.write_max);

	if (fwd_init(&h->fwd, h->vif.iface, h->vs.fd, h->vif.max_packet_size, batch, &h->stats) <
	    0) {
		log_error_errno("cannot allocate forwarding buffers");
		return -1;
	}
	/* A stream is its one connection: there is no sender to check. */
	if (h->opts.socket_path && !h->stream && vmsock_only_from_client(&h->vs, &h->fwd) < 0) {
		fwd_free(&h->fwd);
		return -1;
	}
	if (h->stream) {
		if (stream_init(&h->vm_stream, h->vs.fd, h->vif.max_packet_size, batch) < 0) {
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
on_signal(struct helper *h, int sig)
{
	switch (sig) {
	case SIGUSR1:
		if (h->forwarding)
			stats_report(&h->stats);
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

/* Step: --stats-interval: a timer on the control queue (stats_report.c). */
static void
start_stats(struct helper *h)
{
	if (h->opts.stats_interval)
		stats_report_every(&h->stats, h->opts.stats_interval, h->control_queue);
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
	stats_report(&h->stats);
	free_buffers(h);
}

int
main(int argc, char *argv[])
{
	static struct helper h = {.vs = {.fd = -1, .lock_fd = -1}};
	int status = EXIT_FAILURE;
	int rc;

	block_signals();
	log_init("main");
	socket_vmnet_command_line(&argc, &argv);
	parse_options(&h, argc, argv);
	run_service(&h, argc, argv);
	list_shared_interfaces(&h);
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
	if (iface_stop(&h.vif) < 0)
		status = EXIT_FAILURE;
	vmsock_remove(&h.vs);
	return h.not_authorized ? VMNET_IF_EXIT_NOT_AUTHORIZED : status;
}
