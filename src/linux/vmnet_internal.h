/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_internal.h - what the files of the Linux vmnet API share: the
 * interface behind an interface_ref, used by vmnet.c (start, stop),
 * vmnet_io.c (read, write) and vmnet_event.c (event delivery), and the
 * poller's entry points.
 */
#ifndef VMNET_INTERNAL_H
#define VMNET_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmnet/vmnet.h>

#include "vmnet_desc.h"
#include "vmnet_keeper.h"
#include "vmnet_net.h"
#include "vmnet_network.h"
#include "vmnet_srcmac.h"
#include "vmnet_tapcount.h"

enum iface_state {
	IFACE_STARTING,
	IFACE_RUNNING,
	IFACE_FAILED,
	IFACE_STOPPED,
};

struct vmnet_interface {
	atomic_int state; /* enum iface_state */
	atomic_int busy;  /* vmnet_read/vmnet_write calls in progress */
	int fd;           /* TAP, or -1 */
	size_t max_packet_size;
	unsigned offload; /* enum vmnet_offload_mode bits; the TAP has a vnet header */
	bool attached;    /* the TAP joined a network */
	struct vmnet_keeper keeper;
	struct vmnet_desc desc;
	struct vmnet_net net;
	struct vmnet_network *network; /* started on a network: retained */
	/* Port forwards added at run time (vmnet_portfwd.c), under lock. */
	unsigned nrules;
	struct vmnet_netconf_rule rules[VMNET_NETCONF_MAX_RULES];
	uint8_t mac[6];
	uuid_t id;
	pthread_mutex_t srcmac_lock; /* taken once per vmnet_write() */
	struct vmnet_srcmac srcmac;  /* the guest's source addresses */
	/* Frames waiting on the TAP: counted by the kernel, taken by reads. */
	struct vmnet_tapcount count;

	/* Event delivery; everything below is under lock. */
	pthread_mutex_t lock;
	pthread_t poller;
	bool has_poller;
	bool stopping;        /* the poller must exit */
	int wake_fd;          /* eventfd waking the poller, or -1 */
	int epoll_fd;         /* the poller's: wake_fd and the TAP, or -1 */
	bool tap_armed;       /* the TAP is in the poller's epoll set */
	bool tap_dead;        /* the TAP reported an error: no more watching */
	bool pending;         /* a delivery is queued or running */
	bool delivering;      /* the poller runs a delivery itself */
	bool poller_detached; /* stopped without waiting for the poller */
	uint64_t gen;         /* bumped whenever the callback changes */
	uint64_t pending_gen; /* gen the queued delivery was made for */
	interface_event_t mask;
	dispatch_queue_t queue;
	vmnet_interface_event_callback_t callback;
	xpc_object_t event; /* dictionary handed to the callback */
};

#define VMNET_MAX_PACKETS 256 /* read and write, as macOS 15 reports */
#define VMNET_ETH_HLEN    14

/* The private serial queue all interface work runs on. */
dispatch_queue_t vmnet_work_queue(void);

/* Does this process hold CAP_NET_ADMIN (vmnet's root on macOS)? */
bool vmnet_privileged(void);

/* The name of @iface's own nftables table for run-time port forwards. */
void vmnet_portfwd_table(const struct vmnet_interface *iface, char name[VMNET_KEEPER_TABLE_LEN]);

/* Wake the poller of @iface; called with iface->lock held. */
void vmnet_event_wake_locked(struct vmnet_interface *iface);

/*
 * vmnet_event_open() - the poller's eventfd and epoll set, for @iface's TAP
 *
 * Return: 0, or -1 with errno (nothing left open)
 */
int vmnet_event_open(struct vmnet_interface *iface);

/* Close what vmnet_event_open() made; with iface->lock held, the poller gone. */
void vmnet_event_close_locked(struct vmnet_interface *iface);

/*
 * vmnet_event_poll() - the poller thread of an interface
 * @arg:	the struct vmnet_interface, after vmnet_event_open()
 *
 * Runs until iface->stopping is set and the poller woken.
 */
void *vmnet_event_poll(void *arg);

#endif /* VMNET_INTERNAL_H */
