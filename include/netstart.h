/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netstart.h - start the helper's interface through the API the network
 * options need (netopts_plan()): on a macOS 26 network made from them, or
 * the classic way with its port forwards added after the start.
 */
#ifndef NETSTART_H
#define NETSTART_H

#include <dispatch/dispatch.h>
#include <vmnet/vmnet.h>

#include "netopts.h"
#include "options.h"
#include "vmnet_if.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What failed, for the caller's one error line. */
struct netstart_error {
	const char *what;      /* e.g. "vmnet_network_create" */
	vmnet_return_t status; /* vmnet's answer */
};

vmnet_network_ref netstart_create(const struct options *o, struct netstart_error *err)
    API_AVAILABLE(macos(26.0));
int netstart_join(struct vmnet_if *vif, vmnet_network_ref net, const struct options *o,
                  dispatch_queue_t queue, int timeout_sec, struct netstart_error *err)
    API_AVAILABLE(macos(26.0));
int netstart_network(struct vmnet_if *vif, const struct options *o, dispatch_queue_t queue,
                     int timeout_sec, struct netstart_error *err);
int netstart_forwards(struct vmnet_if *vif, const struct netopts *n, int timeout_sec,
                      struct netstart_error *err);

#ifdef __cplusplus
}
#endif

#endif /* NETSTART_H */
