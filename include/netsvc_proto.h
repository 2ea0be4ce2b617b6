/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netsvc_proto.h - the network service's protocol, vmnet-broker's
 * (github.com/nirs/vmnet-broker, docs/protocol.md): a request is a
 * dictionary {command: "acquire", network_name: NAME}; the reply is
 * {network: SERIALIZATION} or {error: CODE}. The connection stays open
 * while the client uses the network: closing it (or dying) releases it.
 */
#ifndef NETSVC_PROTO_H
#define NETSVC_PROTO_H

#include <stdint.h>

#define NETSVC_KEY_COMMAND      "command"
#define NETSVC_KEY_NETWORK_NAME "network_name"
#define NETSVC_COMMAND_ACQUIRE  "acquire"
#define NETSVC_KEY_NETWORK      "network"
#define NETSVC_KEY_ERROR        "error"

/* vmnet-broker's status codes; 1 and 2 are the client's own. */
enum netsvc_status {
	NETSVC_SUCCESS = 0,
	NETSVC_XPC_FAILURE = 1,     /* the request could not be sent, or no reply */
	NETSVC_INVALID_REPLY = 2,   /* the reply has neither network nor error */
	NETSVC_NOT_ALLOWED = 3,     /* another user */
	NETSVC_INVALID_REQUEST = 4, /* not an acquire with a network name */
	NETSVC_NOT_FOUND = 5,       /* no network of that name */
	NETSVC_CREATE_FAILURE = 6,  /* vmnet could not create it */
	NETSVC_INTERNAL_ERROR = 7,
};

/* Return: what @status means, for a log line. */
const char *netsvc_status_text(int64_t status);

#endif /* NETSVC_PROTO_H */
