// SPDX-License-Identifier: Apache-2.0
/*
 * test_os_version.c - the macOS release from stubbed sysctl values,
 * compatibility mode included.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "os_version.h"

/* What the fake sysctlbyname answers; NULL: no such name. */
static const char *osrelease;
static const char *osproductversion;

static int
fake_sysctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
	const char *value = NULL;
	size_t len;

	assert_null(newp);
	assert_int_equal(newlen, 0);
	if (strcmp(name, "kern.osrelease") == 0)
		value = osrelease;
	else if (strcmp(name, "kern.osproductversion") == 0)
		value = osproductversion;
	if (value == NULL) {
		errno = ENOENT;
		return -1;
	}
	/* Like the kernel: the string with its NUL, or ENOMEM if too small. */
	len = strlen(value) + 1;
	if (len > *oldlenp) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(oldp, value, len);
	*oldlenp = len;
	return 0;
}

static int
major(const char *release, const char *product)
{
	osrelease = release;
	osproductversion = product;
	return os_version_macos_major(fake_sysctl);
}

static void
test_macos_26(void **state)
{
	(void)state;
	assert_int_equal(major("25.1.0", "26.1"), 26);
}

static void
test_compat_mode_cannot_fool_it(void **state)
{
	(void)state;
	/* A pre-26 SDK binary on 26 is told "16.0"; the kernel still says 25. */
	assert_int_equal(major("25.1.0", "16.0"), 26);
}

static void
test_macos_15(void **state)
{
	(void)state;
	assert_int_equal(major("24.6.0", "15.6"), 15);
	assert_int_equal(major("22.1.0", "13.0"), 13);
}

static void
test_later_releases(void **state)
{
	(void)state;
	assert_int_equal(major("26.0.0", "27.0"), 27);
}

static void
test_product_version_alone(void **state)
{
	(void)state;
	assert_int_equal(major(NULL, "26.1"), 26);
	assert_int_equal(major(NULL, "16.0"), 26);
	assert_int_equal(major(NULL, "14.2"), 14);
}

static void
test_unknown(void **state)
{
	(void)state;
	assert_int_equal(major(NULL, NULL), 0);
	assert_int_equal(major("", "garbage"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_macos_26),
	    cmocka_unit_test(test_compat_mode_cannot_fool_it),
	    cmocka_unit_test(test_macos_15),
	    cmocka_unit_test(test_later_releases),
	    cmocka_unit_test(test_product_version_alone),
	    cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
