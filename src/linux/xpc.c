// SPDX-License-Identifier: Apache-2.0
/*
 * xpc.c - XPC objects for Linux: the subset of Apple's API that vmnet uses.
 *
 * Every object starts with a type pointer and an atomic reference count, so
 * objects may be retained and released on any thread. Mutating one object
 * from two threads at once is not supported (nor documented on macOS).
 *
 * Dictionaries are small arrays of key/value pairs kept in insertion order:
 * vmnet dictionaries hold about 15 keys, so a linear search beats hashing.
 *
 * The well-known errors (XPC_ERROR_*) are static objects of type error that
 * the dictionary getters read like dictionaries, as on macOS; retaining or
 * releasing them does nothing. A received message remembers its connection
 * and, when its sender waits, the message id xpc_dictionary_create_reply()
 * answers.
 *
 * Calls with NULL or an object of the wrong type do nothing and return the
 * "empty" value (0, false, NULL). libxpc traps on some of these misuses; here
 * they are harmless so that a bug in a caller fails a test, not the process.
 * Allocation failure aborts, as libxpc does: the API has no way to report it.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xpc/xpc.h>

#include "xpc_internal.h"

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

static char *
xpc_strdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		xpc_oom();
	return p;
}

/*
 * xpc_grow() - make room for one more element in a growable array
 * @base:	the array
 * @count:	elements in use
 * @cap:	capacity in elements, updated
 * @size:	size of one element
 *
 * Return: the array, moved if it had to grow.
 */
static void *
xpc_grow(void *base, size_t count, size_t *cap, size_t size)
{
	size_t ncap;
	void *n;

	if (count < *cap)
		return base;
	ncap = *cap ? *cap * 2 : 16;
	n = reallocarray(base, ncap, size);
	if (n == NULL)
		xpc_oom();
	*cap = ncap;
	return n;
}

static struct xpc_obj *
xpc_new(xpc_type_t type)
{
	struct xpc_obj *o = xpc_calloc(1, sizeof(*o));

	o->h.type = type;
	atomic_init(&o->h.refcnt, 1);
	return o;
}

/* Return: @object as an xpc_obj if it has @type, else NULL. */
static struct xpc_obj *
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

/* Arrays */

xpc_object_t
xpc_array_create(const xpc_object_t *objects, size_t count)
{
	struct xpc_obj *a = xpc_new(XPC_TYPE_ARRAY);
	size_t i;

	for (i = 0; i < count; i++)
		xpc_array_append_value(a, objects[i]);
	return a;
}

xpc_object_t
xpc_array_create_empty(void)
{
	return xpc_new(XPC_TYPE_ARRAY);
}

size_t
xpc_array_get_count(xpc_object_t xarray)
{
	struct xpc_obj *a = xpc_cast(xarray, XPC_TYPE_ARRAY);

	return a ? a->arr.count : 0;
}

xpc_object_t
xpc_array_get_value(xpc_object_t xarray, size_t index)
{
	struct xpc_obj *a = xpc_cast(xarray, XPC_TYPE_ARRAY);

	if (a == NULL || index >= a->arr.count)
		return NULL;
	return a->arr.items[index];
}

/*
 * Replace the value at @index, or append with XPC_ARRAY_APPEND. An index
 * past the end is ignored (libxpc traps).
 */
void
xpc_array_set_value(xpc_object_t xarray, size_t index, xpc_object_t value)
{
	struct xpc_obj *a = xpc_cast(xarray, XPC_TYPE_ARRAY);
	struct xpc_obj *old;

	if (a == NULL || value == NULL)
		return;
	if (index == XPC_ARRAY_APPEND) {
		a->arr.items =
		    xpc_grow(a->arr.items, a->arr.count, &a->arr.cap, sizeof(*a->arr.items));
		a->arr.items[a->arr.count++] = xpc_retain(value);
		return;
	}
	if (index >= a->arr.count)
		return;
	old = a->arr.items[index];
	a->arr.items[index] = xpc_retain(value);
	xpc_release(old);
}

void
xpc_array_append_value(xpc_object_t xarray, xpc_object_t value)
{
	xpc_array_set_value(xarray, XPC_ARRAY_APPEND, value);
}

const char *
xpc_array_get_string(xpc_object_t xarray, size_t index)
{
	return xpc_string_get_string_ptr(xpc_array_get_value(xarray, index));
}

void
xpc_array_set_string(xpc_object_t xarray, size_t index, const char *string)
{
	xpc_object_t s;

	if (xpc_cast(xarray, XPC_TYPE_ARRAY) == NULL)
		return;
	s = xpc_string_create(string);
	xpc_array_set_value(xarray, index, s);
	xpc_release(s);
}

