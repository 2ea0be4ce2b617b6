// SPDX-License-Identifier: Apache-2.0
/*
 * test_info.c - the JSON line built from vmnet's interface parameters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "info.h"

static void
test_types_and_order(void **state)
{
	static const uuid_t id = {0xc0, 0xff, 0xee, 0x00, 0x12, 0x34, 0x56, 0x78,
	                          0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67};
	xpc_object_t p = xpc_dictionary_create(NULL, NULL, 0);
	xpc_object_t array = xpc_array_create(NULL, 0);
	char *line;

	(void)state;
	xpc_dictionary_set_uint64(p, "vmnet_mtu", 1500);
	xpc_dictionary_set_string(p, "vmnet_mac_address", "0a:d6:36:c1:ea:f3");
	xpc_dictionary_set_uuid(p, "vmnet_interface_id", id);
	xpc_dictionary_set_uint64(p, "vmnet_max_packet_size", 1514);
	xpc_dictionary_set_int64(p, "a_negative", -5);
	xpc_dictionary_set_bool(p, "b_flag", true);
	xpc_dictionary_set_bool(p, "c_flag", false);
	xpc_dictionary_set_value(p, "d_array", array); /* skipped: not a scalar */
	xpc_release(array);
	line = info_json(p);
	assert_non_null(line);
	assert_string_equal(line, "{\"a_negative\":-5,\"b_flag\":true,\"c_flag\":false,"
	                          "\"vmnet_interface_id\":\"C0FFEE00-1234-5678-9ABC-DEF001234567\","
	                          "\"vmnet_mac_address\":\"0a:d6:36:c1:ea:f3\","
	                          "\"vmnet_max_packet_size\":1514,\"vmnet_mtu\":1500}");
	free(line);
	xpc_release(p);
}

static void
test_escaping(void **state)
{
	xpc_object_t p = xpc_dictionary_create(NULL, NULL, 0);
	cJSON *root, *v;
	char *line;

	(void)state;
	xpc_dictionary_set_string(p, "weird\"key", "quote\" backslash\\ newline\n tab\t");
	line = info_json(p);
	assert_non_null(line);
	/* One line, and it parses back to the same string. */
	assert_null(strchr(line, '\n'));
	root = cJSON_Parse(line);
	assert_non_null(root);
	v = cJSON_GetObjectItemCaseSensitive(root, "weird\"key");
	assert_true(cJSON_IsString(v));
	assert_string_equal(v->valuestring, "quote\" backslash\\ newline\n tab\t");
	cJSON_Delete(root);
	free(line);
	xpc_release(p);
}

static void
test_large_number_and_empty(void **state)
{
	xpc_object_t p = xpc_dictionary_create(NULL, NULL, 0);
	char *line;

	(void)state;
	line = info_json(p);
	assert_string_equal(line, "{}");
	free(line);
	xpc_dictionary_set_uint64(p, "big", 65550);
	xpc_dictionary_set_uint64(p, "packets", 256);
	line = info_json(p);
	assert_string_equal(line, "{\"big\":65550,\"packets\":256}");
	free(line);
	/* Exact integers: as doubles, these would be rounded. */
	xpc_dictionary_set_uint64(p, "big", UINT64_MAX);
	xpc_dictionary_set_uint64(p, "packets", (1ull << 53) - 1);
	xpc_dictionary_set_int64(p, "small", INT64_MIN);
	line = info_json(p);
	assert_string_equal(line, "{\"big\":18446744073709551615,\"packets\":9007199254740991,"
	                          "\"small\":-9223372036854775808}");
	free(line);
	xpc_release(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_types_and_order),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_large_number_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
