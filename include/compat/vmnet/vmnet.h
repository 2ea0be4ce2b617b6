/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet.h - declarations of the vmnet.framework API, up to macOS 26.
 *
 * Used where the real SDK header is absent: on Linux, where src/linux/
 * implements these functions on TAP devices and bridges, and in the macOS
 * cross build, which links against the real framework through the stub
 * scripts/macos/vmnet.framework/vmnet.tbd. Names, types, values and
 * signatures are those of Apple's header (macOS 26.1 SDK), and so is the
 * availability of every symbol: on Darwin API_AVAILABLE() makes clang
 * weak-bind what is newer than the deployment target and warn about an
 * unguarded use; on Linux the annotations are empty. The .tbd lists the
 * same symbols under the same "# macOS X.Y" introduction versions.
 *
 * The macOS 26 objects (vmnet_network_ref, vmnet_network_configuration_ref)
 * are CoreFoundation objects: release them with CFRelease() from
 * <CoreFoundation/CoreFoundation.h>, which the Linux platform provides for
 * its own objects (include/compat/CoreFoundation/CoreFoundation.h).
 */
#ifndef VMNET_VMNET_H
#define VMNET_VMNET_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <CoreFoundation/CoreFoundation.h>
#include <dispatch/dispatch.h>
#include <xpc/xpc.h>

#ifdef __APPLE__
#include <os/availability.h>
#endif

/* Linux has no availability attributes: every symbol is there. */
#ifndef API_AVAILABLE
#define API_AVAILABLE(...)
#endif
#ifndef API_DEPRECATED
#define API_DEPRECATED(...)
#endif
#ifndef API_UNAVAILABLE
#define API_UNAVAILABLE(...)
#endif

/*
 * Darwin's <net/ethernet.h> has ether_addr_t, glibc's only struct
 * ether_addr (same six bytes, other field name); zig's macOS headers have
 * neither. Code should copy the six bytes, not name the field.
 */
#if defined(__APPLE__) && !__has_include(<net/ethernet.h>)
typedef struct ether_addr {
	unsigned char octet[6];
} ether_addr_t;
#else
#include <net/ethernet.h>
#ifndef __APPLE__
typedef struct ether_addr ether_addr_t;
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define VMNET_AVAILABLE(v) API_AVAILABLE(macos(v)) API_UNAVAILABLE(ios, watchos, tvos)
#define VMNET_DEPRECATED(msg, since, until)                                                        \
	API_DEPRECATED(msg, macos(since, until)) API_UNAVAILABLE(ios, watchos, tvos)

typedef uint32_t operating_modes_t;
enum {
	VMNET_HOST_MODE = 1000,
	VMNET_SHARED_MODE = 1001,
	VMNET_BRIDGED_MODE VMNET_AVAILABLE(10.15) = 1002,
};

typedef operating_modes_t vmnet_mode_t VMNET_AVAILABLE(26.0);

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

struct vmpktdesc {
	size_t vm_pkt_size;
	struct iovec *vm_pkt_iov;
	uint32_t vm_pkt_iovcnt;
	uint32_t vm_flags;
};

typedef struct vmnet_interface *interface_ref;

/* Interface description keys (desc), parameter keys (param), event keys. */
extern const char *const vmnet_operation_mode_key VMNET_AVAILABLE(10.10);
extern const char *const vmnet_shared_interface_name_key VMNET_AVAILABLE(10.15);
extern const char *const vmnet_mac_address_key VMNET_AVAILABLE(10.10);
extern const char *const vmnet_allocate_mac_address_key VMNET_AVAILABLE(10.15);
extern const char *const vmnet_mtu_key VMNET_AVAILABLE(10.10);
extern const char *const vmnet_max_packet_size_key VMNET_AVAILABLE(10.10);
extern const char *const vmnet_interface_id_key VMNET_AVAILABLE(10.10);
extern const char *const vmnet_start_address_key VMNET_AVAILABLE(10.15);
extern const char *const vmnet_end_address_key VMNET_AVAILABLE(10.15);
extern const char *const vmnet_subnet_mask_key VMNET_AVAILABLE(10.15);
extern const char *const vmnet_nat66_prefix_key VMNET_AVAILABLE(10.15);
extern const char *const vmnet_nat66_prefix_length_key VMNET_DEPRECATED("No longer supported",
                                                                        10.15, 11.0);
