// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_sock.c - socket mode's first datagrams (sock_wait_client()) on real
 * unix sockets in a private temporary directory.
 *
 * Input: records of a sender kind byte, a length byte and that many bytes
 * (or the rest). Senders that cannot be served come first: unbound,
 * abstract, bound and gone (no file left), bound and closed (file left).
 * The first record of any other kind, and every record after it, is sent
 * by one live client bound to a path; if the input has none, the client
 * sends vfkit's handshake. Checked beyond not crashing: the helper connects
 * to the client, reports every datagram it discards, and receives exactly
 * the client's datagrams, in order, without a leading handshake.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

/* Below the kernel's queue limit for senders that are not connected. */
#define MAX_DATAGRAMS 8

enum sender {
	UNBOUND,
	ABSTRACT,
	GONE,
	CLOSED,
	CLIENT,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz_sock.XXXXXX";
static unsigned ignored_calls;

static void
ignored(const char *reason, int err)
{
	if (!reason || !*reason ||
	    (err && err != ENOENT && err != ECONNREFUSED && err != EACCES && err != EPERM))
		abort();
	ignored_calls++;
}

static void
set_path(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
}

/* A nonblocking datagram socket bound to @a (NULL: unbound). */
static int
sender(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || (a && bind(fd, (const struct sockaddr *)a, sizeof(*a)) < 0))
		abort();
	return fd;
}

/* Send one datagram from a sender of @kind that cannot be served. */
static void
send_unserved(enum sender kind, const struct sockaddr_un *to, const uint8_t *buf, size_t len)
{
	static unsigned seq;
	struct sockaddr_un a;
	int fd;

	if (kind == UNBOUND) {
		fd = sender(NULL);
	} else if (kind == ABSTRACT) {
		memset(&a, 0, sizeof(a));
		a.sun_family = AF_UNIX;
		snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "fuzz_sock-%d-%u", getpid(),
		         seq++);
		fd = sender(&a);
	} else {
		set_path(&a, "gone");
		unlink(a.sun_path);
		fd = sender(&a);
	}
	if (sendto(fd, buf, len, 0, (const struct sockaddr *)to, sizeof(*to)) != (ssize_t)len)
		abort();
	close(fd);
	if (kind == GONE)
		unlink(a.sun_path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t magic[] = SOCK_VFKIT_MAGIC;
	const uint8_t *client_dgram[MAX_DATAGRAMS];
	size_t client_len[MAX_DATAGRAMS];
	struct sockaddr_un helper, client, peer;
	socklen_t peer_len = sizeof(peer);
	unsigned unserved = 0, n_client = 0, first;
	int sock, cfd, stop[2];
	uint8_t buf[256];

	if (dir[sizeof(dir) - 2] == 'X' && !mkdtemp(dir))
		abort();
	set_path(&helper, "vm.sock");
	set_path(&client, "client.sock");
	unlink(client.sun_path);
	sock = sock_bind(helper.sun_path);
	if (sock < 0 || pipe(stop) < 0)
		abort();
	cfd = sender(&client);
	for (size_t off = 0; off + 2 <= size && unserved + n_client < MAX_DATAGRAMS;) {
		enum sender kind = n_client ? CLIENT : (enum sender)(data[off] % 5);
		size_t len = data[off + 1];

		if (len > size - off - 2)
			len = size - off - 2;
		if (kind == CLIENT) {
			if (sendto(cfd, data + off + 2, len, 0, (struct sockaddr *)&helper,
			           sizeof(helper)) != (ssize_t)len)
				abort();
			client_dgram[n_client] = data + off + 2;
			client_len[n_client++] = len;
		} else {
			send_unserved(kind, &helper, data + off + 2, len);
			unserved++;
		}
		off += 2 + len;
	}
	if (!n_client) {
		if (sendto(cfd, magic, 4, 0, (struct sockaddr *)&helper, sizeof(helper)) != 4)
			abort();
		client_dgram[0] = magic;
		client_len[n_client++] = 4;
	}

	ignored_calls = 0;
	if (sock_wait_client(sock, stop[0], ignored) != SOCK_CLIENT || ignored_calls != unserved)
		abort();
	if (getpeername(sock, (struct sockaddr *)&peer, &peer_len) < 0 ||
	    strcmp(peer.sun_path, client.sun_path) != 0)
		abort();
	first = client_len[0] == 4 && memcmp(client_dgram[0], magic, 4) == 0;
	for (unsigned i = first; i < n_client; i++) {
		ssize_t r = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);

		if (r != (ssize_t)client_len[i] || memcmp(buf, client_dgram[i], client_len[i]) != 0)
			abort();
	}
	if (recv(sock, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN)
		abort();

	close(cfd);
	close(stop[0]);
	close(stop[1]);
	close(sock);
	sock_remove(helper.sun_path);
	unlink(client.sun_path);
	set_path(&client, "gone");
	unlink(client.sun_path);
	return 0;
}
