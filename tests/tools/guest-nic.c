// SPDX-License-Identifier: Apache-2.0
/*
 * guest-nic.c - a stand-in for a VM's network card, for integration tests
 * and benchmarks.
 *
 * Run inside a "VM" network namespace, it creates a TAP device, brings it
 * up and moves Ethernet frames between the TAP and a unix datagram socket,
 * one frame per datagram, like vfkit, krunkit or qemu -netdev dgram do with
 * the other end of vmnet-helper's socket, in batches (recvmmsg/sendmmsg)
 * so that it is not what limits a benchmark. The kernel's network stack in
 * the namespace plays the guest OS.
 *
 * --offload plays krunkit's virtio-net with offloading=on: the TAP gets a
 * virtio-net header and TSO and checksum offload, so the "guest" sends
 * TCP frames up to 64 KiB with partial checksums; the header is dropped on
 * the way to the socket and a zeroed one is put in front of frames from
 * the socket, as libkrun's unixgram backend does. The helper then needs
 * --enable-tso and --enable-checksum-offload.
 *
 * An inherited stream socket (--fd N) carries each frame after a 4-byte
 * length instead, as QEMU's -netdev stream/socket and socket_vmnet do
 * (framed by the helper's own stream module), one frame per call.
 *
 * The socket is inherited (--fd N) or created: --connect PATH binds a
 * datagram socket to a path of its own (--bind PATH, or a temporary one)
 * and connects it to PATH; --vfkit then sends vfkit's "VFKT" handshake.
 *
 * "ready" on stdout means the TAP is up and the socket connected. Runs until
 * SIGTERM or SIGINT, or until the peer is gone; exit 0. Errors: one line on
 * stderr, exit 1.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/tapsock.h"
#include "stream.h"

#define DEFAULT_TAP "eth0"
/* What krunkit's guest may send and take with offloading=on. */
#define OFFLOAD_FLAGS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)
/* Socket buffers of the VMM's end: send 1 MiB (the VM->host queue on Linux), receive 4 MiB. */
#define SOCK_SNDBUF (1 << 20)
#define SOCK_RCVBUF (4 << 20)

struct options {
	const char *tap;
	const char *mac;
	int mtu;
	int fd;
	const char *connect;
	const char *bind;
	bool vfkit;
	bool offload;
};

static const char *prog = "guest-nic";
static volatile sig_atomic_t stop;
/* What main() created in the filesystem, removed at exit. */
static struct sockaddr_un bound;
static char temp_dir[PATH_MAX];

/* Set for an inherited stream socket: frames after a length. */
static struct stream *framed;
static struct stream framing;
static unsigned char frame[TAPSOCK_FRAME_MAX];

static void
usage(FILE *f, int status)
{
	fprintf(f,
	        "usage: %s [--tap NAME] [--mac MAC] [--mtu N] [--offload]\n"
	        "       (--fd N | --connect PATH [--bind PATH] [--vfkit])\n"
	        "\n"
	        "Bridge a new TAP device (default " DEFAULT_TAP ") to a unix datagram socket,\n"
	        "one Ethernet frame per datagram. Prints \"ready\" when running.\n",
	        prog);
	exit(status);
}

/* Return: @s as an int in [@min, @max]; dies naming @what otherwise. */
static int
parse_int(const char *what, const char *s, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		tapsock_die("invalid %s: '%s'", what, s);
	return (int)v;
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"tap", required_argument, NULL, 't'},     {"mac", required_argument, NULL, 'm'},
	    {"mtu", required_argument, NULL, 'M'},     {"fd", required_argument, NULL, 'f'},
	    {"connect", required_argument, NULL, 'c'}, {"bind", required_argument, NULL, 'b'},
	    {"vfkit", no_argument, NULL, 'v'},         {"offload", no_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct options){.tap = DEFAULT_TAP, .fd = -1};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->tap = optarg;
			break;
		case 'm':
			o->mac = optarg;
			break;
		case 'M':
			o->mtu = parse_int("--mtu", optarg, 68, 65535);
			break;
		case 'f':
			o->fd = parse_int("--fd", optarg, 0, INT_MAX);
			break;
		case 'c':
			o->connect = optarg;
			break;
		case 'b':
			o->bind = optarg;
			break;
		case 'v':
			o->vfkit = true;
			break;
		case 'o':
			o->offload = true;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 1);
		}
	}
	if (optind != argc)
		tapsock_die("unexpected argument: '%s'", argv[optind]);
	if ((o->fd >= 0) == (o->connect != NULL))
		tapsock_die("give exactly one of --fd and --connect");
	if (o->connect == NULL && (o->bind || o->vfkit))
		tapsock_die("--bind and --vfkit need --connect");
	if (strlen(o->tap) >= IFNAMSIZ || o->tap[0] == '\0')
		tapsock_die("invalid --tap: '%s'", o->tap);
}

