// SPDX-License-Identifier: Apache-2.0
/*
 * tapsock.c - a TAP device and a unix datagram socket, one frame per
 * datagram, batched (see tapsock.h).
 *
 * Theory of operation: each direction runs in its own thread (a VM's NIC
 * and a forwarder on more than one core move both ways at once; an
 * eventfd makes the other thread end when one does) and owns
 * TAPSOCK_BATCH buffers with an iovec and an mmsghdr bound to each, once.
 * TAP to socket: read frames one per readv() (a TAP has no batched read)
 * until the TAP is empty or the batch full, then sendmmsg() them, waiting
 * for the socket to become writable while it is full. Socket to TAP: one
 * recvmmsg(), then one write per frame. With a vnet header every TAP read
 * and write carries the header as its first iovec.
 */
#include "tapsock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

struct dir {
	struct virtio_net_hdr hdr[TAPSOCK_BATCH];
	struct iovec iov[TAPSOCK_BATCH];
	struct mmsghdr msg[TAPSOCK_BATCH];
	uint8_t buf[TAPSOCK_BATCH][TAPSOCK_FRAME_MAX];
};

static struct dir tap_to_sock, sock_to_tap;

void
tapsock_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

int
tapsock_open_tap(const char *name, unsigned offload)
{
	struct ifreq ifr = {0};
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		tapsock_die("open /dev/net/tun: %s", strerror(errno));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		tapsock_die("create TAP %s: %s", name, strerror(errno));
	if (offload && ioctl(fd, TUNSETOFFLOAD, offload) < 0)
		tapsock_die("set offload of TAP %s: %s", name, strerror(errno));
	return fd;
}

static void
parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char extra;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
	           &extra) != 6)
		tapsock_die("invalid MAC address: '%s'", s);
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)b[i];
}

void
tapsock_up(const char *name, const char *mac, int mtu)
{
	struct ifreq ifr = {0};
	int s;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		tapsock_die("socket: %s", strerror(errno));
	if (mac) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		parse_mac(mac, (unsigned char *)ifr.ifr_hwaddr.sa_data);
		if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
			tapsock_die("set MAC of %s: %s", name, strerror(errno));
	}
	if (mtu) {
		ifr.ifr_mtu = mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
			tapsock_die("set MTU of %s to %d: %s", name, mtu, strerror(errno));
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		tapsock_die("get flags of %s: %s", name, strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		tapsock_die("bring %s up: %s", name, strerror(errno));
	close(s);
}

static bool
peer_gone(int err)
{
	return err == ECONNREFUSED || err == ENOTCONN || err == EPIPE || err == ECONNRESET;
}

static void
dir_init(struct dir *d)
{
	for (int i = 0; i < TAPSOCK_BATCH; i++) {
		d->iov[i] = (struct iovec){.iov_base = d->buf[i], .iov_len = TAPSOCK_FRAME_MAX};
		d->msg[i].msg_hdr = (struct msghdr){.msg_iov = &d->iov[i], .msg_iovlen = 1};
	}
}

/* Return: the next frame from the TAP in slot @i, its length, or -1 when empty. */
static ssize_t
read_tap(int tap, bool vnet, const struct tapsock_ops *ops, int i)
{
	struct dir *d = &tap_to_sock;
	struct iovec iov[2] = {{&d->hdr[i], sizeof(d->hdr[i])}, {d->buf[i], TAPSOCK_FRAME_MAX}};
	ssize_t n;

	for (;;) {
		n = vnet ? readv(tap, iov, 2) : read(tap, d->buf[i], TAPSOCK_FRAME_MAX);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return -1;
			tapsock_die("read TAP: %s", strerror(errno));
		}
		if (!vnet)
			return n;
		if ((size_t)n <= sizeof(d->hdr[i]))
			continue;
		n -= (ssize_t)sizeof(d->hdr[i]);
		if (!ops || !ops->from_tap || ops->from_tap(&d->hdr[i], d->buf[i], (size_t)n))
			return n;
	}
}

/* One direction's thread. */
struct side {
	int tap, sock;
	int wake; /* eventfd: readable once a side has ended */
	bool vnet;
	const struct tapsock_ops *ops;
	const sigset_t *waitmask;
	volatile sig_atomic_t *stop;
	int result; /* -1 when the peer is gone */
};

