// SPDX-License-Identifier: Apache-2.0
/*
 * netsvc.c - the network service's XPC plumbing and life cycle (see
 * netsvc.h; the answers are netsvc_request.c's).
 *
 * Theory of operation: one serial queue runs everything that touches the
 * state: the listener, every client connection, the tick timer and the
 * signal sources, so no state needs a lock. A client connection must run
 * the service's own code (the code-signing requirement of our own cdhash:
 * on macOS the designated requirement of the ad-hoc signature, on Linux
 * the same executable file) and, checked per request, belong to our user.
 * A connection that ends (the client closed it or died) drops the
 * networks it held; the tick releases a network once its release delay
 * is over and stops the service when it has been idle, holding no network
 * and no client, for the idle timeout. A request for a network nobody
 * holds creates it with the macOS 26 network API; the reply carries its
 * serialization, which the helper turns back into a network of its own.
 * On stop, every network is released.
 */
#include "netsvc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dispatch/dispatch.h>
#include <vmnet/vmnet.h>
#include <xpc/xpc.h>

#include "log.h"
#include "netopts.h"
#include "netstart.h"
#include "netsvc_config.h"
#include "netsvc_proto.h"
#include "netsvc_request.h"
#include "stop.h"

/* csops() is exported by libSystem (and the Linux platform) but declared
 * only in a header outside the public SDK. */
int csops(pid_t pid, unsigned int ops, void *useraddr, size_t usersize);
#define NETSVC_CS_OPS_CDHASH 5
#define NETSVC_CDHASH_LEN    20

/* How often the service looks for networks to release and for idleness. */
#define NETSVC_TICK_MS 250

