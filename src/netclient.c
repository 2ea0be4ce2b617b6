// SPDX-License-Identifier: Apache-2.0
/*
 * netclient.c - join a named network of a network service (see netclient.h).
 *
 * Theory of operation: the helper connects to the service's XPC name and
 * sends one acquire request (netsvc_proto.h). The reply's serialization
 * becomes a network of this process (vmnet_network_create_with_serialization)
 * on which the interface starts; the interface retains it. The connection
 * is never closed: the service counts this process as a user of the
 * network until the process exits, and the connection's end (the service
 * died or was stopped) means the network may be gone, so the helper stops
 * and exits 1.
 *
 * Launch on demand: on macOS launchd starts the service's agent when its
 * name is looked up. Where the name has no listener (on Linux always at
 * first, or on a Mac without the agent installed) the connection is
 * invalid; for our own service name the helper then starts
 * `vmnet-helper --serve-networks` itself, detached, and tries again for a
 * few seconds.
 */
#include "netclient.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmnet/vmnet.h>
#include <xpc/xpc.h>

#include "client_os.h"
#include "log.h"
#include "netopts.h"
#include "netsvc_proto.h"
#include "stop.h"

/* How long a started service has to begin listening. */
#define NETCLIENT_LAUNCH_WAIT_MS 10000
#define NETCLIENT_RETRY_MS       100

static atomic_bool joined; /* from here on, the connection's end stops the helper */
static xpc_connection_t connection;

/* Connect to @service. Return: the connection (kept for the process's life). */
static xpc_connection_t
connect_service(const char *service, const char *network)
{
	xpc_connection_t c = xpc_connection_create_mach_service(service, NULL, 0);

	/* @service and @network are the options' strings, kept for the process's life. */
	if (c == NULL) {
		log_error("cannot create a connection to %s", service);
		exit(EXIT_FAILURE);
	}
	xpc_connection_set_event_handler(c, ^(xpc_object_t ev) {
		if (xpc_get_type(ev) != XPC_TYPE_ERROR || !atomic_load(&joined))
			return;
		log_error("network service %s: %s: network %s may be gone", service,
		          ev == XPC_ERROR_CONNECTION_INTERRUPTED ? "connection interrupted"
		                                                 : "connection invalid",
		          network);
		stop_request(EXIT_FAILURE, "the network service went away");
	});
	xpc_connection_resume(c);
	return c;
}

/*
 * Send the acquire request on @c.
 * Return: the status, with @network (+1) set on success.
 */
static int64_t
acquire(xpc_connection_t c, const char *name, xpc_object_t *network)
{
	xpc_object_t req = xpc_dictionary_create_empty(), reply, ser;
	int64_t status = NETSVC_INVALID_REPLY;

	xpc_dictionary_set_string(req, NETSVC_KEY_COMMAND, NETSVC_COMMAND_ACQUIRE);
	xpc_dictionary_set_string(req, NETSVC_KEY_NETWORK_NAME, name);
	reply = xpc_connection_send_message_with_reply_sync(c, req);
	xpc_release(req);
	if (xpc_get_type(reply) == XPC_TYPE_ERROR) {
		status = reply == XPC_ERROR_CONNECTION_INVALID ? -1 : NETSVC_XPC_FAILURE;
	} else if ((ser = xpc_dictionary_get_value(reply, NETSVC_KEY_NETWORK)) != NULL) {
		*network = xpc_retain(ser);
		status = NETSVC_SUCCESS;
	} else if (xpc_get_type(xpc_dictionary_get_value(reply, NETSVC_KEY_ERROR)) ==
	           XPC_TYPE_INT64) {
		status = xpc_dictionary_get_int64(reply, NETSVC_KEY_ERROR);
		if (status == NETSVC_SUCCESS)
			status = NETSVC_INVALID_REPLY;
	}
	xpc_release(reply);
	return status;
}

