/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xpc_internal.h - inspection hooks of the Linux XPC objects (src/linux/xpc.c)
 * that Apple's API does not have; used by the unit tests.
 */
#ifndef XPC_INTERNAL_H
#define XPC_INTERNAL_H

#include <xpc/xpc.h>

/* Return: the current reference count of @object, 0 for NULL. */
unsigned int xpc_refcount(xpc_object_t object);

#endif /* XPC_INTERNAL_H */
