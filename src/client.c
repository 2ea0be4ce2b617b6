// SPDX-License-Identifier: Apache-2.0
/*
 * client.c - vmnet-client: run vmnet-helper and a VM command connected by
 * a unix datagram socket, and supervise both.
 *
 *	vmnet-client [options] [helper options] -- COMMAND [ARG...]
 *
 * The helper gets fd 3 (or a --socket path in a private directory when
 * sudo may not pass descriptors), the command gets fd 4 and the
 * interface's parameters in VMNET_* variables. The command starts only
 * after the helper printed its JSON line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_info.h"
#include "client_launch.h"
#include "client_opts.h"
#include "client_os.h"
#include "client_proc.h"
#include "client_sock.h"
#include "client_sup.h"
#include "fwd.h"
#include "log.h"
#include "sock.h"

/* The command's end of the socket. */
#define COMMAND_FD 4

/* Longest JSON line accepted from the helper. */
#define INFO_LINE_MAX 4096

/* How long the helper may take to bind its --socket after its JSON line. */
#define SOCKET_WAIT_MS 10000
#define SOCKET_POLL_MS 20
/* How long a helper that closed its stdout gets to exit before we ask. */
#define EXIT_WAIT_MS      1000
#define HELPER_ARGV_EXTRA 8 /* sudo, its options, helper, connection, NULL */

struct run {
	struct client_opts opts;
	struct client_launch launch;
	struct client_sup sup;
	struct client_sock_dir dir;
	char helper_path[PATH_MAX];
	char line[INFO_LINE_MAX]; /* the helper's JSON line */
	int helper_fd;            /* our copy of the helper's socket end */
	int command_fd;           /* our copy of the command's socket end */
	int info_fd;              /* read end of the helper's stdout */
	int code;                 /* exit status when a step fails */
};

static void
parse_options(struct run *r, int argc, char *argv[])
{
	char error[OPTIONS_ERROR_MAX];

	if (client_opts_parse(argc, argv, &r->opts, error) < 0) {
		log_error("%s", error);
		fprintf(stderr, "%s\n", CLIENT_OPTS_HINT);
		exit(CLIENT_EXIT_FAILURE);
	}
	if (r->opts.help) {
		client_opts_usage(stdout);
		exit(0);
	}
	if (r->opts.version) {
		printf("version: %s\ncommit: %s\n", VERSION, COMMIT);
		exit(0);
	}
	log_set_verbose(r->opts.helper_opts.verbose);
}

/* The helper beside our own executable, unless --helper says otherwise. */
static int
find_helper(struct run *r)
{
	if (client_os_helper_path(r->opts.helper, r->helper_path, sizeof(r->helper_path)) < 0) {
		if (errno == ENAMETOOLONG && r->opts.helper)
			log_error("--helper %s: its absolute path is longer than %zu bytes",
			          r->opts.helper, sizeof(r->helper_path) - 1);
		else if (r->opts.helper)
			log_error_errno("cannot resolve --helper %s", r->opts.helper);
		else
			log_error_errno("cannot find vmnet-client's own path");
		return -1;
	}
	if (access(r->helper_path, X_OK) < 0) {
		log_error_errno("vmnet-helper not found: %s (use --helper PATH)", r->helper_path);
		return -1;
	}
	r->launch.helper = r->helper_path;
	return 0;
}

/* Did a signal (a Ctrl-C at sudo's prompt) reach the client meanwhile? */
static bool
signalled(void *ctx)
{
	struct run *r = ctx;

	return client_sup_wait(&r->sup, -1, 0) >= 0 && r->sup.signal != 0;
}

static int
choose_launch(struct run *r)
{
	char msg[256];

	r->launch.interactive = isatty(STDIN_FILENO);
	r->launch.interrupted = signalled;
	r->launch.ctx = r;
	if (client_launch_choose(&r->launch, msg, sizeof(msg)) < 0) {
		if (errno == EINTR) {
			r->code = 128 + r->sup.signal;
			return -1;
		}
		if (errno == EPERM)
			log_error("sudo refused to run %s: %s", r->helper_path,
			          msg[0] ? msg : "no reason given");
		else
			log_error_errno("cannot run sudo");
		return -1;
	}
	log_info("%s", client_launch_mode_name(r->launch.mode));
	return 0;
}