/* Start `vmnet-helper --serve-networks`, detached from this process. */
static int
launch_service(const struct options *o)
{
	char self[PATH_MAX];
	const char *argv[9];
	int argc = 0, devnull, maxfd, fd;
	pid_t pid;

	if (client_os_self_path(self, sizeof(self)) < 0) {
		log_error_errno("cannot find this program to start the network service");
		return -1;
	}
	argv[argc++] = self;
	argv[argc++] = "--serve-networks";
	if (o->network_service) {
		argv[argc++] = "--network-service";
		argv[argc++] = o->network_service;
	}
	if (o->network_config) {
		argv[argc++] = "--network-config";
		argv[argc++] = o->network_config;
	}
	if (o->verbose)
		argv[argc++] = "--verbose";
	argv[argc] = NULL;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	maxfd = (int)sysconf(_SC_OPEN_MAX);
	if (devnull < 0 || maxfd < 0) {
		log_error_errno("cannot start the network service");
		return -1;
	}
	log_info("starting the network service: %s --serve-networks", self);
	pid = fork();
	if (pid < 0) {
		log_error_errno("cannot start the network service: fork");
		close(devnull);
		return -1;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls from here: a new session, no
		 * terminal, nothing of ours open, and a grandchild. */
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		for (fd = 3; fd < maxfd; fd++)
			close(fd);
		{
			/* execv() takes char *const[] for historical reasons only. */
			union {
				const char *const *in;
				char *const *out;
			} args = {.in = argv};

			execv(self, args.out);
		}
		_exit(127);
	}
	close(devnull);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* Return: the serialization of network @o->network_name (+1), or NULL after logging. */
static xpc_object_t
acquire_network(const struct options *o)
{
	const char *service = o->network_service ? o->network_service : OPTIONS_NETWORK_SERVICE;
	xpc_object_t network = NULL;
	int64_t status;
	int waited = 0;
	bool launched = false;

	for (;;) {
		connection = connect_service(service, o->network_name);
		status = acquire(connection, o->network_name, &network);
		if (status != -1)
			break;
		/* No listener: the connection is over, a new one may find one. */
		xpc_connection_cancel(connection);
		xpc_release(connection);
		connection = NULL;
		if (strcmp(service, OPTIONS_NETWORK_SERVICE) != 0 ||
		    waited >= NETCLIENT_LAUNCH_WAIT_MS) {
			log_error("network service %s: not running%s", service,
			          launched ? " (it did not start listening in time)" : "");
			return NULL;
		}
		if (!launched && launch_service(o) < 0)
			return NULL;
		launched = true;
		usleep(NETCLIENT_RETRY_MS * 1000);
		waited += NETCLIENT_RETRY_MS;
	}
	if (status != NETSVC_SUCCESS) {
		log_error("network service %s: cannot acquire network %s: %s (error %lld)", service,
		          o->network_name, netsvc_status_text(status), (long long)status);
		return NULL;
	}
	log_info("acquired network %s from %s", o->network_name, service);
	return network;
}

int
netclient_start(struct vmnet_if *vif, const struct options *o, dispatch_queue_t queue,
                int timeout_sec)
{
	struct netstart_error err = {"vmnet_network_create_with_serialization", VMNET_FAILURE};
	vmnet_network_ref net = NULL;
	xpc_object_t ser;
	int rc = -1;

	if (!netopts_have_network_api()) {
		log_error("--network needs macOS 26");
		return -1;
	}
	ser = acquire_network(o);
	if (ser == NULL)
		return -1;
	// cppcheck-suppress unknownMacro
	if (__builtin_available(macOS 26.0, *)) {
		net = vmnet_network_create_with_serialization(ser, &err.status);
		if (net) {
			rc = netstart_join(vif, net, o, queue, timeout_sec, &err);
			/* The interface holds the network from here on. */
			CFRelease(net);
		}
	}
	xpc_release(ser);
	if (rc < 0 && errno == ETIMEDOUT) {
		log_error("vmnet did not start the interface within %d seconds", timeout_sec);
		return -1;
	}
	if (rc < 0) {
		log_error("cannot start the vmnet interface on network %s: %s failed (status %u)",
		          o->network_name, err.what, err.status);
		return -1;
	}
	atomic_store(&joined, true);
	return 0;
}
