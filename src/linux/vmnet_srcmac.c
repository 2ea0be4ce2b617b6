// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_srcmac.c - the source addresses an interface may send from (see
 * vmnet_srcmac.h).
 *
 * Theory of operation: the bridge learns every unicast source address a
 * port sends from, and one learned entry costs about 128 bytes of kernel
 * memory for 300 seconds; a guest sending from random addresses would
 * grow the table without bound. Kernels before 6.7 have no per-bridge
 * limit (IFLA_BR_FDB_MAX_LEARNED), so vmnet_write() checks each frame's
 * source here first and drops frames from more than VMNET_SRCMAC_MAX
 * addresses at a time. The bridge then never holds more than that many
 * entries learned from the port. The table is small and searched
 * linearly, starting where the previous frame's address was: a guest
 * almost always sends from one address.
 */
#include "vmnet_srcmac.h"

#include <string.h>

static bool
srcmac_learnable(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

bool
vmnet_srcmac_allow(struct vmnet_srcmac *t, const uint8_t mac[6], int64_t now)
{
	unsigned i, slot;

	if (!srcmac_learnable(mac))
		return true;
	if (t->last_hit < t->count && memcmp(t->mac[t->last_hit], mac, 6) == 0) {
		t->last_seen[t->last_hit] = now;
		return true;
	}
	for (i = 0; i < t->count; i++) {
		if (memcmp(t->mac[i], mac, 6) == 0) {
			t->last_seen[i] = now;
			t->last_hit = i;
			return true;
		}
	}
	if (t->count < VMNET_SRCMAC_MAX) {
		slot = t->count++;
	} else {
		for (slot = 0; slot < t->count; slot++)
			if (now - t->last_seen[slot] >= VMNET_SRCMAC_AGE_SEC)
				break;
		if (slot == t->count)
			return false;
	}
	memcpy(t->mac[slot], mac, 6);
	t->last_seen[slot] = now;
	t->last_hit = slot;
	return true;
}
