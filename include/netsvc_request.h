/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netsvc_request.h - the network service's answer to one request: checks,
 * reference counting and network creation, without the XPC plumbing
 * (netsvc.c), so that every answer is unit tested.
 */
#ifndef NETSVC_REQUEST_H
#define NETSVC_REQUEST_H

#include <stdint.h>
#include <sys/types.h>

#include <xpc/xpc.h>

#include "netsvc_config.h"
#include "netsvc_refs.h"

/* How networks are made: the vmnet calls, replaced by fakes in tests. */
struct netsvc_backend {
	/* Return: a new network (+1), or NULL with @why set. */
	void *(*create)(const struct netsvc_network *def, const char **why);
	/* Return: the network's serialization (+1), or NULL. */
	xpc_object_t (*serialize)(void *network);
	void (*release)(void *network);
};

struct netsvc_state {
	const struct netsvc_config *cfg;
	struct netsvc_refs refs;
	const struct netsvc_backend *backend;
	uid_t euid; /* the service's user: the only one served */
};

/*
 * netsvc_request() - answer @request from @client (whose effective uid is
 * @peer_euid) in @reply: "network" on success, else "error"
 *
 * Return: the status put in the reply (NETSVC_SUCCESS or an error code).
 */
int64_t netsvc_request(struct netsvc_state *s, xpc_object_t request, const void *client,
                       uid_t peer_euid, uint64_t now, xpc_object_t reply);

/* Release every network whose delay is over. */
void netsvc_release_expired(struct netsvc_state *s, uint64_t now);

#endif /* NETSVC_REQUEST_H */
