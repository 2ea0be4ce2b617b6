// SPDX-License-Identifier: Apache-2.0
/*
 * xpc_wire.c - the encoding of XPC objects on the Linux platform's service
 * sockets (xpc_connection.c). Apple's own format is private; this one only
 * has to be read back by this code, so it is simple and strict.
 *
 * Message: a 16-byte header (little endian: u32 body length, u32 flags,
 * u64 id) and a body of exactly that length holding one object.
 *
 * Object: a one-byte tag, then
 *	bool	 one byte, 0 or 1
 *	int64	 8 bytes		uint64	8 bytes
 *	uuid	 16 bytes
 *	string	 u32 length, bytes (no NUL)
 *	data	 u32 length, bytes
 *	array	 u32 count, count objects
 *	dict	 u32 count, count times (u32 key length, key bytes (no NUL,
 *		 not empty, unique), object)
 *
 * The decoder trusts nothing: every length is checked against the bytes
 * left before anything is allocated, nesting and element counts are
 * bounded (xpc_wire.h), and trailing bytes are an error, so a hostile peer
 * costs at most a bounded amount of memory and time and never a crash.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xpc/xpc.h>

#include "xpc_internal.h"
#include "xpc_wire.h"

enum {
	TAG_BOOL = 1,
	TAG_INT64,
	TAG_UINT64,
	TAG_STRING,
	TAG_UUID,
	TAG_DATA,
	TAG_ARRAY,
	TAG_DICTIONARY,
};

static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void
xpc_wire_header_pack(uint8_t out[XPC_WIRE_HEADER_SIZE], const struct xpc_wire_header *h)
{
	put_le(out, h->length, 4);
	put_le(out + 4, h->flags, 4);
	put_le(out + 8, h->id, 8);
}

int
xpc_wire_header_parse(const uint8_t in[XPC_WIRE_HEADER_SIZE], struct xpc_wire_header *h)
{
	h->length = (uint32_t)get_le(in, 4);
	h->flags = (uint32_t)get_le(in + 4, 4);
	h->id = get_le(in + 8, 8);
	if ((h->flags & ~(uint32_t)(XPC_WIRE_F_WANTS_REPLY | XPC_WIRE_F_REPLY)) != 0 ||
	    h->flags == (XPC_WIRE_F_WANTS_REPLY | XPC_WIRE_F_REPLY) ||
	    (h->flags != 0) != (h->id != 0)) {
		errno = EBADMSG;
		return -1;
	}
	if (h->length > XPC_WIRE_MAX_BODY) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Encoding */

struct enc {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err; /* first errno, 0 while all is well */
};

/* Return: room for @n more bytes at the end, or NULL once failed. */
static uint8_t *
enc_room(struct enc *e, size_t n)
{
	uint8_t *p;
	size_t ncap;

	if (e->err)
		return NULL;
	if (n > XPC_WIRE_MAX_BODY - e->len) {
		e->err = EMSGSIZE;
		return NULL;
	}
	if (e->len + n > e->cap) {
		ncap = e->cap ? e->cap : 256;
		while (ncap < e->len + n)
			ncap *= 2;
		p = realloc(e->buf, ncap);
		if (p == NULL)
			xpc_oom();
		e->buf = p;
		e->cap = ncap;
	}
	p = e->buf + e->len;
	e->len += n;
	return p;
}

static void
enc_le(struct enc *e, uint64_t v, size_t n)
{
	uint8_t *p = enc_room(e, n);

	if (p)
		put_le(p, v, n);
}

static void
enc_bytes(struct enc *e, const void *bytes, size_t n)
{
	uint8_t *p;

	if (n > UINT32_MAX) {
		e->err = EMSGSIZE;
		return;
	}
	enc_le(e, n, 4);
	p = enc_room(e, n);
	if (p && n)
		memcpy(p, bytes, n);
}

static void
enc_object(struct enc *e, xpc_object_t o, unsigned depth)
{
	xpc_type_t t = xpc_get_type(o);
	const char *key;
	xpc_object_t v;
	size_t i, n;
	uint8_t *p;

	if (t == XPC_TYPE_BOOL) {
		enc_le(e, TAG_BOOL, 1);
		enc_le(e, xpc_bool_get_value(o), 1);
	} else if (t == XPC_TYPE_INT64) {
		enc_le(e, TAG_INT64, 1);
		enc_le(e, (uint64_t)xpc_int64_get_value(o), 8);
	} else if (t == XPC_TYPE_UINT64) {
		enc_le(e, TAG_UINT64, 1);
		enc_le(e, xpc_uint64_get_value(o), 8);
	} else if (t == XPC_TYPE_STRING) {
		enc_le(e, TAG_STRING, 1);
		enc_bytes(e, xpc_string_get_string_ptr(o), xpc_string_get_length(o));
	} else if (t == XPC_TYPE_UUID) {
		enc_le(e, TAG_UUID, 1);
		p = enc_room(e, 16);
		if (p)
			memcpy(p, xpc_uuid_get_bytes(o), 16);
	} else if (t == XPC_TYPE_DATA) {
		enc_le(e, TAG_DATA, 1);
		enc_bytes(e, xpc_data_get_bytes_ptr(o), xpc_data_get_length(o));
	} else if ((t == XPC_TYPE_ARRAY || t == XPC_TYPE_DICTIONARY) &&
	           depth < XPC_WIRE_MAX_DEPTH) {
		n = t == XPC_TYPE_ARRAY ? xpc_array_get_count(o) : xpc_dictionary_get_count(o);
		if (n > XPC_WIRE_MAX_ITEMS) {
			e->err = EINVAL;
			return;
		}
		enc_le(e, t == XPC_TYPE_ARRAY ? TAG_ARRAY : TAG_DICTIONARY, 1);
		enc_le(e, n, 4);
		for (i = 0; i < n && !e->err; i++) {
			if (t == XPC_TYPE_ARRAY) {
				v = xpc_array_get_value(o, i);
			} else {
				v = xpc_dictionary_entry_at(o, i, &key);
				enc_bytes(e, key, strlen(key));
			}
			enc_object(e, v, depth + 1);
		}
	} else if (!e->err) {
		e->err = EINVAL;
	}
}