static void
remove_bound(void)
{
	if (bound.sun_path[0])
		unlink(bound.sun_path);
	if (temp_dir[0])
		rmdir(temp_dir);
}

static void
set_path(struct sockaddr_un *addr, const char *path, const char *what)
{
	if (strlen(path) >= sizeof(addr->sun_path))
		tapsock_die("%s path too long: '%s'", what, path);
	*addr = (struct sockaddr_un){.sun_family = AF_UNIX};
	memcpy(addr->sun_path, path, strlen(path));
}

/* Return: a datagram socket bound to a path of ours and connected to @o->connect. */
static int
connect_socket(const struct options *o)
{
	struct sockaddr_un local, peer;
	const char *tmp;
	int fd;

	set_path(&peer, o->connect, "--connect");
	if (o->bind) {
		set_path(&local, o->bind, "--bind");
	} else {
		tmp = getenv("TMPDIR");
		snprintf(temp_dir, sizeof(temp_dir), "%s/guest-nic.XXXXXX", tmp ? tmp : "/tmp");
		if (mkdtemp(temp_dir) == NULL) {
			temp_dir[0] = '\0';
			tapsock_die("mkdtemp: %s", strerror(errno));
		}
		if (strlen(temp_dir) + strlen("/sock") >= sizeof(local.sun_path))
			tapsock_die("temporary directory path too long: '%s'", temp_dir);
		local = (struct sockaddr_un){.sun_family = AF_UNIX};
		snprintf(local.sun_path, sizeof(local.sun_path), "%s/sock", temp_dir);
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		tapsock_die("socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		tapsock_die("bind %s: %s", local.sun_path, strerror(errno));
	bound = local;
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0)
		tapsock_die("connect %s: %s", o->connect, strerror(errno));
	if (o->vfkit && send(fd, "VFKT", 4, MSG_NOSIGNAL) != 4)
		tapsock_die("send vfkit handshake: %s", strerror(errno));
	return fd;
}

/* Return: @o->fd after checking it is a unix datagram socket. */
static int
inherited_socket(const struct options *o)
{
	int type = 0, domain = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(o->fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		tapsock_die("--fd %d: %s", o->fd, strerror(errno));
	len = sizeof(domain);
	if (getsockopt(o->fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		tapsock_die("--fd %d: %s", o->fd, strerror(errno));
	if ((type != SOCK_DGRAM && type != SOCK_STREAM) || domain != AF_UNIX)
		tapsock_die("--fd %d: not a unix datagram or stream socket", o->fd);
	if (type == SOCK_STREAM) {
		if (o->offload)
			tapsock_die("--offload needs a datagram socket");
		if (stream_init(&framing, o->fd, TAPSOCK_FRAME_MAX, 1) < 0)
			tapsock_die("stream buffers: %s", strerror(errno));
		framed = &framing;
	}
	return o->fd;
}

static bool
peer_gone(int err)
{
	return err == ECONNREFUSED || err == ENOTCONN || err == EPIPE || err == ECONNRESET;
}

/* Send or receive one frame in @frame over the stream. Return: its length, or -1. */
static ssize_t
stream_frame_io(size_t len, bool out)
{
	struct iovec iov = {.iov_base = frame, .iov_len = len};
	struct msghdr_x m = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = out ? stream_send_x(framed, &m, 1) : stream_recv_x(framed, &m, 1);

	if (n == 0 && !out)
		errno = ECONNRESET; /* end of stream */
	if (n <= 0)
		return -1;
	if (!out && (m.msg_flags & MSG_TRUNC))
		return 0; /* too long for a TAP frame: dropped */
	return out ? (ssize_t)len : (ssize_t)m.msg_datalen;
}

/*
 * Send one frame to the stream, waiting while it is full, as a VM's NIC
 * stalls its TX ring. A stop signal ends the wait.
 *
 * Return: 0, or -1 when the peer is gone.
 */
static int
stream_send_frame(int sock, size_t len, const sigset_t *waitmask)
{
	struct pollfd pfd = {.fd = sock, .events = POLLOUT};

	while (!stop) {
		if (stream_frame_io(len, true) == (ssize_t)len)
			return 0;
		if (peer_gone(errno))
			return -1;
		if (errno != EAGAIN && errno != EINTR)
			tapsock_die("send: %s", strerror(errno));
		if (ppoll(&pfd, 1, NULL, waitmask) < 0 && errno != EINTR)
			tapsock_die("ppoll: %s", strerror(errno));
	}
	return 0;
}

/* Move up to TAPSOCK_BATCH frames from the TAP to the stream. Return: 0, or -1 (peer gone). */
static int
stream_from_tap(int tap, int sock, const sigset_t *waitmask)
{
	for (int i = 0; i < TAPSOCK_BATCH && !stop; i++) {
		ssize_t n = read(tap, frame, sizeof(frame));

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			tapsock_die("read TAP: %s", strerror(errno));
		}
		if (stream_send_frame(sock, (size_t)n, waitmask) < 0)
			return -1;
	}
	return 0;
}

/* Move every frame the stream holds to the TAP. Return: 0, or -1 (peer gone). */
static int
stream_to_tap(int tap)
{
	for (;;) {
		ssize_t n = stream_frame_io(sizeof(frame), false);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			if (peer_gone(errno))
				return -1;
			tapsock_die("recv: %s", strerror(errno));
		}
		/* Frames the TAP refuses (runts, oversized) are dropped. */
		if (write(tap, frame, (size_t)n) < 0 && errno == EBADF)
			tapsock_die("write TAP: %s", strerror(errno));
	}
}

/* Forward over the stream until a stop signal. Return: 0, or -1 when the peer is gone. */
static int
stream_forward(int tap, int sock, const sigset_t *waitmask)
{
	struct pollfd pfd[2] = {{.fd = tap, .events = POLLIN}, {.fd = sock, .events = POLLIN}};

	while (!stop) {
		if (ppoll(pfd, 2, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			tapsock_die("ppoll: %s", strerror(errno));
		}
		if ((pfd[0].revents & POLLIN) && stream_from_tap(tap, sock, waitmask) < 0)
			return -1;
		if ((pfd[1].revents & (POLLIN | POLLERR | POLLHUP)) && stream_to_tap(tap) < 0)
			return -1;
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct options o;
	sigset_t block, waitmask;
	int tap, sock, size;

	parse_options(argc, argv, &o);

	/* SIGTERM and SIGINT are only taken inside ppoll(). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atexit(remove_bound);

	/* The socket first: a bad one must fail before a TAP exists. */
	sock = o.connect ? connect_socket(&o) : inherited_socket(&o);
	tap = tapsock_open_tap(o.tap, o.offload ? OFFLOAD_FLAGS : 0);
	tapsock_up(o.tap, o.mac, o.mtu);
	/* Best effort: larger buffers only make bursts less lossy. */
	size = SOCK_SNDBUF;
	setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	size = SOCK_RCVBUF;
	setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

	printf("ready\n");
	fflush(stdout);
	if ((framed ? stream_forward(tap, sock, &waitmask)
	            : tapsock_forward(tap, sock, o.offload, NULL, &waitmask, &stop)) < 0)
		fprintf(stderr, "%s: socket peer is gone, exiting\n", prog);
	return 0;
}