extern const char *const vmnet_estimated_packets_available_key VMNET_AVAILABLE(10.10);
extern const char *const vmnet_network_identifier_key VMNET_AVAILABLE(11.0);
extern const char *const vmnet_host_ip_address_key VMNET_AVAILABLE(11.0);
extern const char *const vmnet_host_subnet_mask_key VMNET_AVAILABLE(11.0);
extern const char *const vmnet_host_ipv6_address_key VMNET_AVAILABLE(11.0);
extern const char *const vmnet_enable_tso_key VMNET_AVAILABLE(11.0);
extern const char *const vmnet_enable_isolation_key VMNET_AVAILABLE(11.0);
extern const char *const vmnet_enable_checksum_offload_key VMNET_AVAILABLE(12.0);
extern const char *const vmnet_enable_virtio_header_key VMNET_AVAILABLE(15.4);
#define vmnet_enable_virtio_header_key vmnet_enable_virtio_header_key
extern const char *const vmnet_read_max_packets_key VMNET_AVAILABLE(15.0);
extern const char *const vmnet_write_max_packets_key VMNET_AVAILABLE(15.0);

typedef void (^vmnet_start_interface_completion_handler_t)(vmnet_return_t status,
                                                           xpc_object_t interface_param);
typedef void (^vmnet_interface_event_callback_t)(interface_event_t event_mask, xpc_object_t event);
typedef void (^vmnet_interface_completion_handler_t)(vmnet_return_t status);
/* rules: an xpc array of xpc dictionaries, or NULL when there are none. */
typedef void (^vmnet_interface_get_port_forwarding_rules_handler_t)(xpc_object_t rules);
typedef void (^vmnet_interface_get_ip_port_forwarding_rules_handler_t)(xpc_object_t rules);

/* Interfaces. */
interface_ref vmnet_start_interface(xpc_object_t interface_desc, dispatch_queue_t queue,
                                    vmnet_start_interface_completion_handler_t handler)
    VMNET_AVAILABLE(10.10);
vmnet_return_t vmnet_interface_set_event_callback(interface_ref interface,
                                                  interface_event_t event_mask,
                                                  dispatch_queue_t queue,
                                                  vmnet_interface_event_callback_t callback)
    API_UNAVAILABLE(ios, watchos, tvos);
vmnet_return_t vmnet_write(interface_ref interface, struct vmpktdesc *packets, int *pktcnt)
    VMNET_AVAILABLE(10.10);
vmnet_return_t vmnet_read(interface_ref interface, struct vmpktdesc *packets, int *pktcnt)
    VMNET_AVAILABLE(10.10);
vmnet_return_t vmnet_stop_interface(interface_ref interface, dispatch_queue_t queue,
                                    vmnet_interface_completion_handler_t handler)
    VMNET_AVAILABLE(10.10);
xpc_object_t vmnet_copy_shared_interface_list(void) VMNET_AVAILABLE(10.15);

/* Port forwarding on a running shared-mode interface, IPv4 only (10.15). */
vmnet_return_t
vmnet_interface_add_port_forwarding_rule(interface_ref interface, uint8_t protocol,
                                         uint16_t external_port, struct in_addr internal_address,
                                         uint16_t internal_port,
                                         vmnet_interface_completion_handler_t handler)
    VMNET_DEPRECATED("replaced by vmnet_interface_add_ip_port_forwarding_rule", 10.15, 12.0);
vmnet_return_t
vmnet_interface_remove_port_forwarding_rule(interface_ref interface, uint8_t protocol,
                                            uint16_t external_port,
                                            vmnet_interface_completion_handler_t handler)
    VMNET_DEPRECATED("replaced by vmnet_interface_remove_ip_port_forwarding_rule", 10.15, 12.0);
vmnet_return_t vmnet_port_forwarding_rule_get_details(xpc_object_t rule, uint8_t *protocol,
                                                      uint16_t *external_port,
                                                      struct in_addr *internal_address,
                                                      uint16_t *internal_port)
    VMNET_DEPRECATED("replaced by vmnet_ip_port_forwarding_rule_get_details", 10.15, 12.0);
vmnet_return_t vmnet_interface_get_port_forwarding_rules(
    interface_ref interface, vmnet_interface_get_port_forwarding_rules_handler_t handler)
    VMNET_DEPRECATED("replaced by vmnet_interface_get_ip_port_forwarding_rules", 10.15, 12.0);

/* Port forwarding, IPv4 or IPv6 (11.0); ports in host byte order. */
vmnet_return_t vmnet_interface_add_ip_port_forwarding_rule(
    interface_ref interface, uint8_t protocol, uint16_t external_port, uint8_t address_family,
    const void *internal_address, uint16_t internal_port,
    vmnet_interface_completion_handler_t handler) VMNET_AVAILABLE(11.0);
