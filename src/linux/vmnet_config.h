/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_config.h - the object behind a vmnet_network_configuration_ref,
 * shared by vmnet_config.c (the setters) and vmnet_network.c (create).
 */
#ifndef VMNET_CONFIG_H
#define VMNET_CONFIG_H

#include "cf_internal.h"
#include "vmnet_netconf.h"

struct vmnet_network_configuration {
	struct cf_object cf; /* first: CFRetain/CFRelease */
	struct vmnet_netconf conf;
};

#endif /* VMNET_CONFIG_H */
