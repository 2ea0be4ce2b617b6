// SPDX-License-Identifier: Apache-2.0
/*
 * test_netsvc_config.c - the network service's config file: settings,
 * named networks checked by the helper's own option rules, built-ins, and
 * one clear error with the line number for bad input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "netsvc_config.h"

static void
test_empty_gives_builtins(void **state)
{
	struct netsvc_config cfg;
	char error[NETSVC_ERROR_MAX];
	const struct netsvc_network *n;

	(void)state;
	assert_int_equal(netsvc_config_parse("", &cfg, error), 0);
	assert_int_equal(cfg.release_delay, NETSVC_RELEASE_DELAY_DEF);
	assert_int_equal(cfg.idle_timeout, NETSVC_IDLE_TIMEOUT_DEF);
	assert_int_equal(cfg.count, 2);
	n = netsvc_config_find(&cfg, "shared");
	assert_non_null(n);
	assert_int_equal(n->opts.mode, OPTIONS_MODE_SHARED);
	assert_int_equal(n->line, 0);
	n = netsvc_config_find(&cfg, "host");
	assert_non_null(n);
	assert_int_equal(n->opts.mode, OPTIONS_MODE_HOST);
	assert_null(netsvc_config_find(&cfg, "lab"));
	netsvc_config_free(&cfg);
}

static void
test_full_file(void **state)
{
	static const char text[] = "# named networks\n"
	                           "release-delay = 2\n"
	                           "  idle-timeout=30  \r\n"
	                           "\n"
	                           "[lab]\n"
	                           "operation-mode = host\n"
	                           "start-address = 10.9.0.1\n"
	                           "end-address = 10.9.0.254\n"
	                           "subnet-mask = 255.255.255.0\n"
	                           "mtu = 9000\n"
	                           "disable-dns-proxy\n"
	                           "[shared]\n"
	                           "start-address = 192.168.200.1\n"
	                           "end-address = 192.168.200.254\n"
	                           "subnet-mask = 255.255.255.0\n"
	                           "dhcp-reservation = 52:54:00:00:00:01=192.168.200.10\n"
	                           "dhcp-reservation = 52:54:00:00:00:02=192.168.200.11\n";
	struct netsvc_config cfg;
	char error[NETSVC_ERROR_MAX];
	const struct netsvc_network *n;

	(void)state;
	if (netsvc_config_parse(text, &cfg, error) != 0)
		fail_msg("%s", error);
	assert_int_equal(cfg.release_delay, 2);
	assert_int_equal(cfg.idle_timeout, 30);
	assert_int_equal(cfg.count, 3); /* lab, shared (replaced), host */
	n = netsvc_config_find(&cfg, "lab");
	assert_non_null(n);
	assert_int_equal(n->line, 5);
	assert_int_equal(n->opts.mode, OPTIONS_MODE_HOST);
	assert_true(n->opts.has_dhcp_range);
	assert_string_equal(n->opts.start_address, "10.9.0.1");
	assert_true(n->opts.net.has_mtu);
	assert_int_equal(n->opts.net.mtu, 9000);
	assert_true(n->opts.net.disable_dns_proxy);
	n = netsvc_config_find(&cfg, "shared");
	assert_int_equal(n->line, 12);
	assert_int_equal(n->opts.mode, OPTIONS_MODE_SHARED);
	assert_string_equal(n->opts.subnet_mask, "255.255.255.0");
	assert_int_equal(n->opts.net.nreservations, 2);
	assert_int_equal(netsvc_config_find(&cfg, "host")->line, 0);
	netsvc_config_free(&cfg);
}

