/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet.h - declarations of the vmnet.framework API used by vmnet-helper.
 *
 * Used where the real SDK header is absent: on Linux, where src/linux/
 * implements these functions on TAP devices and bridges, and in the macOS
 * cross build, which links against the real framework through a .tbd stub.
 * Names, types and values are those of Apple's header (macOS 15 SDK).
 */
#ifndef VMNET_VMNET_H
#define VMNET_VMNET_H

#include <stdint.h>
#include <sys/uio.h>

#include <dispatch/dispatch.h>
#include <xpc/xpc.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t operating_modes_t;
enum {
	VMNET_HOST_MODE = 1000,
	VMNET_SHARED_MODE = 1001,
	VMNET_BRIDGED_MODE = 1002,
};

typedef uint32_t interface_event_t;
enum {
	VMNET_INTERFACE_PACKETS_AVAILABLE = 1 << 0,
};

typedef uint32_t vmnet_return_t;
enum {
	VMNET_SUCCESS = 1000,
	VMNET_FAILURE = 1001,
	VMNET_MEM_FAILURE = 1002,
	VMNET_INVALID_ARGUMENT = 1003,
	VMNET_SETUP_INCOMPLETE = 1004,
	VMNET_INVALID_ACCESS = 1005,
	VMNET_PACKET_TOO_BIG = 1006,
	VMNET_BUFFER_EXHAUSTED = 1007,
	VMNET_TOO_MANY_PACKETS = 1008,
	VMNET_SHARING_SERVICE_BUSY = 1009,
	VMNET_NOT_AUTHORIZED = 1010,
};

typedef struct vmnet_interface *interface_ref;

struct vmpktdesc {
	size_t vm_pkt_size;
	struct iovec *vm_pkt_iov;
	uint32_t vm_pkt_iovcnt;
	uint32_t vm_flags;
};

typedef void (^vmnet_start_interface_completion_handler_t)(vmnet_return_t status,
                                                           xpc_object_t interface_param);
typedef void (^vmnet_interface_event_callback_t)(interface_event_t event_mask, xpc_object_t event);
typedef void (^vmnet_interface_completion_handler_t)(vmnet_return_t status);

/* Interface description keys (desc) and interface parameter keys (param). */
extern const char *vmnet_operation_mode_key;
extern const char *vmnet_shared_interface_name_key;
extern const char *vmnet_mac_address_key;
extern const char *vmnet_allocate_mac_address_key;
extern const char *vmnet_mtu_key;
extern const char *vmnet_max_packet_size_key;
extern const char *vmnet_interface_id_key;
extern const char *vmnet_start_address_key;
extern const char *vmnet_end_address_key;
extern const char *vmnet_subnet_mask_key;
extern const char *vmnet_nat66_prefix_key;
extern const char *vmnet_nat66_prefix_length_key;
extern const char *vmnet_estimated_packets_available_key;
extern const char *vmnet_network_identifier_key;
extern const char *vmnet_host_ip_address_key;
extern const char *vmnet_host_subnet_mask_key;
extern const char *vmnet_host_ipv6_address_key;
extern const char *vmnet_enable_tso_key;
extern const char *vmnet_enable_isolation_key;
extern const char *vmnet_enable_checksum_offload_key;
/* Since macOS 15 (weak below that): use behind __builtin_available. */
extern const char *vmnet_read_max_packets_key
    __attribute__((availability(macos, introduced = 15.0)));
extern const char *vmnet_write_max_packets_key
    __attribute__((availability(macos, introduced = 15.0)));

interface_ref vmnet_start_interface(xpc_object_t interface_desc, dispatch_queue_t queue,
                                    vmnet_start_interface_completion_handler_t handler);
vmnet_return_t vmnet_interface_set_event_callback(interface_ref interface,
                                                  interface_event_t event_mask,
                                                  dispatch_queue_t queue,
                                                  vmnet_interface_event_callback_t callback);
vmnet_return_t vmnet_write(interface_ref interface, struct vmpktdesc *packets, int *pktcnt);
vmnet_return_t vmnet_read(interface_ref interface, struct vmpktdesc *packets, int *pktcnt);
vmnet_return_t vmnet_stop_interface(interface_ref interface, dispatch_queue_t queue,
                                    vmnet_interface_completion_handler_t handler);
xpc_object_t vmnet_copy_shared_interface_list(void);

#ifdef __cplusplus
}
#endif

#endif /* VMNET_VMNET_H */
