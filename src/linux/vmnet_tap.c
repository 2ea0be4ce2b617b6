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

#define VMNET_TAP_TEMPLATE "vmtap%d"

int
vmnet_tap_open(char name[IF_NAMESIZE], int *index)
{
	struct ifreq ifr;
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strcpy(ifr.ifr_name, VMNET_TAP_TEMPLATE);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
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
