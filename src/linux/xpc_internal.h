/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xpc_internal.h - what the files of the Linux XPC subset (src/linux/xpc*.c)
 * share, and inspection hooks Apple's API does not have (used by the unit
 * tests).
 */
#ifndef XPC_INTERNAL_H
#define XPC_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <xpc/xpc.h>

struct _xpc_type_s {
	const char *name;
};

/* The start of every XPC object, connections included. */
struct xpc_head {
	xpc_type_t type;
	atomic_uint refcnt;
	bool global; /* a static object: retain and release do nothing */
};

/* Return: the current reference count of @object, 0 for NULL. */
unsigned int xpc_refcount(xpc_object_t object);

/* Abort: allocation failed, which the API cannot report (libxpc aborts too). */
__attribute__((noreturn)) void xpc_oom(void);

/* Return: the value of entry @index of @xdict (borrowed) and its key, NULL past the end. */
xpc_object_t xpc_dictionary_entry_at(xpc_object_t xdict, size_t index, const char **key);

/* Free a connection whose last reference went (xpc_connection.c, from xpc_object.c). */
void xpc_connection_dispose(xpc_connection_t connection);

/*
 * Mark a received dictionary with its connection and, when the sender waits
 * for a reply, the message id that xpc_dictionary_create_reply() answers.
 */
void xpc_dictionary_set_remote(xpc_object_t xdict, xpc_connection_t remote, uint64_t msg_id);

/* Return: the id of the message @xdict replies to, 0 if it is no reply. */
uint64_t xpc_dictionary_get_reply_to(xpc_object_t xdict);

/* Make @xdict a reply to message @msg_id (a reply decoded from the wire). */
void xpc_dictionary_set_reply_to(xpc_object_t xdict, uint64_t msg_id);

#endif /* XPC_INTERNAL_H */
