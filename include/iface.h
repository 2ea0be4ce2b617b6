/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iface.h - the helper's one vmnet interface: started the way the options
 * ask (a named network, the macOS 26 network API, or the classic
 * description), stopped at exit, each with its one error line.
 */
#ifndef IFACE_H
#define IFACE_H

#include <stdbool.h>

#include <dispatch/dispatch.h>

#include "netopts.h"
#include "options.h"
#include "vmnet_if.h"

#ifdef __cplusplus
extern "C" {
#endif

int iface_start(struct vmnet_if *vif, const struct options *opts, enum netopts_api api,
                dispatch_queue_t queue, bool *not_authorized);
int iface_stop(struct vmnet_if *vif);

#ifdef __cplusplus
}
#endif

#endif /* IFACE_H */
