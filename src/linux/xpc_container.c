// SPDX-License-Identifier: Apache-2.0
/*
 * xpc_container.c - XPC arrays and dictionaries for Linux, and the
 * dictionaries that are messages and replies of a connection.
 *
 * Theory of operation: both containers are growable arrays that retain
 * their elements (released when the container goes, xpc_object.c).
 * Dictionaries keep their key/value pairs in insertion order: vmnet
 * dictionaries hold about 15 keys, so a linear search beats hashing. The
 * getters also read the static errors, which are dictionaries of one
 * description. A received message remembers its connection and, when its
 * sender waits, the message id xpc_dictionary_create_reply() answers; a
 * reply remembers the id it answers, which xpc_connection_send_message()
 * sends back.
 */
#include <stdlib.h>
#include <string.h>

#include <xpc/xpc.h>

#include "xpc_object_internal.h"

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
