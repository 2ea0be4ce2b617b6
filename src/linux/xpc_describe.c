// SPDX-License-Identifier: Apache-2.0
/*
 * xpc_describe.c - comparing and describing XPC objects on Linux:
 * xpc_equal() and xpc_copy_description().
 *
 * Both walk an object recursively by its type: equal objects have the same
 * type and value (dictionaries the same keys, in any order); errors and
 * connections are equal only to themselves. A description is one line,
 * "<type: value>", with strings quoted and escaped.
 */
#include <stdio.h>
#include <string.h>

#include <xpc/xpc.h>

#include "xpc_object_internal.h"

/* Equality */

/* Return: whether @object1 and @object2 have the same type and value, recursively. */
bool
xpc_equal(xpc_object_t object1, xpc_object_t object2)
{
	struct xpc_obj *a = object1, *b = object2;
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
			if (!xpc_equal(a->dict.entries[i].value,
			               xpc_dictionary_get_value(b, a->dict.entries[i].key)))
				return false;
		}
		return true;
	}
	return false; /* errors and connections: only identity */
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
