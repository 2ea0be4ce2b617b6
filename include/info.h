/* SPDX-License-Identifier: Apache-2.0 */
/*
 * info.h - vmnet's interface parameters as the helper's one JSON line.
 */
#ifndef INFO_H
#define INFO_H

#include <xpc/xpc.h>

#ifdef __cplusplus
extern "C" {
#endif

char *info_json(xpc_object_t param);

#ifdef __cplusplus
}
#endif

#endif /* INFO_H */