struct netsvc {
	struct netsvc_config cfg;
	struct netsvc_state state;
	dispatch_queue_t queue;
	xpc_connection_t listener;
	dispatch_semaphore_t listener_done; /* its last event came: the name is free */
	char requirement[64];               /* cdhash H"<own cdhash>" */
	const char *service;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
netsvc_default_config(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/vmnet-helper/networks.conf", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.config/vmnet-helper/networks.conf", home);
	else
		return -1;
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* The requirement peers must meet: our own code. Return: 0 or -1. */
static int
own_requirement(char out[64])
{
	uint8_t hash[NETSVC_CDHASH_LEN];
	int i, n;

	if (csops(getpid(), NETSVC_CS_OPS_CDHASH, hash, sizeof(hash)) != 0)
		return -1;
	n = snprintf(out, 64, "cdhash H\"");
	for (i = 0; i < NETSVC_CDHASH_LEN; i++)
		n += snprintf(out + n, (size_t)(64 - n), "%02x", hash[i]);
	snprintf(out + n, (size_t)(64 - n), "\"");
	return 0;
}

/* The backend: macOS 26 networks. */

static void *
create_network(const struct netsvc_network *def, const char **why)
{
	static char reason[128];
	struct netstart_error err = {"vmnet_network_create", VMNET_FAILURE};
	vmnet_network_ref net = NULL;

	// cppcheck-suppress unknownMacro
	if (__builtin_available(macOS 26.0, *))
		net = netstart_create(&def->opts, &err);
	if (net == NULL) {
		snprintf(reason, sizeof(reason), "%s failed with status %u", err.what, err.status);
		*why = reason;
	}
	return net;
}

static xpc_object_t
serialize_network(void *network)
{
	vmnet_return_t status;

	if (__builtin_available(macOS 26.0, *))
		return vmnet_network_copy_serialization(network, &status);
	return NULL;
}

static void
release_network(void *network)
{
	CFRelease(network);
}

static const struct netsvc_backend vmnet_backend = {
    .create = create_network,
    .serialize = serialize_network,
    .release = release_network,
};

/* Connections */

static void
on_request(struct netsvc *svc, xpc_connection_t peer, xpc_object_t msg)
{
	xpc_object_t reply = xpc_dictionary_create_reply(msg);
	const char *name = xpc_dictionary_get_string(msg, NETSVC_KEY_NETWORK_NAME);
	int64_t status;

	if (reply == NULL) {
		log_warn("client pid %d: a message that wants no reply, ignored",
		         xpc_connection_get_pid(peer));
		return;
	}
	status =
	    netsvc_request(&svc->state, msg, peer, xpc_connection_get_euid(peer), now_ms(), reply);
	if (status == NETSVC_SUCCESS)
		log_info("client pid %d acquired network %s", xpc_connection_get_pid(peer), name);
	else
		log_warn("client pid %d uid %u: request for network %s refused: %s (error %lld)",
		         xpc_connection_get_pid(peer), (unsigned)xpc_connection_get_euid(peer),
		         name ? name : "(none)", netsvc_status_text(status), (long long)status);
	xpc_connection_send_message(peer, reply);
	xpc_release(reply);
}

static void
on_peer(struct netsvc *svc, xpc_connection_t peer)
{
	pid_t pid = xpc_connection_get_pid(peer);

	if (xpc_connection_set_peer_code_signing_requirement(peer, svc->requirement) != 0) {
		log_error("client pid %d: cannot set the code-signing requirement", pid);
		xpc_connection_cancel(peer);
		return;
	}
	log_debug("client pid %d uid %u connected", pid, (unsigned)xpc_connection_get_euid(peer));
	xpc_connection_set_event_handler(peer, ^(xpc_object_t ev) {
		size_t n;

		if (xpc_get_type(ev) == XPC_TYPE_DICTIONARY) {
			on_request(svc, peer, ev);
		} else if (ev == XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT) {
			log_warn("client pid %d refused: it does not run this program", pid);
			xpc_connection_cancel(peer);
		} else if (ev == XPC_ERROR_CONNECTION_INVALID) {
			n = netsvc_refs_leave(&svc->state.refs, peer, now_ms());
			if (n)
				log_info("client pid %d left; it held %zu network%s", pid, n,
				         n == 1 ? "" : "s");
		}
	});
	xpc_connection_resume(peer);
}

static void
tick(struct netsvc *svc)
{
	uint64_t now = now_ms();
	struct netsvc_refs *r = &svc->state.refs;

	netsvc_release_expired(&svc->state, now);
	if (netsvc_refs_idle(r) && now - r->idle_since >= (uint64_t)svc->cfg.idle_timeout * 1000)
		stop_request(EXIT_SUCCESS, "idle");
}

static void
watch_signal(struct netsvc *svc, int sig, const char *reason)
{
	dispatch_source_t src =
	    dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, (uintptr_t)sig, 0, svc->queue);

	signal(sig, SIG_IGN);
	/* cppcheck cannot parse block literals: the rest of this file is not checked. */
	// cppcheck-suppress syntaxError
	dispatch_source_set_event_handler(src, ^{
		stop_request(EXIT_SUCCESS, reason);
	});
	dispatch_resume(src);
}

/* Listen on the service name. Return: 0, or -1 when the name cannot be had. */
static int
start_listener(struct netsvc *svc)
{
	dispatch_semaphore_t ready = dispatch_semaphore_create(0);
	__block int rc = 0;

	svc->listener_done = dispatch_semaphore_create(0);
	svc->listener = xpc_connection_create_mach_service(svc->service, svc->queue,
	                                                   XPC_CONNECTION_MACH_SERVICE_LISTENER);
	if (svc->listener == NULL)
		return -1;
	xpc_connection_set_event_handler(svc->listener, ^(xpc_object_t ev) {
		if (xpc_get_type(ev) == XPC_TYPE_CONNECTION) {
			on_peer(svc, ev);
		} else if (ev == XPC_ERROR_CONNECTION_INVALID) {
			if (!stop_requested())
				stop_request(EXIT_FAILURE,
				             "the service name cannot be listened on");
			dispatch_semaphore_signal(svc->listener_done);
		}
	});
	xpc_connection_resume(svc->listener);
	/* A name that cannot be had ends the listener at once: let it say so. */
	dispatch_async(svc->queue, ^{
		dispatch_semaphore_signal(ready);
	});
	dispatch_semaphore_wait(ready, DISPATCH_TIME_FOREVER);
	dispatch_release(ready);
	if (stop_requested())
		rc = -1;
	return rc;
}

