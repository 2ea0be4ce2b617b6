/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netsvc.h - the network service, `vmnet-helper --serve-networks`: owns the
 * named networks (macOS 26 vmnet networks) and hands their serializations
 * to the helpers of --network over XPC, with vmnet-broker's protocol
 * (netsvc_proto.h).
 */
#ifndef NETSVC_H
#define NETSVC_H

#include <stddef.h>

#include "options.h"

/*
 * netsvc_main() - serve until idle or asked to stop
 * Return: the exit status (0 idle or stopped; 1 bad config, name taken,
 * no macOS 26 network API)
 */
int netsvc_main(const struct options *o);

/*
 * netsvc_default_config() - the config file used without --network-config:
 * $XDG_CONFIG_HOME/vmnet-helper/networks.conf, else
 * $HOME/.config/vmnet-helper/networks.conf
 *
 * Return: 0, or -1 when neither variable is set (no file: the built-in
 * networks only)
 */
int netsvc_default_config(char *buf, size_t size);

#endif /* NETSVC_H */
