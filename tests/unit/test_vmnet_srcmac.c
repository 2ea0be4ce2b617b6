// SPDX-License-Identifier: Apache-2.0
/*
 * test_vmnet_srcmac.c - the per-interface table of source addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/linux/vmnet_srcmac.h"

static void
mac_n(unsigned n, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

static bool
allow_n(struct vmnet_srcmac *t, unsigned n, int64_t now)
{
	uint8_t mac[6];

	mac_n(n, mac);
	return vmnet_srcmac_allow(t, mac, now);
}

/* An empty table, then addresses 0 to VMNET_SRCMAC_MAX - 1 at @now: all pass. */
static void
fill(struct vmnet_srcmac *t, int64_t now)
{
	memset(t, 0, sizeof(*t));
	for (unsigned n = 0; n < VMNET_SRCMAC_MAX; n++)
		assert_true(allow_n(t, n, now));
}

static void
test_cap(void **state)
{
	struct vmnet_srcmac t;
	unsigned n;

	(void)state;
	fill(&t, 100);
	/* Full: a new address is refused, known ones still pass. */
	assert_false(allow_n(&t, VMNET_SRCMAC_MAX, 100));
	assert_false(allow_n(&t, 100000, 200));
	for (n = 0; n < VMNET_SRCMAC_MAX; n++)
		assert_true(allow_n(&t, n, 200));
	assert_int_equal(t.count, VMNET_SRCMAC_MAX);
}

static void
test_unused_address_gives_its_slot_up(void **state)
{
	struct vmnet_srcmac t;
	unsigned n;

	(void)state;
	fill(&t, 0);
	/* Every address but 7 stays in use. */
	for (n = 0; n < VMNET_SRCMAC_MAX; n++)
		if (n != 7)
			assert_true(allow_n(&t, n, VMNET_SRCMAC_AGE_SEC - 1));
	assert_false(allow_n(&t, 1000, VMNET_SRCMAC_AGE_SEC - 1));
	assert_true(allow_n(&t, 1000, VMNET_SRCMAC_AGE_SEC));
	/* 7 lost its slot; no other slot is free yet. */
	assert_false(allow_n(&t, 7, VMNET_SRCMAC_AGE_SEC));
	assert_true(allow_n(&t, 1000, VMNET_SRCMAC_AGE_SEC + 1));
}

static void
test_group_and_zero_addresses_not_counted(void **state)
{
	static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t multicast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t zero[6];
	struct vmnet_srcmac t;

	(void)state;
	fill(&t, 0);
	assert_true(vmnet_srcmac_allow(&t, broadcast, 0));
	assert_true(vmnet_srcmac_allow(&t, multicast, 0));
	assert_true(vmnet_srcmac_allow(&t, zero, 0));
	assert_int_equal(t.count, VMNET_SRCMAC_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_unused_address_gives_its_slot_up),
	    cmocka_unit_test(test_group_and_zero_addresses_not_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
