// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_info.c - the helper's JSON line (info.c) from arbitrary interface
 * parameters, read back by vmnet-client's parser (client_info.c).
 *
 * Input: records of a type byte, a key length byte, the key, and a value
 * (8 bytes for the integers, 1 for a bool, 16 for a UUID, a length byte
 * and bytes for a string, none for an array, which the line leaves out).
 * Checked beyond not crashing or leaking: the line is one line of valid
 * JSON holding exactly the scalar parameters, keys sorted, each value
 * equal to the parameter's, and the client reads the integers back.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "addr.h"
#include "client_info.h"
#include "info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum kind { UINT64, INT64, BOOL, UUID, STRING, ARRAY, KINDS };

/* Take @n bytes of input; NULL when fewer are left. */
static const uint8_t *
take(const uint8_t **data, size_t *size, size_t n)
{
	const uint8_t *p = *data;

	if (*size < n)
		return NULL;
	*data += n;
	*size -= n;
	return p;
}

/* Return: a dictionary built from the input records. */
static xpc_object_t
build(const uint8_t *data, size_t size)
{
	xpc_object_t d = xpc_dictionary_create(NULL, NULL, 0);
	const uint8_t *head, *key, *val, *len;
	char k[256], s[256];
	uint64_t u;

	while ((head = take(&data, &size, 2)) && (key = take(&data, &size, head[1]))) {
		memcpy(k, key, head[1]);
		k[head[1]] = '\0';
		switch (head[0] % KINDS) {
		case UINT64:
		case INT64:
			if (!(val = take(&data, &size, 8)))
				return d;
			memcpy(&u, val, 8);
			if (head[0] % KINDS == UINT64)
				xpc_dictionary_set_uint64(d, k, u);
			else
				xpc_dictionary_set_int64(d, k, (int64_t)u);
			break;
		case BOOL:
			if (!(val = take(&data, &size, 1)))
				return d;
			xpc_dictionary_set_bool(d, k, val[0] & 1);
			break;
		case UUID:
			if (!(val = take(&data, &size, 16)))
				return d;
			xpc_dictionary_set_uuid(d, k, val);
			break;
		case STRING:
			if (!(len = take(&data, &size, 1)) || !(val = take(&data, &size, len[0])))
				return d;
			memcpy(s, val, len[0]);
			s[len[0]] = '\0';
			xpc_dictionary_set_string(d, k, s);
			break;
		default: {
			xpc_object_t array = xpc_array_create(NULL, 0);

			xpc_dictionary_set_value(d, k, array);
			xpc_release(array);
			break;
		}
		}
	}
	return d;
}

/* Does @j hold the value of parameter @v, as read from @line? */
static bool
same(const char *line, const cJSON *j, xpc_object_t v)
{
	xpc_type_t type = xpc_get_type(v);
	char uuid[ADDR_UUID_LEN + 1];
	uint64_t u;

	if (type == XPC_TYPE_UINT64) {
		u = xpc_uint64_get_value(v);
		/* Exact in a double, so the client reads it back exactly. */
		if (u <= (1ull << 53) &&
		    (client_info_get_u64(line, j->string, &u) < 0 || u != xpc_uint64_get_value(v)))
			return false;
		return cJSON_IsNumber(j) && j->valuedouble == (double)xpc_uint64_get_value(v);
	}
	if (type == XPC_TYPE_INT64)
		return cJSON_IsNumber(j) && j->valuedouble == (double)xpc_int64_get_value(v);
	if (type == XPC_TYPE_BOOL)
		return xpc_bool_get_value(v) ? cJSON_IsTrue(j) : cJSON_IsFalse(j);
	if (type == XPC_TYPE_UUID) {
		addr_format_uuid(xpc_uuid_get_bytes(v), uuid);
		return cJSON_IsString(j) && strcmp(j->valuestring, uuid) == 0;
	}
	if (type == XPC_TYPE_STRING)
		return cJSON_IsString(j) &&
		       strcmp(j->valuestring, xpc_string_get_string_ptr(v)) == 0;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	xpc_object_t d = build(data, size);
	__block size_t scalars = 0;
	size_t members = 0;
	const cJSON *j, *prev = NULL;
	char *line = info_json(d);
	cJSON *root;

	xpc_dictionary_apply(d, ^bool(const char *key, xpc_object_t value) {
		(void)key;
		scalars += xpc_get_type(value) != XPC_TYPE_ARRAY;
		return true;
	});
	if (!line || strchr(line, '\n') || !(root = cJSON_Parse(line)) || !cJSON_IsObject(root))
		abort();
	cJSON_ArrayForEach(j, root)
	{
		xpc_object_t v = xpc_dictionary_get_value(d, j->string);

		if (!v || !same(line, j, v) || (prev && strcmp(prev->string, j->string) >= 0))
			abort();
		prev = j;
		members++;
	}
	if (members != scalars)
		abort();
	cJSON_Delete(root);
	free(line);
	xpc_release(d);
	return 0;
}
