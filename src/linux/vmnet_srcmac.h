/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_srcmac.h - the source Ethernet addresses an interface may send
 * from: a small fixed table per interface, so that a guest cannot make
 * the bridge learn an unbounded number of addresses.
 */
#ifndef VMNET_SRCMAC_H
#define VMNET_SRCMAC_H

#include <stdbool.h>
#include <stdint.h>

/* Addresses one interface may use at a time: a guest and what it bridges. */
#define VMNET_SRCMAC_MAX 64
/*
 * An address unused this long gives its slot up: the default ageing time
 * of a Linux bridge, so the bridge has forgotten it by then too.
 */
#define VMNET_SRCMAC_AGE_SEC 300

struct vmnet_srcmac {
	uint8_t mac[VMNET_SRCMAC_MAX][6];
	int64_t last_seen[VMNET_SRCMAC_MAX]; /* seconds, of the caller's clock */
	unsigned count;
	unsigned last_hit; /* where the previous frame's address was */
};

/*
 * vmnet_srcmac_allow() - may a frame from @mac pass at time @now?
 * @t:		the interface's table, zeroed at start
 * @mac:	the frame's source address
 * @now:	a monotonic clock, in seconds
 *
 * A known address passes and is refreshed; a new one takes a free slot,
 * or the slot of an address unused for VMNET_SRCMAC_AGE_SEC. Group and
 * all-zero addresses always pass: the bridge never learns them (it drops
 * such frames).
 *
 * Return: true to send the frame, false to drop it.
 */
bool vmnet_srcmac_allow(struct vmnet_srcmac *t, const uint8_t mac[6], int64_t now);

#endif /* VMNET_SRCMAC_H */
