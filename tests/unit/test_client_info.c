// SPDX-License-Identifier: Apache-2.0
/*
 * test_client_info.c - the helper's JSON line in the environment and in
 * the --info-file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "client_info.h"

static const char line[] =
    "{\"vmnet_end_address\":\"192.168.105.254\",\"vmnet_interface_id\":"
    "\"0D5A8F0E-77AE-4C1B-A1E0-6C0F3E3A3B51\",\"vmnet_mac_address\":\"0a:d6:36:c1:ea:f3\","
    "\"vmnet_max_packet_size\":1514,\"vmnet_mtu\":1500,\"vmnet_read_max_packets\":256,"
    "\"vmnet_start_address\":\"192.168.105.1\",\"vmnet_subnet_mask\":\"255.255.255.0\","
    "\"vmnet_write_max_packets\":256,\"net_ipv6_prefix_len\":64,\"tso\":true,"
    "\"nested\":{\"a\":1},\"list\":[1],\"nothing\":null}";

static void
test_env_name(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(client_info_env_name("vmnet_mac_address", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "VMNET_MAC_ADDRESS");
	assert_int_equal(client_info_env_name("net_ipv4_subnet", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "VMNET_NET_IPV4_SUBNET");
	assert_int_equal(client_info_env_name("mtu2", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "VMNET_MTU2");
	/* Only [a-z0-9_]: nothing odd reaches the environment. */
	assert_int_equal(client_info_env_name("a=b", buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(client_info_env_name("Mac", buf, sizeof(buf)), -1);
	assert_int_equal(client_info_env_name("vmnet_", buf, sizeof(buf)), -1);
	assert_int_equal(client_info_env_name("", buf, sizeof(buf)), -1);
	assert_int_equal(client_info_env_name("vmnet_mac_address", buf, 17), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(client_info_env_name("vmnet_mac_address", buf, 18), 0);
}

static void
test_export(void **state)
{
	(void)state;
	unsetenv("VMNET_NESTED");
	unsetenv("VMNET_LIST");
	unsetenv("VMNET_NOTHING");
	assert_int_equal(client_info_export(line), 11);
	assert_string_equal(getenv("VMNET_INTERFACE_JSON"), line);
	assert_string_equal(getenv("VMNET_MAC_ADDRESS"), "0a:d6:36:c1:ea:f3");
	assert_string_equal(getenv("VMNET_INTERFACE_ID"), "0D5A8F0E-77AE-4C1B-A1E0-6C0F3E3A3B51");
	assert_string_equal(getenv("VMNET_MTU"), "1500");
	assert_string_equal(getenv("VMNET_MAX_PACKET_SIZE"), "1514");
	assert_string_equal(getenv("VMNET_START_ADDRESS"), "192.168.105.1");
	assert_string_equal(getenv("VMNET_END_ADDRESS"), "192.168.105.254");
	assert_string_equal(getenv("VMNET_SUBNET_MASK"), "255.255.255.0");
	assert_string_equal(getenv("VMNET_READ_MAX_PACKETS"), "256");
	assert_string_equal(getenv("VMNET_NET_IPV6_PREFIX_LEN"), "64");
	assert_string_equal(getenv("VMNET_TSO"), "true");
	assert_null(getenv("VMNET_NESTED"));
	assert_null(getenv("VMNET_LIST"));
	assert_null(getenv("VMNET_NOTHING"));
}

static void
test_export_rejects_non_objects(void **state)
{
	(void)state;
	assert_int_equal(client_info_export("not json"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(client_info_export("[1,2]"), -1);
	assert_int_equal(client_info_export(""), -1);
}

static void
test_get_u64(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(client_info_get_u64(line, "vmnet_max_packet_size", &v), 0);
	assert_int_equal(v, 1514);
	assert_int_equal(client_info_get_u64(line, "vmnet_mac_address", &v), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(client_info_get_u64(line, "missing", &v), -1);
	assert_int_equal(client_info_get_u64("{\"n\":-1}", "n", &v), -1);
	assert_int_equal(client_info_get_u64("{\"n\":1.5}", "n", &v), -1);
	assert_int_equal(client_info_get_u64("nope", "n", &v), -1);
	assert_int_equal(errno, EINVAL);
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
test_write_file(void **state)
{
	char dir[] = "/tmp/test_client_info.XXXXXX";
	char path[64];
	char buf[1024] = "";
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/info.json", dir);
	/* An existing file is replaced as a whole. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("old content that is longer than the new one ......\n", f);
	fclose(f);
	assert_int_equal(client_info_write_file(path, "{\"a\":1}"), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 8);
	fclose(f);
	assert_string_equal(buf, "{\"a\":1}\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* No temporary file left behind. */
	assert_int_equal(count_entries(dir), 1);
	unlink(path);
	rmdir(dir);
}

static void
test_write_file_fails_cleanly(void **state)
{
	char dir[] = "/tmp/test_client_info.XXXXXX";
	char path[64];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing/info.json", dir);
	assert_int_equal(client_info_write_file(path, "{}"), -1);
	assert_int_equal(errno, ENOENT);
	/* A directory in the way: rename fails, the temporary is removed. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	f = fopen(strcat(path, "/x"), "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(client_info_write_file(path, "{}"), -1);
	assert_int_equal(count_entries(dir), 1);
	strcat(path, "/x");
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env_name),
	    cmocka_unit_test(test_export),
	    cmocka_unit_test(test_export_rejects_non_objects),
	    cmocka_unit_test(test_get_u64),
	    cmocka_unit_test(test_write_file),
	    cmocka_unit_test(test_write_file_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
