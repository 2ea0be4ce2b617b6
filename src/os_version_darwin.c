// SPDX-License-Identifier: Apache-2.0
/*
 * os_version_darwin.c - whether vmnet needs root, on macOS: it does before
 * macOS 26; from 26 a signed helper needs only the entitlement.
 */
#include "os_version.h"

bool
os_version_vmnet_needs_root(void)
{
	/* Unknown (0): assume it does. */
	return os_version_current() < OS_VERSION_ROOTLESS_VMNET;
}
