// SPDX-License-Identifier: Apache-2.0
/*
 * test_stats.c - the stats JSON line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "stats.h"

static double
number(cJSON *obj, const char *dir, const char *key)
{
	cJSON *d = dir ? cJSON_GetObjectItemCaseSensitive(obj, dir) : obj;
	cJSON *v = cJSON_GetObjectItemCaseSensitive(d, key);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static void
test_schema(void **state)
{
	struct stats s;
	struct timespec real = {.tv_sec = 1795262461, .tv_nsec = 123456789};
	struct timespec mono;
	cJSON *root, *t;
	char *line;

	(void)state;
	stats_init(&s);
	mono = s.start;
	mono.tv_sec += 12;
	stats_add(&s.host_to_vm.packets, 3);
	stats_add(&s.host_to_vm.packets, 4);
	stats_add(&s.host_to_vm.bytes, 1000);
	stats_add(&s.host_to_vm.drops, 2);
	stats_add(&s.host_to_vm.read_calls, 5);
	stats_add(&s.host_to_vm.write_calls, 6);
	stats_add(&s.host_to_vm.retries, 9);
	stats_add(&s.vm_to_host.packets, (uint64_t)1 << 40);
	stats_add(&s.vm_to_host.drops, 1);
	line = stats_json(&s, &real, &mono);
	assert_non_null(line);
	assert_null(strchr(line, '\n'));
	root = cJSON_Parse(line);
	assert_non_null(root);
	t = cJSON_GetObjectItemCaseSensitive(root, "time");
	assert_true(cJSON_IsString(t));
	assert_string_equal(t->valuestring, "2026-11-21T12:01:01.123Z");
	assert_true(number(root, NULL, "uptime") >= 12.0 - 1e-9);
	assert_true(number(root, NULL, "uptime") < 12.001);
	assert_true(number(root, "host_to_vm", "packets") == 7);
	assert_true(number(root, "host_to_vm", "bytes") == 1000);
	assert_true(number(root, "host_to_vm", "drops") == 2);
	assert_true(number(root, "host_to_vm", "read_calls") == 5);
	assert_true(number(root, "host_to_vm", "write_calls") == 6);
	assert_true(number(root, "host_to_vm", "retries") == 9);
	assert_true(number(root, "vm_to_host", "packets") == (double)((uint64_t)1 << 40));
	assert_true(number(root, "vm_to_host", "drops") == 1);
	assert_true(number(root, "vm_to_host", "bytes") == 0);
	/* Key order is fixed: time, uptime, host_to_vm, vm_to_host. */
	assert_true(strstr(line, "\"time\"") < strstr(line, "\"uptime\""));
	assert_true(strstr(line, "\"uptime\"") < strstr(line, "\"host_to_vm\""));
	assert_true(strstr(line, "\"host_to_vm\"") < strstr(line, "\"vm_to_host\""));
	cJSON_Delete(root);
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