vmnet_return_t vmnet_interface_remove_ip_port_forwarding_rule(
    interface_ref interface, uint8_t protocol, uint16_t external_port, uint8_t address_family,
    vmnet_interface_completion_handler_t handler) VMNET_AVAILABLE(11.0);
vmnet_return_t vmnet_ip_port_forwarding_rule_get_details(
    xpc_object_t rule, uint8_t *protocol, uint16_t *external_port, uint8_t address_family,
    void *internal_address, uint16_t *internal_port) VMNET_AVAILABLE(11.0);
vmnet_return_t vmnet_interface_get_ip_port_forwarding_rules(
    interface_ref interface, uint8_t address_family,
    vmnet_interface_get_ip_port_forwarding_rules_handler_t handler) VMNET_AVAILABLE(11.0);

/* Networks (26.0): CoreFoundation objects, released with CFRelease(). */
typedef struct vmnet_network *vmnet_network_ref;
typedef struct vmnet_network_configuration *vmnet_network_configuration_ref;

CF_RETURNS_RETAINED vmnet_network_configuration_ref
vmnet_network_configuration_create(vmnet_mode_t mode, vmnet_return_t *status) VMNET_AVAILABLE(26.0);
CF_RETURNS_RETAINED vmnet_network_ref vmnet_network_create(
    vmnet_network_configuration_ref configuration, vmnet_return_t *status) VMNET_AVAILABLE(26.0);
void vmnet_network_get_ipv4_subnet(vmnet_network_ref network, struct in_addr *subnet,
                                   struct in_addr *mask) VMNET_AVAILABLE(26.0);
void vmnet_network_get_ipv6_prefix(vmnet_network_ref network, struct in6_addr *prefix,
                                   uint8_t *prefix_len) VMNET_AVAILABLE(26.0);
xpc_object_t vmnet_network_copy_serialization(vmnet_network_ref network, vmnet_return_t *status)
    VMNET_AVAILABLE(26.0);
CF_RETURNS_RETAINED vmnet_network_ref vmnet_network_create_with_serialization(
    xpc_object_t network, vmnet_return_t *status) VMNET_AVAILABLE(26.0);
interface_ref vmnet_interface_start_with_network(
    vmnet_network_ref network, xpc_object_t interface_desc, dispatch_queue_t queue,
    vmnet_start_interface_completion_handler_t start_block) VMNET_AVAILABLE(26.0);
vmnet_return_t vmnet_network_configuration_set_external_interface(
    vmnet_network_configuration_ref config, const char *interface_name) VMNET_AVAILABLE(26.0);
void vmnet_network_configuration_disable_nat44(vmnet_network_configuration_ref config)
    VMNET_AVAILABLE(26.0);
void vmnet_network_configuration_disable_nat66(vmnet_network_configuration_ref config)
    VMNET_AVAILABLE(26.0);
void vmnet_network_configuration_disable_dhcp(vmnet_network_configuration_ref config)
    VMNET_AVAILABLE(26.0);
void vmnet_network_configuration_disable_dns_proxy(vmnet_network_configuration_ref config)
    VMNET_AVAILABLE(26.0);
void
vmnet_network_configuration_disable_router_advertisement(vmnet_network_configuration_ref config)
    VMNET_AVAILABLE(26.0);
vmnet_return_t vmnet_network_configuration_set_ipv4_subnet(vmnet_network_configuration_ref config,
                                                           const struct in_addr *subnet_addr,
                                                           const struct in_addr *subnet_mask)
    VMNET_AVAILABLE(26.0);
vmnet_return_t vmnet_network_configuration_set_ipv6_prefix(vmnet_network_configuration_ref config,
                                                           const struct in6_addr *prefix,
                                                           uint8_t len) VMNET_AVAILABLE(26.0);
/* Note the argument order: internal_port before external_port. */
vmnet_return_t vmnet_network_configuration_add_port_forwarding_rule(
    vmnet_network_configuration_ref config, uint8_t protocol, sa_family_t address_family,
    uint16_t internal_port, uint16_t external_port, const void *internal_address)
    VMNET_AVAILABLE(26.0);
vmnet_return_t vmnet_network_configuration_add_dhcp_reservation(
    vmnet_network_configuration_ref config, const ether_addr_t *client,
    const struct in_addr *reservation) VMNET_AVAILABLE(26.0);
vmnet_return_t vmnet_network_configuration_set_mtu(vmnet_network_configuration_ref config,
                                                   uint32_t mtu) VMNET_AVAILABLE(26.0);

#undef VMNET_AVAILABLE
#undef VMNET_DEPRECATED

#ifdef __cplusplus
}
#endif

#endif /* VMNET_VMNET_H */
