/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netclient.h - `vmnet-helper --network NAME`: acquire a named network from
 * a network service (ours, netsvc.h, or an installed vmnet-broker) and
 * start the interface on it.
 */
#ifndef NETCLIENT_H
#define NETCLIENT_H

#include <dispatch/dispatch.h>

#include "netstart.h"
#include "options.h"
#include "vmnet_if.h"

/*
 * netclient_start() - acquire network @o->network_name and start @vif on it
 *
 * The service connection stays open for the life of the process (the
 * service holds the network while it is); when the service goes away the
 * helper is asked to stop with status 1 (stop.h). Starts our own service
 * when its name has no listener (launchd does that on macOS).
 *
 * Return: 0, or -1 after logging why
 */
int netclient_start(struct vmnet_if *vif, const struct options *o, dispatch_queue_t queue,
                    int timeout_sec);

#endif /* NETCLIENT_H */