bool
xpc_array_apply(xpc_object_t xarray, xpc_array_applier_t applier)
{
	struct xpc_obj *a = xpc_cast(xarray, XPC_TYPE_ARRAY);
	size_t i;

	if (a == NULL)
		return true;
	for (i = 0; i < a->arr.count; i++) {
		if (!applier(i, a->arr.items[i]))
			return false;
	}
	return true;
}

/* Dictionaries */

/* Return: @object if it is a dictionary or an error (read like one), else NULL. */
static struct xpc_obj *
xpc_dict_readable(xpc_object_t object)
{
	struct xpc_obj *o = object;

	if (o == NULL || (o->h.type != XPC_TYPE_DICTIONARY && o->h.type != XPC_TYPE_ERROR))
		return NULL;
	return o;
}

/* Return: the entry for @key in @d, or NULL. */
static struct xpc_entry *
xpc_dict_find(struct xpc_obj *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->dict.count; i++) {
		if (strcmp(d->dict.entries[i].key, key) == 0)
			return &d->dict.entries[i];
	}
	return NULL;
}

xpc_object_t
xpc_dictionary_create(const char *const *keys, const xpc_object_t *values, size_t count)
{
	struct xpc_obj *d = xpc_new(XPC_TYPE_DICTIONARY);
	size_t i;

	for (i = 0; i < count; i++)
		xpc_dictionary_set_value(d, keys[i], values[i]);
	return d;
}

xpc_object_t
xpc_dictionary_create_empty(void)
{
	return xpc_new(XPC_TYPE_DICTIONARY);
}

size_t
xpc_dictionary_get_count(xpc_object_t xdict)
{
	struct xpc_obj *d = xpc_dict_readable(xdict);

	return d ? d->dict.count : 0;
}

xpc_object_t
xpc_dictionary_get_value(xpc_object_t xdict, const char *key)
{
	struct xpc_obj *d = xpc_dict_readable(xdict);
	struct xpc_entry *e;

	if (d == NULL || key == NULL)
		return NULL;
	e = xpc_dict_find(d, key);
	return e ? e->value : NULL;
}

/* Retain @value under @key, replacing (and releasing) an old value; NULL removes @key. */
void
xpc_dictionary_set_value(xpc_object_t xdict, const char *key, xpc_object_t value)
{
	struct xpc_obj *d = xpc_cast(xdict, XPC_TYPE_DICTIONARY);
	struct xpc_obj *old;
	struct xpc_entry *e;
	size_t tail;

	if (d == NULL || key == NULL)
		return;
	e = xpc_dict_find(d, key);
	if (e == NULL) {
		if (value == NULL)
			return;
		d->dict.entries =
		    xpc_grow(d->dict.entries, d->dict.count, &d->dict.cap, sizeof(*e));
		e = &d->dict.entries[d->dict.count++];
		e->key = xpc_strdup(key);
		e->value = xpc_retain(value);
		return;
	}
	old = e->value;
	if (value != NULL) {
		e->value = xpc_retain(value);
	} else {
		free(e->key);
		tail = d->dict.count - (size_t)(e - d->dict.entries) - 1;
		memmove(e, e + 1, tail * sizeof(*e));
		d->dict.count--;
	}
	xpc_release(old);
}

xpc_object_t
xpc_dictionary_entry_at(xpc_object_t xdict, size_t index, const char **key)
{
	struct xpc_obj *d = xpc_cast(xdict, XPC_TYPE_DICTIONARY);

	if (d == NULL || index >= d->dict.count)
		return NULL;
	*key = d->dict.entries[index].key;
	return d->dict.entries[index].value;
}

bool
xpc_dictionary_apply(xpc_object_t xdict, xpc_dictionary_applier_t applier)
{
	struct xpc_obj *d = xpc_dict_readable(xdict);
	size_t i;

	if (d == NULL)
		return true;
	for (i = 0; i < d->dict.count; i++) {
		if (!applier(d->dict.entries[i].key, d->dict.entries[i].value))
			return false;
	}
	return true;
}

/* Store a new object under @key, dropping our creation reference. */
static void
xpc_dict_set_new(xpc_object_t xdict, const char *key, xpc_object_t value)
{
	xpc_dictionary_set_value(xdict, key, value);
	xpc_release(value);
}

bool
xpc_dictionary_get_bool(xpc_object_t xdict, const char *key)
{
	return xpc_bool_get_value(xpc_dictionary_get_value(xdict, key));
}

