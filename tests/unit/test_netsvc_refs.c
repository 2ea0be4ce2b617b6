// SPDX-License-Identifier: Apache-2.0
/*
 * test_netsvc_refs.c - the network service's reference counting: per
 * client, released a delay after the last client leaves, kept when a
 * client comes back in time, idle when nothing is left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "netsvc_refs.h"

static int net_a, net_b; /* stand-ins for network objects */

static void
test_release_after_last_client(void **state)
{
	struct netsvc_refs r;
	struct netsvc_ref *ref;
	char name[NETSVC_NAME_MAX + 1];
	int c1, c2;

	(void)state;
	netsvc_refs_init(&r, 3000, 0);
	assert_true(netsvc_refs_idle(&r));
	ref = netsvc_refs_acquire(&r, &c1, "shared");
	assert_null(ref->network); /* the caller creates it */
	ref->network = &net_a;
	assert_false(netsvc_refs_idle(&r));
	ref = netsvc_refs_acquire(&r, &c2, "shared");
	assert_ptr_equal(ref->network, &net_a); /* the same network */
	assert_int_equal(ref->users, 2);
	/* Acquiring again on the same connection counts once. */
	ref = netsvc_refs_acquire(&r, &c2, "shared");
	assert_int_equal(ref->users, 2);

	assert_int_equal(netsvc_refs_leave(&r, &c1, 1000), 1);
	assert_null(netsvc_refs_take_expired(&r, 100000, name)); /* c2 still holds it */
	assert_int_equal(netsvc_refs_leave(&r, &c2, 2000), 1);
	assert_int_equal(netsvc_refs_leave(&r, &c2, 2000), 0);
	assert_null(netsvc_refs_take_expired(&r, 4999, name));
	assert_false(netsvc_refs_idle(&r));
	assert_ptr_equal(netsvc_refs_take_expired(&r, 5000, name), &net_a);
	assert_string_equal(name, "shared");
	assert_null(netsvc_refs_take_expired(&r, 5000, name));
	assert_true(netsvc_refs_idle(&r));
	assert_int_equal(r.idle_since, 5000);
	netsvc_refs_fini(&r);
}

static void
test_comeback_keeps_network(void **state)
{
	struct netsvc_refs r;
	struct netsvc_ref *ref;
	char name[NETSVC_NAME_MAX + 1];
	int c1, c2;

	(void)state;
	netsvc_refs_init(&r, 3000, 0);
	netsvc_refs_acquire(&r, &c1, "lab")->network = &net_a;
	netsvc_refs_leave(&r, &c1, 1000);
	ref = netsvc_refs_acquire(&r, &c2, "lab"); /* within the delay */
	assert_ptr_equal(ref->network, &net_a);
	assert_null(netsvc_refs_take_expired(&r, 10000, name));
	netsvc_refs_fini(&r);
}

static void
test_several_networks_and_clients(void **state)
{
	struct netsvc_refs r;
	char name[NETSVC_NAME_MAX + 1];
	int c1, c2;
	void *first, *second;

	(void)state;
	netsvc_refs_init(&r, 0, 0);
	netsvc_refs_acquire(&r, &c1, "a")->network = &net_a;
	netsvc_refs_acquire(&r, &c1, "b")->network = &net_b;
	netsvc_refs_acquire(&r, &c2, "b");
	assert_int_equal(netsvc_refs_leave(&r, &c1, 10), 2);
	/* a is free at once (delay 0), b is still c2's. */
	assert_ptr_equal(netsvc_refs_take_expired(&r, 10, name), &net_a);
	assert_string_equal(name, "a");
	assert_null(netsvc_refs_take_expired(&r, 10, name));
	/* c2's hold survived the move of b's entry. */
	assert_int_equal(netsvc_refs_leave(&r, &c2, 20), 1);
	first = netsvc_refs_take_expired(&r, 20, name);
	second = netsvc_refs_take_expired(&r, 20, name);
	assert_ptr_equal(first, &net_b);
	assert_null(second);
	assert_true(netsvc_refs_idle(&r));
	netsvc_refs_fini(&r);
}

static void
test_abort_failed_create(void **state)
{
	struct netsvc_refs r;
	struct netsvc_ref *ref;
	char name[NETSVC_NAME_MAX + 1];
	int c1, c2;

	(void)state;
	netsvc_refs_init(&r, 5000, 0);
	ref = netsvc_refs_acquire(&r, &c1, "bad");
	assert_null(ref->network);
	netsvc_refs_abort(&r, &c1, "bad", 7);
	assert_true(netsvc_refs_idle(&r));
	assert_int_equal(r.idle_since, 7);
	assert_int_equal(netsvc_refs_leave(&r, &c1, 8), 0);
	/* Abort of a network others hold keeps it. */
	netsvc_refs_acquire(&r, &c1, "ok")->network = &net_a;
	netsvc_refs_acquire(&r, &c2, "ok");
	netsvc_refs_abort(&r, &c2, "ok", 9);
	ref = netsvc_refs_acquire(&r, &c1, "ok");
	assert_int_equal(ref->users, 1);
	assert_ptr_equal(ref->network, &net_a);
	assert_null(netsvc_refs_take_expired(&r, 100000, name));
	netsvc_refs_fini(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_release_after_last_client),
	    cmocka_unit_test(test_comeback_keeps_network),
	    cmocka_unit_test(test_several_networks_and_clients),
	    cmocka_unit_test(test_abort_failed_create),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