uint8_t *
xpc_wire_encode(xpc_object_t object, size_t *size)
{
	struct enc e = {0};

	enc_object(&e, object, 0);
	if (e.err) {
		free(e.buf);
		errno = e.err;
		return NULL;
	}
	*size = e.len;
	return e.buf;
}

/* Decoding */

struct dec {
	const uint8_t *p;
	size_t left;
};

static bool
dec_take(struct dec *d, size_t n, const uint8_t **out)
{
	if (n > d->left)
		return false;
	*out = d->p;
	d->p += n;
	d->left -= n;
	return true;
}

static bool
dec_le(struct dec *d, size_t n, uint64_t *v)
{
	const uint8_t *p;

	if (!dec_take(d, n, &p))
		return false;
	*v = get_le(p, n);
	return true;
}

/* A length-prefixed byte string; @text: no NUL inside. */
static bool
dec_bytes(struct dec *d, bool text, const uint8_t **bytes, size_t *len)
{
	uint64_t n;

	if (!dec_le(d, 4, &n) || !dec_take(d, (size_t)n, bytes))
		return false;
	if (text && memchr(*bytes, '\0', (size_t)n) != NULL)
		return false;
	*len = (size_t)n;
	return true;
}

/* Return: malloc'd NUL-terminated copy of @len bytes. */
static char *
dec_strndup(const uint8_t *bytes, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		xpc_oom();
	memcpy(s, bytes, len);
	s[len] = '\0';
	return s;
}

static xpc_object_t dec_object(struct dec *d, unsigned depth);

static xpc_object_t
dec_container(struct dec *d, bool is_dict, unsigned depth)
{
	xpc_object_t c, v;
	const uint8_t *kb;
	uint64_t count, i;
	size_t klen;
	char *key;

	/* Every element takes at least 2 bytes: a count beyond that is a lie. */
	if (depth >= XPC_WIRE_MAX_DEPTH || !dec_le(d, 4, &count) || count > XPC_WIRE_MAX_ITEMS ||
	    count > d->left / 2)
		return NULL;
	c = is_dict ? xpc_dictionary_create_empty() : xpc_array_create_empty();
	for (i = 0; i < count; i++) {
		key = NULL;
		if (is_dict) {
			if (!dec_bytes(d, true, &kb, &klen) || klen == 0)
				goto fail;
			key = dec_strndup(kb, klen);
			if (xpc_dictionary_get_value(c, key) != NULL)
				goto fail;
		}
		v = dec_object(d, depth + 1);
		if (v == NULL)
			goto fail;
		if (is_dict)
			xpc_dictionary_set_value(c, key, v);
		else
			xpc_array_append_value(c, v);
		xpc_release(v);
		free(key);
	}
	return c;
fail:
	free(key);
	xpc_release(c);
	return NULL;
}

static xpc_object_t
dec_object(struct dec *d, unsigned depth)
{
	const uint8_t *bytes;
	uint64_t tag, v;
	size_t len;
	char *s;
	xpc_object_t o;

	if (!dec_le(d, 1, &tag))
		return NULL;
	switch (tag) {
	case TAG_BOOL:
		if (!dec_le(d, 1, &v) || v > 1)
			return NULL;
		return xpc_bool_create(v == 1);
	case TAG_INT64:
		return dec_le(d, 8, &v) ? xpc_int64_create((int64_t)v) : NULL;
	case TAG_UINT64:
		return dec_le(d, 8, &v) ? xpc_uint64_create(v) : NULL;
	case TAG_UUID:
		return dec_take(d, 16, &bytes) ? xpc_uuid_create(bytes) : NULL;
	case TAG_STRING:
		if (!dec_bytes(d, true, &bytes, &len))
			return NULL;
		s = dec_strndup(bytes, len);
		o = xpc_string_create(s);
		free(s);
		return o;
	case TAG_DATA:
		return dec_bytes(d, false, &bytes, &len) ? xpc_data_create(bytes, len) : NULL;
	case TAG_ARRAY:
		return dec_container(d, false, depth);
	case TAG_DICTIONARY:
		return dec_container(d, true, depth);
	default:
		return NULL;
	}
}

xpc_object_t
xpc_wire_decode(const uint8_t *buf, size_t size)
{
	struct dec d = {.p = buf, .left = size};
	xpc_object_t o;

	if (size > XPC_WIRE_MAX_BODY) {
		errno = EBADMSG;
		return NULL;
	}
	o = dec_object(&d, 0);
	if (o != NULL && d.left != 0) {
		xpc_release(o);
		o = NULL;
	}
	if (o == NULL)
		errno = EBADMSG;
	return o;
}