void
xpc_dictionary_set_bool(xpc_object_t xdict, const char *key, bool value)
{
	if (xpc_cast(xdict, XPC_TYPE_DICTIONARY) != NULL)
		xpc_dict_set_new(xdict, key, xpc_bool_create(value));
}

int64_t
xpc_dictionary_get_int64(xpc_object_t xdict, const char *key)
{
	return xpc_int64_get_value(xpc_dictionary_get_value(xdict, key));
}

void
xpc_dictionary_set_int64(xpc_object_t xdict, const char *key, int64_t value)
{
	if (xpc_cast(xdict, XPC_TYPE_DICTIONARY) != NULL)
		xpc_dict_set_new(xdict, key, xpc_int64_create(value));
}

uint64_t
xpc_dictionary_get_uint64(xpc_object_t xdict, const char *key)
{
	return xpc_uint64_get_value(xpc_dictionary_get_value(xdict, key));
}

void
xpc_dictionary_set_uint64(xpc_object_t xdict, const char *key, uint64_t value)
{
	if (xpc_cast(xdict, XPC_TYPE_DICTIONARY) != NULL)
		xpc_dict_set_new(xdict, key, xpc_uint64_create(value));
}

const char *
xpc_dictionary_get_string(xpc_object_t xdict, const char *key)
{
	return xpc_string_get_string_ptr(xpc_dictionary_get_value(xdict, key));
}

void
xpc_dictionary_set_string(xpc_object_t xdict, const char *key, const char *string)
{
	if (xpc_cast(xdict, XPC_TYPE_DICTIONARY) != NULL && string != NULL)
		xpc_dict_set_new(xdict, key, xpc_string_create(string));
}

const uint8_t *
xpc_dictionary_get_uuid(xpc_object_t xdict, const char *key)
{
	return xpc_uuid_get_bytes(xpc_dictionary_get_value(xdict, key));
}

void
xpc_dictionary_set_uuid(xpc_object_t xdict, const char *key, const uuid_t uuid)
{
	if (xpc_cast(xdict, XPC_TYPE_DICTIONARY) != NULL && uuid != NULL)
		xpc_dict_set_new(xdict, key, xpc_uuid_create(uuid));
}

const void *
xpc_dictionary_get_data(xpc_object_t xdict, const char *key, size_t *length)
{
	xpc_object_t v = xpc_dictionary_get_value(xdict, key);

	if (xpc_cast(v, XPC_TYPE_DATA) == NULL)
		return NULL;
	if (length != NULL)
		*length = xpc_data_get_length(v);
	return xpc_data_get_bytes_ptr(v);
}

void
xpc_dictionary_set_data(xpc_object_t xdict, const char *key, const void *bytes, size_t length)
{
	if (xpc_cast(xdict, XPC_TYPE_DICTIONARY) != NULL)
		xpc_dict_set_new(xdict, key, xpc_data_create(bytes, length));
}

/* Messages and replies */

void
xpc_dictionary_set_remote(xpc_object_t xdict, xpc_connection_t remote, uint64_t msg_id)
{
	struct xpc_obj *d = xpc_cast(xdict, XPC_TYPE_DICTIONARY);

	if (d == NULL)
		return;
	xpc_retain(remote);
	xpc_release(d->dict.remote);
	d->dict.remote = remote;
	d->dict.msg_id = msg_id;
}

uint64_t
xpc_dictionary_get_reply_to(xpc_object_t xdict)
{
	struct xpc_obj *d = xpc_cast(xdict, XPC_TYPE_DICTIONARY);

	return d ? d->dict.reply_to : 0;
}

void
xpc_dictionary_set_reply_to(xpc_object_t xdict, uint64_t msg_id)
{
	struct xpc_obj *d = xpc_cast(xdict, XPC_TYPE_DICTIONARY);

	if (d != NULL)
		d->dict.reply_to = msg_id;
}

/*
 * A reply to a received message whose sender waits for one; sending it on
 * the message's connection runs the sender's reply handler.
 *
 * Return: +1 dictionary, or NULL if @original expects no reply or already
 * has one.
 */
xpc_object_t
xpc_dictionary_create_reply(xpc_object_t original)
{
	struct xpc_obj *d = xpc_cast(original, XPC_TYPE_DICTIONARY);
	struct xpc_obj *r;

	if (d == NULL || d->dict.remote == NULL || d->dict.msg_id == 0)
		return NULL;
	r = xpc_new(XPC_TYPE_DICTIONARY);
	r->dict.reply_to = d->dict.msg_id;
	r->dict.remote = xpc_retain(d->dict.remote);
	d->dict.msg_id = 0;
	return r;
}