/* Each bad file gives one error that names the line. */
static void
test_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *error;
	} cases[] = {
	    {"release-delay = 4000\n", "line 1: release-delay: '4000': expected 0 to 3600"},
	    {"idle-timeout = 0\n", "line 1: idle-timeout: '0': expected 1 to 3600"},
	    {"\nidle-timeout\n", "line 2: idle-timeout: needs a value"},
	    {"colour = blue\n", "line 1: 'colour': unknown setting"},
	    {"[lab\n", "line 1: '[lab': expected [name]"},
	    {"[la b]\n", "line 1: [la b]: a network name is"},
	    {"[]\n", "line 1: []: a network name is"},
	    {"[lab]\n[lab]\n", "line 2: [lab]: already defined at line 1"},
	    {"[lab]\nfd = 3\n", "line 2: [lab] 'fd': not a network option"},
	    {"[lab]\nverbose\n", "line 2: [lab] 'verbose': not a network option"},
	    {"[lab]\nbogus = 1\n", "line 2: [lab] 'bogus': not a network option"},
	    {"[lab]\nmtu\n", "line 2: [lab] mtu: needs a value"},
	    {"[lab]\ndisable-dhcp = yes\n", "line 2: [lab] disable-dhcp: takes no value"},
	    {"[lab]\nmtu =\n", "line 2: mtu: empty value"},
	    {"[lab]\n= 5\n", "line 2: '=5': expected a name"},
	    {"[lab]\n# ok\nmtu = 100000\n", "line 3: [lab] --mtu: invalid value '100000'"},
	    {"[lab]\nmtu = 1500\nmtu = 9000\n", "line 3: [lab] --mtu: given more than once"},
	    {"[lab]\noperation-mode = host\nstart-address = 10.0.0.1\n",
	     "line 3: [lab] --start-address, --end-address, --subnet-mask: give all three"},
	    {"[a]\noperation-mode = bridged\nshared-interface = en0\n",
	     "line 2: [a] --operation-mode bridged: a named network is shared or host"},
	    {"[a]\noperation-mode = host\nnetwork-id = 5b4c3a1e-0f2d-4e6a-9b8c-7d6e5f4a3b2c\n",
	     "line 3: [a] --network-id: a named network is a macOS 26 network"},
	    {"[ok]\n[bad]\noperation-mode = nat\n",
	     "line 3: [bad] --operation-mode: invalid value"},
	    {"[p]\nstart-address = 10.0.0.1\nend-address = 10.0.0.9\nsubnet-mask = 255.255.255.0\n",
	     "line 2: [p] --start-address, --end-address: a named network is a macOS 26 network"},
	};
	struct netsvc_config cfg;
	char error[NETSVC_ERROR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errno = 0;
		if (netsvc_config_parse(cases[i].text, &cfg, error) != -1)
			fail_msg("accepted: %s", cases[i].text);
		assert_int_equal(errno, EINVAL);
		if (strncmp(error, cases[i].error, strlen(cases[i].error)) != 0)
			fail_msg("%s: got '%s', want '%s...'", cases[i].text, error,
			         cases[i].error);
		assert_null(strchr(error, '\n'));
		netsvc_config_free(&cfg);
	}
}

static void
test_long_line_and_names(void **state)
{
	struct netsvc_config cfg;
	char error[NETSVC_ERROR_MAX];
	char *text = malloc(2100);

	(void)state;
	memset(text, 'a', 2000);
	memcpy(text, "[x]\n# ", 6);
	text[2000] = '\0';
	assert_int_equal(netsvc_config_parse(text, &cfg, error), -1);
	assert_string_equal(error, "line 2: longer than 1024 bytes");
	netsvc_config_free(&cfg);
	free(text);
	assert_true(netsvc_config_valid_name("shared"));
	assert_true(netsvc_config_valid_name("lab-1.a_b"));
	assert_false(netsvc_config_valid_name(""));
	assert_false(netsvc_config_valid_name("a/b"));
	assert_false(netsvc_config_valid_name("a b"));
	assert_false(netsvc_config_valid_name(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void
test_load(void **state)
{
	char path[] = "/tmp/test_netsvc_config.XXXXXX";
	struct netsvc_config cfg;
	char error[NETSVC_ERROR_MAX];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[x]\nmtu = 1\n", 12), 12);
	close(fd);
	assert_int_equal(netsvc_config_load(path, &cfg, error), -1);
	assert_non_null(strstr(error, ": line 2: [x] --mtu: invalid value '1'"));
	assert_int_equal(strncmp(error, path, strlen(path)), 0);
	netsvc_config_free(&cfg);
	unlink(path);
	/* A missing file: only the built-ins. */
	assert_int_equal(netsvc_config_load(path, &cfg, error), 0);
	assert_int_equal(cfg.count, 2);
	netsvc_config_free(&cfg);
	/* A directory cannot be read. */
	assert_int_equal(netsvc_config_load("/", &cfg, error), -1);
	assert_non_null(strstr(error, "/: "));
	netsvc_config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_gives_builtins),
	    cmocka_unit_test(test_full_file),
	    cmocka_unit_test(test_errors_name_the_line),
	    cmocka_unit_test(test_long_line_and_names),
	    cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
