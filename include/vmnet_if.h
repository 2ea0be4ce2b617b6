/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_if.h - the helper's one vmnet interface: description from the
 * options, start and stop with bounded waits, readable status codes.
 */
#ifndef VMNET_IF_H
#define VMNET_IF_H

#include <stdbool.h>
#include <stdint.h>

#include <dispatch/dispatch.h>
#include <vmnet/vmnet.h>
#include <xpc/xpc.h>

#include "options.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Longest wait for vmnet's start and stop completions. A start usually
 * completes in well under a second; vmnet has been seen never completing
 * one (conflicting subnets), which must fail, not hang.
 */
#define VMNET_IF_START_TIMEOUT_SEC 10
#define VMNET_IF_STOP_TIMEOUT_SEC  10

/*
 * The helper's exit status when vmnet refused the start for lack of
 * authorization (vmnet_if_status_unauthorized()); vmnet-client, which
 * tried a direct start, then starts the helper with sudo.
 */
#define VMNET_IF_EXIT_NOT_AUTHORIZED 77

struct vmnet_if {
	interface_ref iface;
	dispatch_queue_t queue; /* completions and packet events run here */
	xpc_object_t param;     /* interface parameters, retained */
	uint64_t max_packet_size;
	uint64_t read_max;  /* vmnet_read_max_packets, 0 if not reported */
	uint64_t write_max; /* vmnet_write_max_packets, 0 if not reported */
};

xpc_object_t vmnet_if_describe(const struct options *o);
void vmnet_if_describe_port(xpc_object_t desc, const struct options *o);
int vmnet_if_start(struct vmnet_if *vif, xpc_object_t desc, dispatch_queue_t queue, int timeout_sec,
                   vmnet_return_t *status);
int vmnet_if_start_on(struct vmnet_if *vif, vmnet_network_ref network, xpc_object_t desc,
                      dispatch_queue_t queue, int timeout_sec, vmnet_return_t *status);
int vmnet_if_set_callback(struct vmnet_if *vif, dispatch_block_t on_packets);
int vmnet_if_stop(struct vmnet_if *vif, int timeout_sec, vmnet_return_t *status);
const char *vmnet_if_status_name(vmnet_return_t status);
const char *vmnet_if_status_meaning(vmnet_return_t status);
const char *vmnet_if_status_meaning_on(vmnet_return_t status, bool rootless);
bool vmnet_if_status_unauthorized(vmnet_return_t status, bool rootless);
int vmnet_if_shared_interfaces(bool (^each)(const char *name));

#ifdef __cplusplus
}
#endif

#endif /* VMNET_IF_H */
