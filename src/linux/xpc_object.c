// SPDX-License-Identifier: Apache-2.0
/*
 * xpc_object.c - XPC objects for Linux: the object model of the subset of
 * Apple's API that vmnet uses, its scalars, and the well-known errors.
 *
 * Theory of operation: every object starts with a type pointer and an
 * atomic reference count (struct xpc_head), so objects may be retained and
 * released on any thread; the last release frees an object by its type,
 * its elements (xpc_container.c) and connections (xpc_connection.c)
 * included. Mutating one object from two threads at once is not supported
 * (nor documented on macOS).
 *
 * The well-known errors (XPC_ERROR_*) are static objects of type error
 * that the dictionary getters read like dictionaries, as on macOS;
 * retaining or releasing them does nothing.
 *
 * Calls with NULL or an object of the wrong type do nothing and return the
 * "empty" value (0, false, NULL). libxpc traps on some of these misuses; here
 * they are harmless so that a bug in a caller fails a test, not the process.
 * Allocation failure aborts, as libxpc does: the API has no way to report it.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xpc/xpc.h>

#include "xpc_object_internal.h"

const struct _xpc_type_s _xpc_type_array = {"array"};
const struct _xpc_type_s _xpc_type_bool = {"bool"};
const struct _xpc_type_s _xpc_type_dictionary = {"dictionary"};
const struct _xpc_type_s _xpc_type_int64 = {"int64"};
const struct _xpc_type_s _xpc_type_string = {"string"};
const struct _xpc_type_s _xpc_type_uint64 = {"uint64"};
const struct _xpc_type_s _xpc_type_uuid = {"uuid"};
const struct _xpc_type_s _xpc_type_data = {"data"};
const struct _xpc_type_s _xpc_type_error = {"error"};
const struct _xpc_type_s _xpc_type_connection = {"connection"};

void
xpc_oom(void)
{
	static const char msg[] = "xpc: out of memory\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	abort();
}

static void *
xpc_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb, size);

	if (p == NULL)
		xpc_oom();
	return p;
}

char *
xpc_strdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		xpc_oom();
	return p;
}

struct xpc_obj *
xpc_new(xpc_type_t type)
{
	struct xpc_obj *o = xpc_calloc(1, sizeof(*o));

	o->h.type = type;
	atomic_init(&o->h.refcnt, 1);
	return o;
}

struct xpc_obj *
xpc_cast(xpc_object_t object, xpc_type_t type)
{
	struct xpc_obj *o = object;

	if (o == NULL || o->h.type != type)
		return NULL;
	return o;
}

xpc_object_t
xpc_retain(xpc_object_t object)
{
	struct xpc_obj *o = object;

	if (o != NULL && !o->h.global)
		atomic_fetch_add_explicit(&o->h.refcnt, 1, memory_order_relaxed);
	return object;
}

static void
xpc_dispose(struct xpc_obj *o)
{
	size_t i;

	if (o->h.type == XPC_TYPE_CONNECTION) {
		xpc_connection_dispose((xpc_connection_t)(void *)o);
		return;
	}
	if (o->h.type == XPC_TYPE_STRING) {
		free(o->str.ptr);
	} else if (o->h.type == XPC_TYPE_DATA) {
		free(o->data.ptr);
	} else if (o->h.type == XPC_TYPE_ARRAY) {
		for (i = 0; i < o->arr.count; i++)
			xpc_release(o->arr.items[i]);
		free(o->arr.items);
	} else if (o->h.type == XPC_TYPE_DICTIONARY) {
		for (i = 0; i < o->dict.count; i++) {
			free(o->dict.entries[i].key);
			xpc_release(o->dict.entries[i].value);
		}
		free(o->dict.entries);
		xpc_release(o->dict.remote);
	}
	free(o);
}

void
xpc_release(xpc_object_t object)
{
	struct xpc_obj *o = object;

	if (o == NULL || o->h.global)
		return;
	if (atomic_fetch_sub_explicit(&o->h.refcnt, 1, memory_order_acq_rel) == 1)
		xpc_dispose(o);
}

unsigned int
xpc_refcount(xpc_object_t object)
{
	struct xpc_obj *o = object;

	return o ? atomic_load(&o->h.refcnt) : 0;
}

xpc_type_t
xpc_get_type(xpc_object_t object)
{
	struct xpc_obj *o = object;

	return o ? o->h.type : NULL;
}

/* Scalars and strings */

xpc_object_t
xpc_bool_create(bool value)
{
	struct xpc_obj *o = xpc_new(XPC_TYPE_BOOL);

	o->b = value;
	return o;
}

bool
xpc_bool_get_value(xpc_object_t xbool)
{
	struct xpc_obj *o = xpc_cast(xbool, XPC_TYPE_BOOL);

	return o ? o->b : false;
}

xpc_object_t
xpc_int64_create(int64_t value)
{
	struct xpc_obj *o = xpc_new(XPC_TYPE_INT64);

	o->i64 = value;
	return o;
}