/* Send msg[0, n), waiting while the socket is full. Return: 0, or -1 when the peer is gone. */
static int
send_all(const struct side *s, int n)
{
	struct pollfd pfd[2] = {{.fd = s->sock, .events = POLLOUT},
	                        {.fd = s->wake, .events = POLLIN}};
	int sent = 0, r;

	while (sent < n && !*s->stop) {
		r = sendmmsg(s->sock, &tap_to_sock.msg[sent], (unsigned)(n - sent),
		             MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0) {
			sent += r;
			continue;
		}
		if (peer_gone(errno))
			return -1;
		if (errno == ENOBUFS)
			return 0; /* dropped, as a congested link would */
		if (errno != EAGAIN && errno != EINTR)
			tapsock_die("sendmmsg: %s", strerror(errno));
		if (ppoll(pfd, 2, NULL, s->waitmask) < 0 && errno != EINTR)
			tapsock_die("ppoll: %s", strerror(errno));
		if (pfd[1].revents & POLLIN)
			return 0;
	}
	return 0;
}

static int
tap_to_socket(const struct side *s)
{
	ssize_t len;
	int n = 0;

	while (n < TAPSOCK_BATCH && (len = read_tap(s->tap, s->vnet, s->ops, n)) >= 0) {
		tap_to_sock.iov[n].iov_len = (size_t)len;
		n++;
	}
	return send_all(s, n);
}

static void
write_tap(const struct side *s, int i, size_t len)
{
	struct dir *d = &sock_to_tap;
	struct iovec iov[4];
	int n;

	if (!s->vnet) {
		n = 1;
		iov[0] = (struct iovec){d->buf[i], len};
	} else if (s->ops && s->ops->to_tap) {
		n = s->ops->to_tap(i, d->buf[i], len, iov);
	} else {
		n = 2;
		memset(&d->hdr[i], 0, sizeof(d->hdr[i]));
		iov[0] = (struct iovec){&d->hdr[i], sizeof(d->hdr[i])};
		iov[1] = (struct iovec){d->buf[i], len};
	}
	/* Frames the TAP refuses (runts, bad headers) are dropped. */
	if (n > 0 && writev(s->tap, iov, n) < 0 && errno == EBADF)
		tapsock_die("write TAP: %s", strerror(errno));
}

static int
socket_to_tap(const struct side *s)
{
	struct dir *d = &sock_to_tap;
	int r;

	for (int i = 0; i < TAPSOCK_BATCH; i++)
		d->iov[i].iov_len = TAPSOCK_FRAME_MAX;
	r = recvmmsg(s->sock, d->msg, TAPSOCK_BATCH, MSG_DONTWAIT, NULL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (peer_gone(errno))
			return -1;
		tapsock_die("recvmmsg: %s", strerror(errno));
	}
	for (int i = 0; i < r; i++)
		write_tap(s, i, d->msg[i].msg_len);
	return 0;
}

/* Wait for @fd to become readable and move a batch, until the end; then end the other side. */
static void
run_side(struct side *s, int fd, int (*move)(const struct side *))
{
	struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->wake, .events = POLLIN}};
	uint64_t one = 1;

	while (!*s->stop) {
		if (ppoll(pfd, 2, NULL, s->waitmask) < 0) {
			if (errno == EINTR)
				continue;
			tapsock_die("ppoll: %s", strerror(errno));
		}
		if (pfd[1].revents & POLLIN)
			break;
		if ((pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) && move(s) < 0) {
			s->result = -1;
			break;
		}
	}
	/* The counter is never read: once written, the other side sees it. */
	(void)!write(s->wake, &one, sizeof(one));
}

static void *
socket_side(void *arg)
{
	struct side *s = arg;

	run_side(s, s->sock, socket_to_tap);
	return NULL;
}

int
tapsock_forward(int tap, int sock, bool vnet, const struct tapsock_ops *ops,
                const sigset_t *waitmask, volatile sig_atomic_t *stop)
{
	struct side a = {
	    .tap = tap, .sock = sock, .vnet = vnet, .ops = ops, .waitmask = waitmask, .stop = stop};
	struct side b;
	pthread_t t;
	int err;

	a.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a.wake < 0)
		tapsock_die("eventfd: %s", strerror(errno));
	b = a;
	dir_init(&tap_to_sock);
	dir_init(&sock_to_tap);
	err = pthread_create(&t, NULL, socket_side, &b);
	if (err)
		tapsock_die("pthread_create: %s", strerror(err));
	run_side(&a, tap, tap_to_socket);
	pthread_join(t, NULL);
	close(a.wake);
	return a.result < 0 || b.result < 0 ? -1 : 0;
}
