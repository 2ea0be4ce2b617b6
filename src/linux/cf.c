// SPDX-License-Identifier: Apache-2.0
/*
 * cf.c - CFRetain() and CFRelease() for the Linux platform's CoreFoundation
 * objects (vmnet_network_ref, vmnet_network_configuration_ref).
 *
 * Each such object starts with a struct cf_object; the last release calls
 * its finalizer. As on macOS, NULL or a foreign pointer is the caller's bug:
 * CoreFoundation crashes on NULL, and so does this.
 */
#include <CoreFoundation/CoreFoundation.h>
#include <stdlib.h>

#include "cf_internal.h"

void
cf_object_init(struct cf_object *obj, void (*finalize)(struct cf_object *obj))
{
	atomic_init(&obj->refs, 1);
	obj->finalize = finalize;
}

CFTypeRef
CFRetain(CFTypeRef cf)
{
	struct cf_object *obj = (struct cf_object *)(uintptr_t)cf;

	if (!obj)
		abort();
	atomic_fetch_add(&obj->refs, 1);
	return cf;
}

void
CFRelease(CFTypeRef cf)
{
	struct cf_object *obj = (struct cf_object *)(uintptr_t)cf;

	if (!obj)
		abort();
	if (atomic_fetch_sub(&obj->refs, 1) == 1)
		obj->finalize(obj);
}
