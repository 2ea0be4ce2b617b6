/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_tap.h - the TAP device behind an emulated vmnet interface.
 */
#ifndef VMNET_TAP_H
#define VMNET_TAP_H

#include <net/if.h>

/*
 * vmnet_tap_open() - create a TAP device named "vmtap<N>"
 * @name:	set to the device name the kernel chose
 * @index:	set to its interface index
 * @modes:	enum vmnet_offload_mode bits, 0 for none
 *
 * The device carries plain Ethernet frames (no packet information header),
 * behind a virtio-net header when @modes is not 0 (with TSO the kernel
 * hands out GSO frames and partial checksums), is not persistent (it
 * disappears when the descriptor is closed, also when the process dies)
 * and the descriptor is non-blocking and close-on-exec.
 *
 * Return: the descriptor, or -1 with errno.
 */
int vmnet_tap_open(char name[IF_NAMESIZE], int *index, unsigned modes);

#endif /* VMNET_TAP_H */
