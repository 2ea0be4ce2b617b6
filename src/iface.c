// SPDX-License-Identifier: Apache-2.0
/*
 * iface.c - start and stop the helper's interface (see iface.h).
 *
 * Three ways to the same interface: --network NAME asks a network service
 * for the network (netclient.c); network options only the macOS 26 network
 * API serves create a network of the helper's own (netstart.c); everything
 * else is vmnet_start_interface() with the classic description, then the
 * port forwards (vmnet_if.c, netstart.c). Whichever ran, failures end in
 * the same error line, and a refusal for lack of authorization is reported
 * to the caller, which exits with its own status for it.
 */
#include "iface.h"

#include <errno.h>

#include "fwd.h"
#include "log.h"
#include "netclient.h"
#include "netstart.h"
#include "os_version.h"

/* The classic description, then the port forwards. Return: 0 or -1, *@err set. */
static int
start_classic(struct vmnet_if *vif, const struct options *opts, dispatch_queue_t queue,
              struct netstart_error *err)
{
	xpc_object_t desc = vmnet_if_describe(opts);
	int rc;

	if (!desc) {
		err->what = NULL;
		return -1;
	}
	rc = vmnet_if_start(vif, desc, queue, VMNET_IF_START_TIMEOUT_SEC, &err->status);
	xpc_release(desc);
	if (rc == 0 && opts->net.nforwards)
		rc = netstart_forwards(vif, &opts->net, VMNET_IF_START_TIMEOUT_SEC, err);
	return rc;
}

/*
 * iface_start() - create @vif (as root on macOS 15 and earlier)
 * @api:		how the network options are served (netopts_plan())
 * @not_authorized:	set when vmnet refused for lack of root or entitlement
 *
 * Return: 0, or -1 after logging why
 */
int
iface_start(struct vmnet_if *vif, const struct options *opts, enum netopts_api api,
            dispatch_queue_t queue, bool *not_authorized)
{
	struct netstart_error err = {"vmnet_start_interface", VMNET_SUCCESS};
	int rc;

	if (opts->network_name) {
		if (netclient_start(vif, opts, queue, VMNET_IF_START_TIMEOUT_SEC) < 0)
			return -1;
		rc = 0;
	} else if (api == NETOPTS_API_NETWORK) {
		rc = netstart_network(vif, opts, queue, VMNET_IF_START_TIMEOUT_SEC, &err);
	} else {
		rc = start_classic(vif, opts, queue, &err);
		if (rc < 0 && !err.what) {
			log_error("cannot build the interface description");
			return -1;
		}
	}
	if (rc < 0 && errno == ETIMEDOUT) {
		log_error("vmnet did not start the interface within %d seconds",
		          VMNET_IF_START_TIMEOUT_SEC);
		return -1;
	}
	if (rc < 0) {
		log_error("cannot start the vmnet interface: %s (%s, %u) in %s",
		          vmnet_if_status_meaning(err.status), vmnet_if_status_name(err.status),
		          err.status, err.what);
		*not_authorized =
		    vmnet_if_status_unauthorized(err.status, !os_version_vmnet_needs_root());
		return -1;
	}
	if (vif->max_packet_size < FWD_MIN_FRAME) {
		log_error("vmnet reported an invalid max packet size %llu",
		          (unsigned long long)vif->max_packet_size);
		return -1;
	}
	if (opts->network_name)
		log_info("started vmnet interface on network %s, max packet size %llu",
		         opts->network_name, (unsigned long long)vif->max_packet_size);
	else
		log_info("started vmnet interface in %s mode, max packet size %llu",
		         options_mode_name(opts->mode), (unsigned long long)vif->max_packet_size);
	return 0;
}

/* iface_stop() - stop @vif, if it started. Return: 0, or -1 after logging why */
int
iface_stop(struct vmnet_if *vif)
{
	vmnet_return_t status;

	if (!vif->iface)
		return 0;
	if (vmnet_if_stop(vif, VMNET_IF_STOP_TIMEOUT_SEC, &status) < 0) {
		if (errno == ETIMEDOUT)
			log_error("vmnet did not stop the interface within %d seconds",
			          VMNET_IF_STOP_TIMEOUT_SEC);
		else
			log_error("cannot stop the vmnet interface: %s (%s, %u)",
			          vmnet_if_status_meaning(status), vmnet_if_status_name(status),
			          status);
		return -1;
	}
	log_info("stopped vmnet interface");
	return 0;
}
