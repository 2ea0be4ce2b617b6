// SPDX-License-Identifier: Apache-2.0
/*
 * test_serve.c - the command line the stream daemon gives each
 * connection's helper: its own arguments without the daemon's options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "serve.h"

#define MAX 32

static char self[] = "vmnet-helper";
static char *out[MAX];

/* The child argv of the daemon's argv @in (NULL-terminated), as one string. */
static const char *
child_of(char **in)
{
	static char joined[1024];
	int argc = 0;

	while (in[argc])
		argc++;
	assert_int_equal(serve_child_argv(argc, in, self, out, MAX), 0);
	joined[0] = '\0';
	for (char **a = out; *a; a++) {
		if (a != out)
			strcat(joined, " ");
		strcat(joined, *a);
	}
	return joined;
}

static void
test_daemon_options_removed(void **state)
{
	char *a[] = {"vmnet-helper",
	             "--serve-stream",
	             "/var/run/socket_vmnet",
	             "--start-address",
	             "192.168.105.1",
	             "--serve-group",
	             "staff",
	             "-v",
	             NULL};
	char *b[] = {"vmnet-helper", "--serve-stream=/p", "--serve-group=g", "--enable-tso", NULL};
	char *c[] = {"socket_vmnet", "--pidfile",      "/run/d.pid", "--pidfile=/run/e.pid",
	             "-v",           "--serve-stream", "/p",         NULL};

	(void)state;
	assert_string_equal(child_of(c), "vmnet-helper --fd 3 -v");
	assert_string_equal(child_of(a), "vmnet-helper --fd 3 "
	                                 "--start-address 192.168.105.1 -v");
	assert_string_equal(child_of(b), "vmnet-helper --fd 3 --enable-tso");
}

static void
test_values_that_look_like_options(void **state)
{
	/* A value is taken with its option, even one spelled like an option. */
	char *a[] = {"vmnet-helper", "--shared-interface", "--serve-stream", "--serve-stream",
	             "/p",           "--operation-mode",   "bridged",        NULL};

	(void)state;
	assert_string_equal(child_of(a), "vmnet-helper --fd 3 "
	                                 "--shared-interface --serve-stream --operation-mode "
	                                 "bridged");
}

static void
test_too_small(void **state)
{
	char *a[] = {"vmnet-helper", "--serve-stream", "/p", NULL};

	(void)state;
	assert_int_equal(serve_child_argv(3, a, self, out, 6), -1);
	assert_int_equal(serve_child_argv(3, a, self, out, 7), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_daemon_options_removed),
	    cmocka_unit_test(test_values_that_look_like_options),
	    cmocka_unit_test(test_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