static int
start_helper(struct run *r)
{
	size_t max = (size_t)r->opts.helper_argc + HELPER_ARGV_EXTRA;
	const char **argv = calloc(max, sizeof(*argv));
	struct client_proc_spec spec = {.fd_stdin = -1, .fd_stderr = -1, .fd_extra = -1};
	int out[2] = {-1, -1};
	int null_fd = -1;
	int pair[2];
	int type = r->opts.helper_opts.stream ? SOCK_STREAM : SOCK_DGRAM;
	pid_t pid = -1;

	if (argv == NULL)
		goto fail;
	if (r->launch.mode == CLIENT_LAUNCH_SUDO_SOCKET) {
		if (client_sock_dir_create(&r->dir, type) < 0)
			goto fail;
		r->command_fd = r->dir.fd;
	} else {
		if (client_sock_pair(pair, type) < 0)
			goto fail;
		r->helper_fd = pair[0];
		r->command_fd = pair[1];
	}
	if (client_launch_argv(&r->launch, r->dir.helper_path, r->opts.helper_args,
	                       r->opts.helper_argc, argv, max) < 0)
		goto fail;
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0 || client_proc_pipe(out) < 0)
		goto fail;
	spec.argv = argv;
	spec.fd_stdin = null_fd;
	spec.fd_stdout = out[1];
	spec.fd_extra = r->helper_fd;
	spec.extra_as = CLIENT_LAUNCH_HELPER_FD;
	spec.new_group = true;
	pid = client_proc_spawn(&spec);
fail:
	if (pid < 0)
		log_error_errno("cannot start %s", argv && argv[0] ? argv[0] : "vmnet-helper");
	free(argv);
	if (null_fd >= 0)
		close(null_fd);
	if (out[1] >= 0)
		close(out[1]);
	if (r->helper_fd >= 0) {
		close(r->helper_fd);
		r->helper_fd = -1;
	}
	if (pid < 0) {
		if (out[0] >= 0)
			close(out[0]);
		return -1;
	}
	r->info_fd = out[0];
	r->sup.helper.pid = pid;
	r->sup.helper.own_group = true;
	return 0;
}

/* After EOF on its stdout, give an exiting helper a moment to be reaped,
 * so its exit status can be reported. */
static void
await_helper_exit(struct run *r)
{
	for (int waited = 0; !r->sup.helper.exited && waited < EXIT_WAIT_MS;
	     waited += SOCKET_POLL_MS) {
		if (client_sup_wait(&r->sup, -1, SOCKET_POLL_MS) < 0 || r->sup.signal != 0)
			return;
	}
}

/* Wait for the helper's JSON line; print or save it, export it. */
static int
await_info(struct run *r)
{
	char why[96];
	int n;

	if (client_sup_read_line(&r->sup, r->info_fd, r->line, sizeof(r->line)) < 0) {
		if (errno == EINTR) {
			r->code = 128 + r->sup.signal;
			return -1;
		}
		if (errno == EMSGSIZE) {
			log_error("vmnet-helper printed a line longer than %d bytes",
			          INFO_LINE_MAX);
			return -1;
		}
		await_helper_exit(r);
		if (r->sup.helper.exited &&
		    client_launch_fall_back(&r->launch, geteuid() == 0, r->sup.helper.status))
			return -1; /* start_and_await() tries sudo */
		if (r->sup.helper.exited)
			log_error("vmnet-helper %s before reporting its interface",
			          client_proc_describe(r->sup.helper.status, why, sizeof(why)));
		else
			log_error("vmnet-helper closed its output before reporting its interface");
		return -1;
	}
	close(r->info_fd);
	r->info_fd = -1;
	n = client_info_export(r->line);
	if (n < 0) {
		log_error("vmnet-helper printed an invalid interface line: %s", r->line);
		return -1;
	}
	log_debug("exported %d VMNET_* variables", n);
	if (r->opts.info_file != NULL) {
		if (client_info_write_file(r->opts.info_file, r->line) < 0) {
			log_error_errno("cannot write %s", r->opts.info_file);
			return -1;
		}
	} else if (printf("%s\n", r->line) < 0 || fflush(stdout) == EOF) {
		log_error_errno("cannot write the interface line to stdout");
		return -1;
	}
	return 0;
}

/*
 * Start the helper and wait for its line. On macOS 26 a direct start fails
 * for a helper without the entitlement (built from source and not
 * installed with install.sh or make install): then once more with sudo.
 */
static int
start_and_await(struct run *r)
{
	if (start_helper(r) == 0 && await_info(r) == 0)
		return 0;
	/* Set by client_launch_fall_back(), in await_info(). */
	if (!r->launch.direct_refused || r->launch.mode != CLIENT_LAUNCH_DIRECT)
		return -1;
	log_info("vmnet refused to start the interface without root (vmnet-helper not signed "
	         "with com.apple.security.virtualization?); trying sudo");
	close(r->info_fd);
	r->info_fd = -1;
	close(r->command_fd);
	r->command_fd = -1;
	memset(&r->sup.helper, 0, sizeof(r->sup.helper));
	if (choose_launch(r) < 0)
		return -1;
	return start_helper(r) == 0 && await_info(r) == 0 ? 0 : -1;
}

