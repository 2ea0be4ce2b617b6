/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_network.h - the object behind a vmnet_network_ref, shared by
 * vmnet_network.c (create, serialize, release) and vmnet.c (start an
 * interface on it).
 */
#ifndef VMNET_NETWORK_H
#define VMNET_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "cf_internal.h"
#include "vmnet_keeper.h"
#include "vmnet_net.h"

struct vmnet_network {
	struct cf_object cf; /* first: CFRetain/CFRelease */
	uint32_t mode;       /* VMNET_SHARED_MODE or VMNET_HOST_MODE */
	struct vmnet_net net;
	/* Made by vmnet_network_create(): the port that holds the network. */
	int holder_fd; /* its TAP, or -1 for a ref made from a serialization */
	struct vmnet_keeper keeper;
};

#endif /* VMNET_NETWORK_H */
