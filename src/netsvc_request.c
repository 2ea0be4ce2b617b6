// SPDX-License-Identifier: Apache-2.0
/*
 * netsvc_request.c - the network service's answer to one request (see
 * netsvc_request.h). Whatever the request holds, the answer is a reply
 * with a status code: nothing a client sends can crash the service.
 */
#include "netsvc_request.h"

#include <string.h>

#include "log.h"
#include "netsvc_proto.h"

const char *
netsvc_status_text(int64_t status)
{
	switch (status) {
	case NETSVC_SUCCESS:
		return "success";
	case NETSVC_XPC_FAILURE:
		return "no answer from the network service";
	case NETSVC_INVALID_REPLY:
		return "the network service sent an invalid reply";
	case NETSVC_NOT_ALLOWED:
		return "not allowed to use the network";
	case NETSVC_INVALID_REQUEST:
		return "invalid request";
	case NETSVC_NOT_FOUND:
		return "no network of that name";
	case NETSVC_CREATE_FAILURE:
		return "the network could not be created";
	case NETSVC_INTERNAL_ERROR:
		return "internal error of the network service";
	default:
		return "unknown error";
	}
}

static int64_t
fail(xpc_object_t reply, int64_t status)
{
	xpc_dictionary_set_int64(reply, NETSVC_KEY_ERROR, status);
	return status;
}

/* Return: the network @name for @client, created if needed, or an error status. */
static int64_t
acquire(struct netsvc_state *s, const struct netsvc_network *def, const void *client, uint64_t now,
        xpc_object_t reply)
{
	struct netsvc_ref *ref = netsvc_refs_acquire(&s->refs, client, def->name);
	xpc_object_t ser;
	const char *why = "unknown";

	if (ref->network == NULL) {
		ref->network = s->backend->create(def, &why);
		if (ref->network == NULL) {
			log_error("cannot create network %s: %s", def->name, why);
			netsvc_refs_abort(&s->refs, client, def->name, now);
			return fail(reply, NETSVC_CREATE_FAILURE);
		}
		log_info("created network %s", def->name);
	}
	ser = s->backend->serialize(ref->network);
	if (ser == NULL) {
		log_error("cannot serialize network %s", def->name);
		return fail(reply, NETSVC_INTERNAL_ERROR);
	}
	xpc_dictionary_set_value(reply, NETSVC_KEY_NETWORK, ser);
	xpc_release(ser);
	return NETSVC_SUCCESS;
}

int64_t
netsvc_request(struct netsvc_state *s, xpc_object_t request, const void *client, uid_t peer_euid,
               uint64_t now, xpc_object_t reply)
{
	const struct netsvc_network *def;
	const char *command, *name;

	if (peer_euid != s->euid)
		return fail(reply, NETSVC_NOT_ALLOWED);
	if (xpc_get_type(request) != XPC_TYPE_DICTIONARY)
		return fail(reply, NETSVC_INVALID_REQUEST);
	command = xpc_dictionary_get_string(request, NETSVC_KEY_COMMAND);
	name = xpc_dictionary_get_string(request, NETSVC_KEY_NETWORK_NAME);
	if (command == NULL || strcmp(command, NETSVC_COMMAND_ACQUIRE) != 0 || name == NULL ||
	    !netsvc_config_valid_name(name))
		return fail(reply, NETSVC_INVALID_REQUEST);
	def = netsvc_config_find(s->cfg, name);
	if (def == NULL)
		return fail(reply, NETSVC_NOT_FOUND);
	return acquire(s, def, client, now, reply);
}

void
netsvc_release_expired(struct netsvc_state *s, uint64_t now)
{
	char name[NETSVC_NAME_MAX + 1];
	void *network;

	while ((network = netsvc_refs_take_expired(&s->refs, now, name)) != NULL) {
		s->backend->release(network);
		log_info("released network %s", name);
	}
}