/* Return: the connection a message came from (borrowed), NULL if none. */
xpc_connection_t
xpc_dictionary_get_remote_connection(xpc_object_t xdict)
{
	struct xpc_obj *d = xpc_cast(xdict, XPC_TYPE_DICTIONARY);

	return d ? d->dict.remote : NULL;
}

/* Equality */

/* Return: whether @object1 and @object2 have the same type and value, recursively. */
bool
xpc_equal(xpc_object_t object1, xpc_object_t object2)
{
	struct xpc_obj *a = object1, *b = object2;
	struct xpc_entry *e;
	size_t i;

	if (a == b)
		return true;
	if (a == NULL || b == NULL || a->h.type != b->h.type)
		return false;
	if (a->h.type == XPC_TYPE_BOOL)
		return a->b == b->b;
	if (a->h.type == XPC_TYPE_INT64)
		return a->i64 == b->i64;
	if (a->h.type == XPC_TYPE_UINT64)
		return a->u64 == b->u64;
	if (a->h.type == XPC_TYPE_STRING)
		return a->str.len == b->str.len && memcmp(a->str.ptr, b->str.ptr, a->str.len) == 0;
	if (a->h.type == XPC_TYPE_UUID)
		return memcmp(a->uuid, b->uuid, sizeof(a->uuid)) == 0;
	if (a->h.type == XPC_TYPE_DATA)
		return a->data.len == b->data.len &&
		       memcmp(a->data.ptr, b->data.ptr, a->data.len) == 0;
	if (a->h.type == XPC_TYPE_ARRAY) {
		if (a->arr.count != b->arr.count)
			return false;
		for (i = 0; i < a->arr.count; i++) {
			if (!xpc_equal(a->arr.items[i], b->arr.items[i]))
				return false;
		}
		return true;
	}
	if (a->h.type == XPC_TYPE_DICTIONARY) {
		if (a->dict.count != b->dict.count)
			return false;
		for (i = 0; i < a->dict.count; i++) {
			e = xpc_dict_find(b, a->dict.entries[i].key);
			if (e == NULL || !xpc_equal(a->dict.entries[i].value, e->value))
				return false;
		}
		return true;
	}
	return false; /* errors and connections: only identity */
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

/* Description */

static void
xpc_describe_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Write "<type: value>" for @o, recursing into containers. */
static void
xpc_describe(FILE *f, const struct xpc_obj *o)
{
	const uint8_t *u;
	size_t i;

	if (o == NULL) {
		fputs("<null>", f);
		return;
	}
	fprintf(f, "<%s: ", o->h.type->name);
	if (o->h.type == XPC_TYPE_BOOL) {
		fputs(o->b ? "true" : "false", f);
	} else if (o->h.type == XPC_TYPE_INT64) {
		fprintf(f, "%lld", (long long)o->i64);
	} else if (o->h.type == XPC_TYPE_UINT64) {
		fprintf(f, "%llu", (unsigned long long)o->u64);
	} else if (o->h.type == XPC_TYPE_STRING) {
		xpc_describe_string(f, o->str.ptr);
	} else if (o->h.type == XPC_TYPE_UUID) {
		u = o->uuid;
		fprintf(f,
		        "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
		        "%02X%02X%02X%02X%02X%02X",
		        u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		        u[12], u[13], u[14], u[15]);
	} else if (o->h.type == XPC_TYPE_DATA) {
		fprintf(f, "%zu bytes", o->data.len);
	} else if (o->h.type == XPC_TYPE_ARRAY) {
		fputc('[', f);
		for (i = 0; i < o->arr.count; i++) {
			fputs(i ? ", " : " ", f);
			xpc_describe(f, o->arr.items[i]);
		}
		fputs(o->arr.count ? " ]" : "]", f);
	} else if (o->h.type == XPC_TYPE_DICTIONARY || o->h.type == XPC_TYPE_ERROR) {
		fputc('{', f);
		for (i = 0; i < o->dict.count; i++) {
			fputs(i ? ", " : " ", f);
			xpc_describe_string(f, o->dict.entries[i].key);
			fputs(" => ", f);
			xpc_describe(f, o->dict.entries[i].value);
		}
		fputs(o->dict.count ? " }" : "}", f);
	}
	fputc('>', f);
}

/*
 * Describe @object on one line, e.g.
 * <dictionary: { "mtu" => <uint64: 1500>, "name" => <string: "en0"> }>
 *
 * Return: a malloc'd string the caller frees.
 */
char *
xpc_copy_description(xpc_object_t object)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (f == NULL)
		xpc_oom();
	xpc_describe(f, object);
	if (fclose(f) != 0)
		xpc_oom();
	return buf;
}
