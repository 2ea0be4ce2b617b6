// SPDX-License-Identifier: Apache-2.0
/*
 * test_os_version_linux.c - on the Linux platform: the macOS version comes
 * from the platform's sysctlbyname() (26, or VMNET_LINUX_MACOS_VERSION),
 * vmnet needs root whatever it says, and _NSGetExecutablePath() names the
 * running executable as /proc/self/exe does.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <mach-o/dyld.h>

#include "os_version.h"

#define VERSION_ENV "VMNET_LINUX_MACOS_VERSION"

static void
test_stands_in_for_macos_26(void **state)
{
	(void)state;
	unsetenv(VERSION_ENV);
	assert_int_equal(os_version_current(), 26);
	assert_true(os_version_vmnet_needs_root());
}

static void
test_override_picks_an_older_macos(void **state)
{
	(void)state;
	setenv(VERSION_ENV, "15.5", 1);
	assert_int_equal(os_version_current(), 15);
	/* Root is the platform's need, not the version's. */
	assert_true(os_version_vmnet_needs_root());
	setenv(VERSION_ENV, "27.0", 1);
	assert_int_equal(os_version_current(), 27);
	assert_true(os_version_vmnet_needs_root());
	unsetenv(VERSION_ENV);
}

static void
test_override_must_be_a_version(void **state)
{
	(void)state;
	setenv(VERSION_ENV, "fifteen", 1);
	assert_int_equal(os_version_current(), 26);
	setenv(VERSION_ENV, "", 1);
	assert_int_equal(os_version_current(), 26);
	unsetenv(VERSION_ENV);
}

static void
test_executable_path(void **state)
{
	char want[PATH_MAX], got[PATH_MAX];
	uint32_t size = sizeof(got);
	ssize_t n = readlink("/proc/self/exe", want, sizeof(want) - 1);

	(void)state;
	assert_true(n > 0);
	want[n] = '\0';
	assert_int_equal(_NSGetExecutablePath(got, &size), 0);
	assert_string_equal(got, want);
}

static void
test_executable_path_too_small(void **state)
{
	char buf[4] = "xyz";
	uint32_t size = sizeof(buf);
	char want[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", want, sizeof(want) - 1);

	(void)state;
	assert_int_equal(_NSGetExecutablePath(buf, &size), -1);
	/* The size it needs, NUL included; the buffer untouched. */
	assert_int_equal(size, (uint32_t)n + 1);
	assert_string_equal(buf, "xyz");
	size = (uint32_t)n;
	assert_int_equal(_NSGetExecutablePath(want, &size), -1);
	assert_int_equal(size, (uint32_t)n + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stands_in_for_macos_26),
	    cmocka_unit_test(test_override_picks_an_older_macos),
	    cmocka_unit_test(test_override_must_be_a_version),
	    cmocka_unit_test(test_executable_path),
	    cmocka_unit_test(test_executable_path_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