/* Socket mode: connect to the helper's socket once it is bound. */
static int
connect_helper(struct run *r)
{
	int waited = 0;

	if (r->launch.mode != CLIENT_LAUNCH_SUDO_SOCKET)
		return 0;
	while (client_sock_dir_connect(&r->dir) < 0) {
		if (errno != ENOENT && errno != ECONNREFUSED) {
			log_error_errno("cannot connect to %s", r->dir.helper_path);
			return -1;
		}
		if (waited >= SOCKET_WAIT_MS) {
			log_error("vmnet-helper did not bind %s within %d s", r->dir.helper_path,
			          SOCKET_WAIT_MS / 1000);
			return -1;
		}
		if (client_sup_wait(&r->sup, -1, SOCKET_POLL_MS) < 0)
			return -1;
		waited += SOCKET_POLL_MS;
		if (r->sup.signal != 0) {
			r->code = 128 + r->sup.signal;
			return -1;
		}
		if (r->sup.helper.exited) {
			log_error("vmnet-helper exited before binding %s", r->dir.helper_path);
			return -1;
		}
	}
	log_debug("connected to %s", r->dir.helper_path);
	return 0;
}

/* Size the command's socket buffers as the helper sizes its end. */
static void
size_command_socket(struct run *r)
{
	uint64_t max_packet = 0, read_max = 0, write_max = 0;

	if (client_info_get_u64(r->line, "vmnet_max_packet_size", &max_packet) < 0) {
		log_warn("no vmnet_max_packet_size in the interface line; default socket buffers");
		return;
	}
	client_info_get_u64(r->line, "vmnet_read_max_packets", &read_max);
	client_info_get_u64(r->line, "vmnet_write_max_packets", &write_max);
	sock_size_buffers(r->command_fd, max_packet,
	                  fwd_batch_size(max_packet, read_max, write_max), "command socket");
}

static int
start_command(struct run *r)
{
	struct client_proc_spec spec = {
	    .argv = (const char *const *)r->opts.command,
	    .fd_stdin = -1,
	    .fd_stdout = -1,
	    .fd_stderr = -1,
	    .fd_extra = r->command_fd,
	    .extra_as = COMMAND_FD,
	};
	pid_t pid = client_proc_spawn(&spec);
	int err = errno;

	/* The command holds the socket now; no copy stays with us. */
	close(r->command_fd);
	if (r->command_fd == r->dir.fd)
		r->dir.fd = -1;
	r->command_fd = -1;
	errno = err;
	if (pid < 0) {
		if (errno == ENOENT) {
			log_error("%s: command not found", r->opts.command[0]);
			r->code = 127;
		} else {
			log_error_errno("cannot run %s", r->opts.command[0]);
			r->code = 126;
		}
		return -1;
	}
	r->sup.command.pid = pid;
	log_debug("started %s (pid %d)", r->opts.command[0], (int)pid);
	return 0;
}

/* A step failed before supervision: stop the helper, keep r->code. */
static int
abort_run(struct run *r)
{
	client_sup_stop(&r->sup, &r->sup.helper);
	return r->code;
}

static void
cleanup(struct run *r)
{
	if (r->info_fd >= 0)
		close(r->info_fd);
	if (r->command_fd >= 0 && r->command_fd != r->dir.fd)
		close(r->command_fd);
	client_sock_dir_remove(&r->dir);
	client_opts_free(&r->opts);
}

int
main(int argc, char *argv[])
{
	struct run r = {
	    .dir = {.fd = -1},
	    .helper_fd = -1,
	    .command_fd = -1,
	    .info_fd = -1,
	    .code = CLIENT_EXIT_FAILURE,
	};
	int code;

	log_init("client");
	parse_options(&r, argc, argv);
	if (client_proc_cloexec_all() < 0 || client_sup_init(&r.sup, r.opts.grace) < 0) {
		log_error_errno("cannot set up descriptors and signals");
		return CLIENT_EXIT_FAILURE;
	}
	if (find_helper(&r) < 0 || choose_launch(&r) < 0) {
		cleanup(&r);
		return r.code;
	}
	if (start_and_await(&r) < 0 || connect_helper(&r) < 0) {
		code = abort_run(&r);
	} else {
		size_command_socket(&r);
		code = start_command(&r) < 0 ? abort_run(&r) : client_sup_run(&r.sup);
	}
	cleanup(&r);
	return code;
}
