// SPDX-License-Identifier: Apache-2.0
/*
 * ref-forwarder.c - the reference the benchmark holds vmnet-helper
 * against: a TAP device on the host side and a unix datagram socketpair
 * to the VM, frames copied between them in batches, nothing else.
 *
 *   ref-forwarder --tap NAME [--offload] -- COMMAND [ARG...]
 *
 * Creates TAP NAME (left down and without address: the caller puts it on
 * a bridge), runs COMMAND with the VM's end of the socketpair on fd 4, as
 * vmnet-client does, and forwards until COMMAND exits or SIGTERM/SIGINT.
 * The socket buffers are sized as the helper sizes its own. --offload
 * gives the TAP the virtio-net header, TSO and checksum offload of the
 * Linux vmnet platform with --enable-tso --enable-checksum-offload, and
 * translates frames with the same code (vmnet_offload.c), so with and
 * without offload the helper is compared with the same TAP path.
 *
 * Exit: COMMAND's status (0 when stopped by a signal); 1 with one line on
 * stderr on errors.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/linux/vmnet_offload.h"
#include "fwd.h"
#include "lib/tapsock.h"
#include "sock.h"

#define TAP_OFFLOAD    (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)
#define OFFLOAD_MODES  (VMNET_OFFLOAD_TSO | VMNET_OFFLOAD_CSUM)
#define MAX_PACKET     1514
#define MAX_PACKET_TSO 65550
#define VM_FD          4

static volatile sig_atomic_t stop;

/* Headers written with each frame to the TAP, one per batch slot. */
static struct vmnet_offload_tx tx_slots[TAPSOCK_BATCH];

static bool
offload_from_tap(const struct virtio_net_hdr *hdr, uint8_t *frame, size_t len)
{
	struct iovec iov = {.iov_base = frame, .iov_len = len};

	return vmnet_offload_rx(hdr, &iov, 1, len) == 0;
}

static int
offload_to_tap(int slot, const uint8_t *frame, size_t len, struct iovec *iov)
{
	struct vmnet_offload_tx *tx = &tx_slots[slot];

	if (len > MAX_PACKET_TSO ||
	    vmnet_offload_tx(frame, len, OFFLOAD_MODES, MAX_PACKET - 14, tx) < 0)
		return 0;
	return vmnet_offload_iov(tx, frame, len, iov);
}

static const struct tapsock_ops offload_ops = {
    .from_tap = offload_from_tap,
    .to_tap = offload_to_tap,
};

/* SIGTERM, SIGINT, or the command exited. */
static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ref-forwarder --tap NAME [--offload] -- COMMAND [ARG...]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"tap", required_argument, NULL, 't'},
	    {"offload", no_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct sigaction sa = {.sa_handler = on_signal};
	const char *tap_name = NULL;
	bool offload = false;
	sigset_t block, waitmask;
	int c, sv[2], tap, status = 0;
	pid_t child;
	size_t max;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 't')
			tap_name = optarg;
		else if (c == 'o')
			offload = true;
		else
			usage();
	}
	if (!tap_name || optind >= argc)
		usage();

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	tap = tapsock_open_tap(tap_name, offload ? TAP_OFFLOAD : 0);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		tapsock_die("socketpair: %s", strerror(errno));
	max = offload ? MAX_PACKET_TSO : MAX_PACKET;
	sock_size_buffers(sv[0], max, fwd_batch_size(max, 256, 256), "forwarder socket");
	sock_size_buffers(sv[1], max, fwd_batch_size(max, 256, 256), "VM socket");

	child = fork();
	if (child < 0)
		tapsock_die("fork: %s", strerror(errno));
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &waitmask, NULL);
		if (dup2(sv[1], VM_FD) < 0)
			tapsock_die("dup2: %s", strerror(errno));
		execvp(argv[optind], argv + optind);
		tapsock_die("%s: %s", argv[optind], strerror(errno));
	}
	close(sv[1]);
	tapsock_forward(tap, sv[0], offload, offload ? &offload_ops : NULL, &waitmask, &stop);
	if (waitpid(child, &status, WNOHANG) == 0) {
		kill(child, SIGTERM);
		waitpid(child, &status, 0);
		status = 0;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}