static int
load_config(struct netsvc *svc, const struct options *o)
{
	char path[4096], error[NETSVC_ERROR_MAX];

	if (o->network_config)
		snprintf(path, sizeof(path), "%s", o->network_config);
	else if (netsvc_default_config(path, sizeof(path)) < 0)
		return netsvc_config_parse("", &svc->cfg, error);
	if (netsvc_config_load(path, &svc->cfg, error) < 0) {
		log_error("%s", error);
		return -1;
	}
	log_info("%zu networks from %s (release delay %us, idle timeout %us)", svc->cfg.count, path,
	         svc->cfg.release_delay, svc->cfg.idle_timeout);
	return 0;
}

/* Release every network and stop listening; return once the name is free. */
static void
shut_down(struct netsvc *svc)
{
	dispatch_time_t limit = dispatch_time(DISPATCH_TIME_NOW, 5 * (int64_t)NSEC_PER_SEC);

	dispatch_sync(svc->queue, ^{
		struct netsvc_refs *r = &svc->state.refs;
		size_t i;

		xpc_connection_cancel(svc->listener);
		for (i = 0; i < r->nrefs; i++) {
			if (r->refs[i].network) {
				svc->state.backend->release(r->refs[i].network);
				log_info("released network %s", r->refs[i].name);
			}
		}
		r->nrefs = 0;
	});
	if (dispatch_semaphore_wait(svc->listener_done, limit) != 0)
		log_warn("the listener did not end in time");
}

int
netsvc_main(const struct options *o)
{
	static struct netsvc svc;
	dispatch_source_t timer;
	int status;

	log_set_verbose(o->verbose);
	log_init("netsvc");
	svc.service = o->network_service ? o->network_service : OPTIONS_NETWORK_SERVICE;
	if (!netopts_have_network_api()) {
		log_error("--serve-networks needs macOS 26");
		return EXIT_FAILURE;
	}
	if (own_requirement(svc.requirement) < 0) {
		log_error_errno("cannot read this program's code signature (csops)");
		return EXIT_FAILURE;
	}
	if (load_config(&svc, o) < 0 || stop_init() < 0)
		return EXIT_FAILURE;
	svc.state.cfg = &svc.cfg;
	svc.state.backend = &vmnet_backend;
	svc.state.euid = geteuid();
	netsvc_refs_init(&svc.state.refs, (uint64_t)svc.cfg.release_delay * 1000, now_ms());
	svc.queue = dispatch_queue_create("netsvc", NULL);
	watch_signal(&svc, SIGINT, "received SIGINT");
	watch_signal(&svc, SIGTERM, "received SIGTERM");
	watch_signal(&svc, SIGHUP, "received SIGHUP");
	if (start_listener(&svc) < 0) {
		log_error("network service %s: cannot listen: the name is taken by another "
		          "service, or not this program's",
		          svc.service);
		return EXIT_FAILURE;
	}
	log_info("serving networks as %s", svc.service);
	timer = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, svc.queue);
	dispatch_source_set_timer(timer, dispatch_time(DISPATCH_TIME_NOW, 0),
	                          NETSVC_TICK_MS * NSEC_PER_MSEC, 0);
	dispatch_source_set_event_handler(timer, ^{
		tick(&svc);
	});
	dispatch_resume(timer);
	status = stop_wait();
	log_info("stopping: %s", stop_reason());
	dispatch_source_cancel(timer);
	shut_down(&svc);
	return status;
}
