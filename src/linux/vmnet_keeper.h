/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_keeper.h - the privileged process that removes an interface's
 * network once the interface is stopped or its process is gone, as the
 * root system service behind vmnet.framework does on macOS.
 */
#ifndef VMNET_KEEPER_H
#define VMNET_KEEPER_H

#include <sys/types.h>

#define VMNET_KEEPER_TABLE_LEN 48

/* A running keeper; pid 0 when there is none. */
struct vmnet_keeper {
	pid_t pid;
	int fd; /* our end of the socketpair, close-on-exec */
	/* Set before the start: nftables tables to remove too, or "". */
	char table[VMNET_KEEPER_TABLE_LEN];
	/*
	 * Set before the start: the first process of a dnsmasq still starting
	 * (a child of the caller, reaped only after the start), or 0. The
	 * keeper is ready only once it has exited.
	 */
	pid_t dhcp;
};

/*
 * vmnet_keeper_start() - fork the keeper, while still privileged
 * @k:		filled in
 * @tap_index:	the interface's TAP, which the keeper waits to be gone
 * @timeout_ms:	how long to wait for the keeper to report ready
 *
 * Returns once the keeper holds no descriptor of ours but its end of the
 * socketpair, so it keeps no TAP, lock or caller's socket open, and
 * k->dhcp has exited.
 *
 * Return: 0, or -1 with errno (ETIMEDOUT: not ready in time; no keeper
 * is left running).
 */
int vmnet_keeper_start(struct vmnet_keeper *k, int tap_index, int timeout_ms);

/*
 * vmnet_keeper_stop() - have the keeper remove the networks left without
 * ports, wait for its answer and reap it
 * @k:		a started keeper; reset to none
 * @timeout_ms:	how long to wait for the answer
 * @sweep_err:	set to 0, or the errno of the failed removal
 *
 * Close the interface's TAP first. The keeper also deletes the TAP by
 * its index if it is still there. Without an answer in time the keeper
 * is left to finish on its own (it exits when done). Without a stop it
 * acts only once the process is dead (not on end of file on its socket
 * while the TAP still exists).
 *
 * Return: 0 when the keeper answered, or -1 with errno: ETIMEDOUT (no
 * answer in time) or EPIPE (it exited without answering).
 */
int vmnet_keeper_stop(struct vmnet_keeper *k, int timeout_ms, int *sweep_err);

#endif /* VMNET_KEEPER_H */
