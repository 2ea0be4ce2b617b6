// SPDX-License-Identifier: Apache-2.0
/*
 * test_socket_vmnet.c - socket_vmnet's command line mapped to the stream
 * daemon's: Lima's lines, getopt_long()'s forms, socket_vmnet's defaults
 * and the refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "socket_vmnet.h"

static struct socket_vmnet_cmd cmd;
static char error[OPTIONS_ERROR_MAX];

/* Map the NULL-terminated @in; the result, and cmd.argv joined in @joined. */
static enum socket_vmnet_result
map_args(char **in, char *joined, size_t size)
{
	enum socket_vmnet_result r;
	int argc = 0;

	while (in[argc])
		argc++;
	r = socket_vmnet_map(argc, in, &cmd, error);
	joined[0] = '\0';
	for (int i = 1; r == SOCKET_VMNET_OK && i < cmd.argc; i++) {
		if (i > 1)
			strncat(joined, " ", size - strlen(joined) - 1);
		strncat(joined, cmd.argv[i], size - strlen(joined) - 1);
	}
	if (r == SOCKET_VMNET_OK)
		assert_null(cmd.argv[cmd.argc]);
	return r;
}

#define MAPS_TO(expected, ...)                                                                     \
	do {                                                                                       \
		char *in_[] = {"/opt/vmnet-helper/bin/socket_vmnet", __VA_ARGS__, NULL};           \
		char out_[1024];                                                                   \
		assert_int_equal(map_args(in_, out_, sizeof(out_)), SOCKET_VMNET_OK);              \
		assert_string_equal(out_, expected);                                               \
	} while (0)

#define REFUSED(result, message, ...)                                                              \
	do {                                                                                       \
		char *in_[] = {"socket_vmnet", __VA_ARGS__, NULL};                                 \
		char out_[1024];                                                                   \
		assert_int_equal(map_args(in_, out_, sizeof(out_)), result);                       \
		assert_non_null(strstr(error, message));                                           \
	} while (0)

static void
test_called(void **state)
{
	(void)state;
	assert_true(socket_vmnet_called("socket_vmnet"));
	assert_true(socket_vmnet_called("/opt/vmnet-helper/bin/socket_vmnet"));
	assert_false(socket_vmnet_called("/opt/vmnet-helper/bin/vmnet-helper"));
	assert_false(socket_vmnet_called("socket_vmnet_client"));
	assert_false(socket_vmnet_called("/socket_vmnet/vmnet-helper"));
	assert_false(socket_vmnet_called(NULL));
}

static void
test_lima_lines(void **state)
{
	(void)state;
	MAPS_TO("--pidfile /private/var/run/lima/shared_socket_vmnet.pid --serve-group everyone "
	        "--operation-mode shared --start-address 192.168.105.1 --end-address "
	        "192.168.105.254 --subnet-mask 255.255.255.0 --serve-stream "
	        "/private/var/run/lima/socket_vmnet.shared",
	        "--pidfile=/private/var/run/lima/shared_socket_vmnet.pid",
	        "--socket-group=everyone", "--vmnet-mode=shared", "--vmnet-gateway=192.168.105.1",
	        "--vmnet-dhcp-end=192.168.105.254", "--vmnet-mask=255.255.255.0",
	        "/private/var/run/lima/socket_vmnet.shared");
	MAPS_TO("--pidfile /v/bridged_socket_vmnet.pid --serve-group everyone --operation-mode "
	        "bridged --shared-interface en0 --serve-stream /v/socket_vmnet.bridged",
	        "--pidfile=/v/bridged_socket_vmnet.pid", "--socket-group=everyone",
	        "--vmnet-mode=bridged", "--vmnet-interface=en0", "/v/socket_vmnet.bridged");
}

static void
test_getopt_forms(void **state)
{
	(void)state;
	MAPS_TO("--pidfile /p --serve-stream /s", "-p", "/p", "/s");
	MAPS_TO("--pidfile /p --serve-stream /s", "-p/p", "/s");
	MAPS_TO("--pidfile /p --serve-stream /s", "--pidfile", "/p", "/s");
	/* getopt_long takes an unambiguous abbreviation, as socket_vmnet does. */
	MAPS_TO("--pidfile /p --serve-stream /s", "--pid=/p", "/s");
	MAPS_TO("--disable-dhcp --network-id 4e0c1b4e-0a2f-4b9e-9d7a-3c2b1a0f9e8d "
	        "--nat66-prefix fd00:1:2:3:: --serve-stream /s",
	        "--vmnet-disable-dhcp",
	        "--vmnet-network-identifier=4e0c1b4e-0a2f-4b9e-9d7a-3c2b1a0f9e8d",
	        "--vmnet-nat66-prefix=fd00:1:2:3::", "/s");
	MAPS_TO("--version", "-v");
}

static void
test_defaults_from_the_gateway(void **state)
{
	(void)state;
	MAPS_TO("--start-address 10.9.8.7 --end-address 10.9.8.254 --subnet-mask 255.255.255.0 "
	        "--serve-stream /s",
	        "--vmnet-gateway=10.9.8.7", "/s");
	MAPS_TO("--start-address 10.9.8.1 --subnet-mask 255.255.0.0 --end-address 10.9.8.254 "
	        "--serve-stream /s",
	        "--vmnet-gateway", "10.9.8.1", "--vmnet-mask=255.255.0.0", "/s");
	/* Without a gateway socket_vmnet leaves the range to vmnet; so does the daemon. */
	MAPS_TO("--operation-mode host --serve-stream /s", "--vmnet-mode=host", "/s");
}

static void
test_refusals(void **state)
{
	char *help[] = {"socket_vmnet", "-h", NULL};
	char out[64];

	(void)state;
	REFUSED(SOCKET_VMNET_UNSUPPORTED, "--vmnet-interface-id: not supported",
	        "--vmnet-interface-id=4e0c1b4e-0a2f-4b9e-9d7a-3c2b1a0f9e8d", "/s");
	REFUSED(SOCKET_VMNET_INVALID, "--nope: unknown option", "--nope", "/s");
	REFUSED(SOCKET_VMNET_INVALID, "-x: unknown option", "-x", "/s");
	REFUSED(SOCKET_VMNET_INVALID, "--pidfile: requires an argument", "--pidfile");
	REFUSED(SOCKET_VMNET_INVALID, "found 2 arguments", "/s", "/t");
	REFUSED(SOCKET_VMNET_INVALID, "found 0 arguments", "--vmnet-mode=host");
	REFUSED(SOCKET_VMNET_INVALID, "--vmnet-gateway: invalid address", "--vmnet-gateway=x",
	        "/s");
	/* An ambiguous abbreviation is refused, as by socket_vmnet. */
	REFUSED(SOCKET_VMNET_INVALID, "unknown option", "--vmnet-i=en0", "/s");
	assert_int_equal(map_args(help, out, sizeof(out)), SOCKET_VMNET_HELP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_called),       cmocka_unit_test(test_lima_lines),
	    cmocka_unit_test(test_getopt_forms), cmocka_unit_test(test_defaults_from_the_gateway),
	    cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
