/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cf_internal.h - the reference count every object the Linux platform
 * hands out as a CoreFoundation object starts with (see cf.c).
 */
#ifndef CF_INTERNAL_H
#define CF_INTERNAL_H

#include <stdatomic.h>

struct cf_object {
	atomic_uint refs;
	void (*finalize)(struct cf_object *obj); /* frees the object */
};

/* Start @obj with one reference, freed by @finalize after the last release. */
void cf_object_init(struct cf_object *obj, void (*finalize)(struct cf_object *obj));

#endif /* CF_INTERNAL_H */
