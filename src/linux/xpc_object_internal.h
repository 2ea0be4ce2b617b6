/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xpc_object_internal.h - the representation of the Linux platform's XPC
 * objects, shared by xpc_object.c (the object model, scalars, errors),
 * xpc_container.c (arrays, dictionaries, messages) and xpc_describe.c
 * (equality, descriptions).
 */
#ifndef XPC_OBJECT_INTERNAL_H
#define XPC_OBJECT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xpc/xpc.h>

#include "xpc_internal.h"

struct xpc_entry {
	char *key;
	struct xpc_obj *value;
};

struct xpc_obj {
	struct xpc_head h;
	union {
		bool b;
		int64_t i64;
		uint64_t u64;
		struct {
			char *ptr;
			size_t len;
		} str;
		uint8_t uuid[16];
		struct {
			struct xpc_obj **items;
			size_t count;
			size_t cap;
		} arr;
		struct {
			uint8_t *ptr;
			size_t len;
		} data;
		struct {
			struct xpc_entry *entries;
			size_t count;
			size_t cap;
			/* A received message: its connection, and its id if the
			 * sender waits for a reply (0 if not, or replied). */
			xpc_connection_t remote;
			uint64_t msg_id;
			/* A reply: the id of the message it answers. */
			uint64_t reply_to;
		} dict;
	};
};

/* Return: a new object of @type with one reference; aborts when out of memory. */
struct xpc_obj *xpc_new(xpc_type_t type);

/* Return: @object as an xpc_obj if it has @type, else NULL. */
struct xpc_obj *xpc_cast(xpc_object_t object, xpc_type_t type);

/* Return: a copy of @s; aborts when out of memory. */
char *xpc_strdup(const char *s);

#endif /* XPC_OBJECT_INTERNAL_H */
