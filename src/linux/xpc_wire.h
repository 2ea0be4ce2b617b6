/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xpc_wire.h - how the Linux XPC connections (xpc_connection.c) put
 * messages on a unix stream socket: a fixed header, then one encoded
 * object. See xpc_wire.c for the format.
 */
#ifndef XPC_WIRE_H
#define XPC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <xpc/xpc.h>

/* Largest encoded object a message may carry. */
#define XPC_WIRE_MAX_BODY (256u * 1024u)
/* Deepest nesting of arrays and dictionaries. */
#define XPC_WIRE_MAX_DEPTH 16
/* Most elements of one array or dictionary. */
#define XPC_WIRE_MAX_ITEMS 1024

#define XPC_WIRE_HEADER_SIZE 16

/* Header flags. */
enum {
	XPC_WIRE_F_WANTS_REPLY = 1 << 0, /* id: the message, answered by a reply */
	XPC_WIRE_F_REPLY = 1 << 1,       /* id: the message this answers */
};

struct xpc_wire_header {
	uint32_t length; /* of the encoded object that follows */
	uint32_t flags;  /* XPC_WIRE_F_* */
	uint64_t id;
};

/* Write @h into @out. */
void xpc_wire_header_pack(uint8_t out[XPC_WIRE_HEADER_SIZE], const struct xpc_wire_header *h);

/*
 * xpc_wire_header_parse() - read and check a header
 * Return: 0, or -1 with errno EBADMSG (unknown flags, both flags, an id of
 * 0 with a flag) or EMSGSIZE (body longer than XPC_WIRE_MAX_BODY).
 */
int xpc_wire_header_parse(const uint8_t in[XPC_WIRE_HEADER_SIZE], struct xpc_wire_header *h);

/*
 * xpc_wire_encode() - encode @object (bool, int64, uint64, string, uuid,
 * data, array, dictionary)
 * @size:	set to the encoded length
 *
 * Return: malloc'd bytes, or NULL with errno EINVAL (a type that cannot be
 * sent, such as a connection or an error, or too deep or too many items) or
 * EMSGSIZE (longer than XPC_WIRE_MAX_BODY).
 */
uint8_t *xpc_wire_encode(xpc_object_t object, size_t *size);

/*
 * xpc_wire_decode() - decode exactly @size bytes into one object
 * Return: +1 object, or NULL with errno EBADMSG for anything but one
 * well-formed object within the limits above.
 */
xpc_object_t xpc_wire_decode(const uint8_t *buf, size_t size);

#endif /* XPC_WIRE_H */
