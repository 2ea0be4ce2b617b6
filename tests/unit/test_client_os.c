// SPDX-License-Identifier: Apache-2.0
/*
 * test_client_os.c - the helper's path: absolute, relative to the working
 * directory, or beside the running executable; never cut short.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client_os.h"

static void
test_absolute(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(client_os_helper_path("/opt/x/vmnet-helper", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/opt/x/vmnet-helper");
}

static void
test_relative_joins_the_working_directory(void **state)
{
	char buf[PATH_MAX], want[PATH_MAX + 32], cwd[PATH_MAX];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/bin/vmnet-helper", cwd);
	assert_int_equal(client_os_helper_path("bin/vmnet-helper", buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void
test_default_is_beside_the_executable(void **state)
{
	char buf[PATH_MAX], self[PATH_MAX];

	(void)state;
	assert_int_equal(client_os_self_path(self, sizeof(self)), 0);
	*strrchr(self, '/') = '\0';
	strcat(self, "/vmnet-helper");
	assert_int_equal(client_os_helper_path(NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, self);
}

/* A path that does not fit fails; it is never truncated into another one. */
static void
test_too_long_is_an_error(void **state)
{
	char buf[PATH_MAX], rel[PATH_MAX - 1], small[8];

	(void)state;
	memset(rel, 'x', sizeof(rel) - 1);
	rel[sizeof(rel) - 1] = '\0';
	errno = 0;
	assert_int_equal(client_os_helper_path(rel, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(client_os_helper_path("/opt/vmnet-helper", small, sizeof(small)), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

static void
test_empty_is_an_error(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(client_os_helper_path("", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_absolute),
	    cmocka_unit_test(test_relative_joins_the_working_directory),
	    cmocka_unit_test(test_default_is_beside_the_executable),
	    cmocka_unit_test(test_too_long_is_an_error),
	    cmocka_unit_test(test_empty_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