int64_t
xpc_int64_get_value(xpc_object_t xint)
{
	struct xpc_obj *o = xpc_cast(xint, XPC_TYPE_INT64);

	return o ? o->i64 : 0;
}

xpc_object_t
xpc_uint64_create(uint64_t value)
{
	struct xpc_obj *o = xpc_new(XPC_TYPE_UINT64);

	o->u64 = value;
	return o;
}

uint64_t
xpc_uint64_get_value(xpc_object_t xuint)
{
	struct xpc_obj *o = xpc_cast(xuint, XPC_TYPE_UINT64);

	return o ? o->u64 : 0;
}

xpc_object_t
xpc_string_create(const char *string)
{
	struct xpc_obj *o = xpc_new(XPC_TYPE_STRING);

	o->str.ptr = xpc_strdup(string ? string : "");
	o->str.len = strlen(o->str.ptr);
	return o;
}

const char *
xpc_string_get_string_ptr(xpc_object_t xstring)
{
	struct xpc_obj *o = xpc_cast(xstring, XPC_TYPE_STRING);

	return o ? o->str.ptr : NULL;
}

size_t
xpc_string_get_length(xpc_object_t xstring)
{
	struct xpc_obj *o = xpc_cast(xstring, XPC_TYPE_STRING);

	return o ? o->str.len : 0;
}

xpc_object_t
xpc_uuid_create(const uuid_t uuid)
{
	struct xpc_obj *o = xpc_new(XPC_TYPE_UUID);

	memcpy(o->uuid, uuid, sizeof(o->uuid));
	return o;
}

const uint8_t *
xpc_uuid_get_bytes(xpc_object_t xuuid)
{
	struct xpc_obj *o = xpc_cast(xuuid, XPC_TYPE_UUID);

	return o ? o->uuid : NULL;
}

xpc_object_t
xpc_data_create(const void *bytes, size_t length)
{
	struct xpc_obj *o = xpc_new(XPC_TYPE_DATA);

	/* One byte more, so that empty data has a non-NULL pointer too. */
	o->data.ptr = xpc_calloc(1, length + 1);
	if (length > 0 && bytes != NULL)
		memcpy(o->data.ptr, bytes, length);
	o->data.len = length;
	return o;
}

size_t
xpc_data_get_length(xpc_object_t xdata)
{
	struct xpc_obj *o = xpc_cast(xdata, XPC_TYPE_DATA);

	return o ? o->data.len : 0;
}

const void *
xpc_data_get_bytes_ptr(xpc_object_t xdata)
{
	struct xpc_obj *o = xpc_cast(xdata, XPC_TYPE_DATA);

	return o ? o->data.ptr : NULL;
}

/* Copy up to @length bytes from @offset into @buffer. Return: bytes copied. */
size_t
xpc_data_get_bytes(xpc_object_t xdata, void *buffer, size_t offset, size_t length)
{
	struct xpc_obj *o = xpc_cast(xdata, XPC_TYPE_DATA);
	size_t n;

	if (o == NULL || buffer == NULL || offset >= o->data.len)
		return 0;
	n = o->data.len - offset;
	if (n > length)
		n = length;
	memcpy(buffer, o->data.ptr + offset, n);
	return n;
}

/* Errors: static objects read like dictionaries with a description. */

const char *const _xpc_error_key_description = "XPCErrorDescription";

struct _xpc_dictionary_s {
	struct xpc_obj obj;
};

#define XPC_STATIC_STRING(text)                                                                    \
	{                                                                                          \
		.h = {.type = XPC_TYPE_STRING, .global = true},                                    \
		.str = {.ptr = (char *)(text), .len = sizeof(text) - 1},                           \
	}

static struct xpc_obj xpc_desc_interrupted = XPC_STATIC_STRING("Connection interrupted");
static struct xpc_obj xpc_desc_invalid = XPC_STATIC_STRING("Connection invalid");
static struct xpc_obj xpc_desc_csreq = XPC_STATIC_STRING("Peer code signing requirement not met");

static struct xpc_entry xpc_entries_interrupted[] = {
    {(char *)"XPCErrorDescription", &xpc_desc_interrupted}};
static struct xpc_entry xpc_entries_invalid[] = {
    {(char *)"XPCErrorDescription", &xpc_desc_invalid}};
static struct xpc_entry xpc_entries_csreq[] = {{(char *)"XPCErrorDescription", &xpc_desc_csreq}};

#define XPC_STATIC_ERROR(table)                                                                    \
	{                                                                                          \
		.obj = {                                                                           \
		    .h = {.type = XPC_TYPE_ERROR, .global = true},                                 \
		    .dict = {.entries = (table), .count = 1, .cap = 1},                            \
		},                                                                                 \
	}

struct _xpc_dictionary_s _xpc_error_connection_interrupted =
    XPC_STATIC_ERROR(xpc_entries_interrupted);
struct _xpc_dictionary_s _xpc_error_connection_invalid = XPC_STATIC_ERROR(xpc_entries_invalid);
struct _xpc_dictionary_s _xpc_error_peer_code_signing_requirement =
    XPC_STATIC_ERROR(xpc_entries_csreq);
