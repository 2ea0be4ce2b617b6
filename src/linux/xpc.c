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

struct _xpc_type_s {
	const char *name;
};

const struct _xpc_type_s _xpc_type_array = {"array"};
const struct _xpc_type_s _xpc_type_bool = {"bool"};
const struct _xpc_type_s _xpc_type_dictionary = {"dictionary"};
const struct _xpc_type_s _xpc_type_int64 = {"int64"};
const struct _xpc_type_s _xpc_type_string = {"string"};
const struct _xpc_type_s _xpc_type_uint64 = {"uint64"};
const struct _xpc_type_s _xpc_type_uuid = {"uuid"};

struct xpc_entry {
	char *key;
	struct xpc_obj *value;
};

struct xpc_obj {
	xpc_type_t type;
	atomic_uint refcnt;
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
			struct xpc_entry *entries;
			size_t count;
			size_t cap;
		} dict;
	};
};

static void
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

	o->type = type;
	atomic_init(&o->refcnt, 1);
	return o;
}

/* Return: @object as an xpc_obj if it has @type, else NULL. */
static struct xpc_obj *
xpc_cast(xpc_object_t object, xpc_type_t type)
{
	struct xpc_obj *o = object;

	if (o == NULL || o->type != type)
		return NULL;
	return o;
}

xpc_object_t
xpc_retain(xpc_object_t object)
{
	struct xpc_obj *o = object;

	if (o != NULL)
		atomic_fetch_add_explicit(&o->refcnt, 1, memory_order_relaxed);
	return object;
}

static void
xpc_dispose(struct xpc_obj *o)
{
	size_t i;

	if (o->type == XPC_TYPE_STRING) {
		free(o->str.ptr);
	} else if (o->type == XPC_TYPE_ARRAY) {
		for (i = 0; i < o->arr.count; i++)
			xpc_release(o->arr.items[i]);
		free(o->arr.items);
	} else if (o->type == XPC_TYPE_DICTIONARY) {
		for (i = 0; i < o->dict.count; i++) {
			free(o->dict.entries[i].key);
			xpc_release(o->dict.entries[i].value);
		}
		free(o->dict.entries);
	}
	free(o);
}

void
xpc_release(xpc_object_t object)
{
	struct xpc_obj *o = object;

	if (o == NULL)
		return;
	if (atomic_fetch_sub_explicit(&o->refcnt, 1, memory_order_acq_rel) == 1)
		xpc_dispose(o);
}

unsigned int
xpc_refcount(xpc_object_t object)
{
	struct xpc_obj *o = object;

	return o ? atomic_load(&o->refcnt) : 0;
}

xpc_type_t
xpc_get_type(xpc_object_t object)
{
	struct xpc_obj *o = object;

	return o ? o->type : NULL;
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
	struct xpc_obj *d = xpc_cast(xdict, XPC_TYPE_DICTIONARY);

	return d ? d->dict.count : 0;
}

xpc_object_t
xpc_dictionary_get_value(xpc_object_t xdict, const char *key)
{
	struct xpc_obj *d = xpc_cast(xdict, XPC_TYPE_DICTIONARY);
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

bool
xpc_dictionary_apply(xpc_object_t xdict, xpc_dictionary_applier_t applier)
{
	struct xpc_obj *d = xpc_cast(xdict, XPC_TYPE_DICTIONARY);
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
	fprintf(f, "<%s: ", o->type->name);
	if (o->type == XPC_TYPE_BOOL) {
		fputs(o->b ? "true" : "false", f);
	} else if (o->type == XPC_TYPE_INT64) {
		fprintf(f, "%lld", (long long)o->i64);
	} else if (o->type == XPC_TYPE_UINT64) {
		fprintf(f, "%llu", (unsigned long long)o->u64);
	} else if (o->type == XPC_TYPE_STRING) {
		xpc_describe_string(f, o->str.ptr);
	} else if (o->type == XPC_TYPE_UUID) {
		u = o->uuid;
		fprintf(f,
		        "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
		        "%02X%02X%02X%02X%02X%02X",
		        u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		        u[12], u[13], u[14], u[15]);
	} else if (o->type == XPC_TYPE_ARRAY) {
		fputc('[', f);
		for (i = 0; i < o->arr.count; i++) {
			fputs(i ? ", " : " ", f);
			xpc_describe(f, o->arr.items[i]);
		}
		fputs(o->arr.count ? " ]" : "]", f);
	} else if (o->type == XPC_TYPE_DICTIONARY) {
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
