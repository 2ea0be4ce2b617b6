// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_tap.c - create the TAP device of an emulated vmnet interface.
 */
#include "vmnet_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmnet_offload.h"

#define VMNET_TAP_TEMPLATE "vmtap%d"

/* What the TAP may hand us for each vmnet offload (TSO needs checksum offload). */
static unsigned
tap_offload_flags(unsigned modes)
{
	if (modes & VMNET_OFFLOAD_TSO)
		return TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	/*
	 * Checksum offload alone: frames read get their checksums from the
	 * kernel, in the sender's context, not in ours.
	 */
	return 0;
}

int
vmnet_tap_open(char name[IF_NAMESIZE], int *index, unsigned modes)
{
	struct ifreq ifr;
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (modes ? IFF_VNET_HDR : 0);
	strcpy(ifr.ifr_name, VMNET_TAP_TEMPLATE);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	if (modes && ioctl(fd, TUNSETOFFLOAD, tap_offload_flags(modes)) < 0)
		goto fail;
	memcpy(name, ifr.ifr_name, IF_NAMESIZE);
	name[IF_NAMESIZE - 1] = '\0';
	*index = (int)if_nametoindex(name);
	if (*index == 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}
