// SPDX-License-Identifier: Apache-2.0
/*
 * os_version_linux.c - whether vmnet needs root, on the Linux platform: it
 * always does. The platform stands in for macOS 26's API but creates TAP
 * devices, bridges and nftables rules, which need CAP_NET_ADMIN whatever
 * version it reports (src/linux/vmnet.c, vmnet_privileged()).
 */
#include "os_version.h"

bool
os_version_vmnet_needs_root(void)
{
	return true;
}
