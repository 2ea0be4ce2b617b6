// SPDX-License-Identifier: Apache-2.0
/*
 * info.c - the JSON line on stdout (schema in docs/helper.md).
 *
 * Every parameter vmnet returns is printed under its own key, so values
 * added by later macOS versions appear without a change here. Types:
 * uint64 and int64 become numbers written as exact integers (cJSON would
 * print them as doubles, rounded above 2^53), strings strings, UUIDs upper-case
 * strings, bools true/false; other types are skipped. Keys are sorted, so
 * the line is stable whatever order vmnet's dictionary has.
 */
#include "info.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

struct item {
	const char *key;
	cJSON *value;
};

static int
by_key(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->key, ((const struct item *)b)->key);
}

/* Return: the JSON value of @v, or NULL for a type the line leaves out */
static cJSON *
to_json(xpc_object_t v)
{
	xpc_type_t type = xpc_get_type(v);
	char uuid[ADDR_UUID_LEN + 1];
	char number[24]; /* "-9223372036854775808" and the NUL */

	if (type == XPC_TYPE_UINT64) {
		snprintf(number, sizeof(number), "%" PRIu64, xpc_uint64_get_value(v));
		return cJSON_CreateRaw(number);
	}
	if (type == XPC_TYPE_INT64) {
		snprintf(number, sizeof(number), "%" PRId64, xpc_int64_get_value(v));
		return cJSON_CreateRaw(number);
	}
	if (type == XPC_TYPE_STRING)
		return cJSON_CreateString(xpc_string_get_string_ptr(v));
	if (type == XPC_TYPE_BOOL)
		return cJSON_CreateBool(xpc_bool_get_value(v));
	if (type == XPC_TYPE_UUID) {
		addr_format_uuid(xpc_uuid_get_bytes(v), uuid);
		return cJSON_CreateString(uuid);
	}
	return NULL;
}

/*
 * info_json() - the interface parameters as one line of JSON, keys sorted
 * Return: a string to free(), or NULL if out of memory
 */
char *
info_json(xpc_object_t param)
{
	size_t count = xpc_dictionary_get_count(param);
	struct item *items = calloc(count ? count : 1, sizeof(*items));
	__block size_t n = 0;
	cJSON *root = cJSON_CreateObject();
	char *out = NULL;

	if (!items || !root)
		goto out;
	xpc_dictionary_apply(param, ^bool(const char *key, xpc_object_t value) {
		cJSON *v = n < count ? to_json(value) : NULL;

		if (v)
			items[n++] = (struct item){key, v};
		/* cppcheck takes the block's return for info_json()'s. */
		// cppcheck-suppress CastIntegerToAddressAtReturn
		return true;
	});
	qsort(items, n, sizeof(*items), by_key);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToObject(root, items[i].key, items[i].value);
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	free(items);
	return out;
}
