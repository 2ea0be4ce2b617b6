// SPDX-License-Identifier: Apache-2.0
/*
 * test_fwd.c - the forwarding batches against in-memory fakes of
 * vmnet_read(), vmnet_write(), sendmsg_x() and recvmsg_x() (this program
 * links without the platform library, so these definitions are used).
 *
 * Every frame carries its index in its first byte, so the tests can check
 * which frames arrived, in which order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwd.h"

#define MAX_PACKET 1514
#define MAX_FRAMES 512
#define MAX_SCRIPT 32

/* A scripted sendmsg_x() result: accept up to @accept, or fail with @err. */
struct send_step {
	int accept;
	int err;
};

static struct {
	/* vmnet side, host->vm: frames waiting to be read */
	size_t host_len[MAX_FRAMES];
	unsigned host_n, host_next;
	vmnet_return_t read_status;
	/* vmnet side, vm->host: frames written, and the index to refuse */
	uint8_t written[MAX_FRAMES];
	size_t written_len[MAX_FRAMES];
	unsigned written_n;
	int refuse_tag; /* first byte of the frame vmnet_write() refuses, -1 none */
	/* socket side, host->vm: script and frames sent */
	struct send_step script[MAX_SCRIPT];
	unsigned script_n, script_next;
	uint8_t sent[MAX_FRAMES];
	size_t sent_len[MAX_FRAMES];
	unsigned sent_n;
	/* socket side, vm->host: datagrams waiting */
	size_t vm_len[MAX_FRAMES];
	bool vm_trunc[MAX_FRAMES];
	const char *vm_from[MAX_FRAMES]; /* sender's path; NULL: unbound */
	unsigned vm_n, vm_next;
	int recv_err;
	bool recv_eof;      /* recvmsg_x() returns 0: end of file */
	bool no_trunc_flag; /* like xnu: no MSG_TRUNC on a cut datagram */
} fake;

static struct fwd f;
static struct stats st;
static const interface_ref iface = (interface_ref)0x1;

vmnet_return_t
vmnet_read(interface_ref interface, struct vmpktdesc *packets, int *pktcnt)
{
	int n = 0;

	assert_ptr_equal(interface, iface);
	if (fake.read_status != VMNET_SUCCESS)
		return fake.read_status;
	for (; n < *pktcnt && fake.host_next < fake.host_n; n++) {
		size_t len = fake.host_len[fake.host_next];

		/* vmnet needs room for a whole frame in every descriptor. */
		assert_int_equal(packets[n].vm_pkt_size, MAX_PACKET);
		assert_int_equal(packets[n].vm_pkt_iov->iov_len, MAX_PACKET);
		assert_int_equal(packets[n].vm_flags, 0);
		memset(packets[n].vm_pkt_iov->iov_base, 0, len);
		((uint8_t *)packets[n].vm_pkt_iov->iov_base)[0] = (uint8_t)fake.host_next;
		packets[n].vm_pkt_size = len;
		fake.host_next++;
	}
	*pktcnt = n;
	return VMNET_SUCCESS;
}

vmnet_return_t
vmnet_write(interface_ref interface, struct vmpktdesc *packets, int *pktcnt)
{
	assert_ptr_equal(interface, iface);
	for (int i = 0; i < *pktcnt; i++) {
		const uint8_t *frame = packets[i].vm_pkt_iov->iov_base;

		assert_int_equal(packets[i].vm_pkt_iov->iov_len, packets[i].vm_pkt_size);
		if (frame[0] == fake.refuse_tag) {
			*pktcnt = i;
			return VMNET_INVALID_ARGUMENT;
		}
		fake.written[fake.written_n] = frame[0];
		fake.written_len[fake.written_n++] = packets[i].vm_pkt_size;
	}
	return VMNET_SUCCESS;
}

ssize_t
sendmsg_x(int s, const struct msghdr_x *msgp, unsigned int cnt, int flags)
{
	struct send_step step = {.accept = (int)cnt};

	assert_int_equal(s, 42);
	assert_int_equal(flags, 0);
	if (fake.script_next < fake.script_n)
		step = fake.script[fake.script_next++];
	if (step.err) {
		errno = step.err;
		return -1;
	}
	if ((unsigned)step.accept > cnt)
		step.accept = (int)cnt;
	for (int i = 0; i < step.accept; i++) {
		assert_null(msgp[i].msg_name);
		assert_int_equal(msgp[i].msg_iovlen, 1);
		fake.sent[fake.sent_n] = ((const uint8_t *)msgp[i].msg_iov->iov_base)[0];
		fake.sent_len[fake.sent_n++] = msgp[i].msg_iov->iov_len;
	}
	return step.accept;
}

ssize_t
recvmsg_x(int s, const struct msghdr_x *msgp, unsigned int cnt, int flags)
{
	unsigned n = 0;

	assert_int_equal(s, 42);
	assert_int_equal(flags, MSG_DONTWAIT);
	if (fake.recv_err) {
		errno = fake.recv_err;
		return -1;
	}
	if (fake.recv_eof)
		return 0;
	if (fake.vm_next == fake.vm_n) {
		errno = EAGAIN;
		return -1;
	}
	for (; n < cnt && fake.vm_next < fake.vm_n; n++) {
		/* recvmsg_x() writes through the const array, as the kernel does. */
		struct msghdr_x *m = (struct msghdr_x *)(uintptr_t)&msgp[n];
		size_t len = fake.vm_len[fake.vm_next];
		size_t copy = len < m->msg_iov->iov_len ? len : m->msg_iov->iov_len;

		memset(m->msg_iov->iov_base, 0, copy);
		if (copy)
			((uint8_t *)m->msg_iov->iov_base)[0] = (uint8_t)fake.vm_next;
		m->msg_datalen = copy;
		m->msg_flags = fake.vm_trunc[fake.vm_next] || (copy < len && !fake.no_trunc_flag)
		                   ? MSG_TRUNC
		                   : 0;
		if (m->msg_name) {
			struct sockaddr_un *from = m->msg_name;
			const char *path = fake.vm_from[fake.vm_next];

			from->sun_family = AF_UNIX;
			m->msg_namelen = sizeof(sa_family_t);
			if (path) {
				memcpy(from->sun_path, path, strlen(path) + 1);
				m->msg_namelen += (socklen_t)strlen(path) + 1;
			}
		}
		fake.vm_next++;
	}
	return n;
}

static int
setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.read_status = VMNET_SUCCESS;
	fake.refuse_tag = -1;
	memset(&st, 0, sizeof(st));
	return fwd_init(&f, iface, 42, MAX_PACKET, 8, &st);
}

static int
teardown(void **state)
{
	(void)state;
	fwd_free(&f);
	return 0;
}

static void
host_frames(unsigned n, size_t len)
{
	for (unsigned i = 0; i < n; i++)
		fake.host_len[fake.host_n++] = len + i;
}

static void
script(int accept, int err)
{
	fake.script[fake.script_n++] = (struct send_step){accept, err};
}

static uint64_t
get(_Atomic uint64_t *c)
{
	return atomic_load(c);
}

static void
test_batch_size(void **state)
{
	(void)state;
	assert_int_equal(fwd_batch_size(1514, 256, 256), FWD_BATCH_DEFAULT);
	assert_int_equal(fwd_batch_size(1514, 0, 0), FWD_BATCH_DEFAULT);
	assert_int_equal(fwd_batch_size(65550, 256, 256), FWD_BATCH_BYTES / 65550);
	assert_int_equal(fwd_batch_size(1514, 64, 200), 64);
	assert_int_equal(fwd_batch_size(1514, 200, 32), 32);
	assert_int_equal(fwd_batch_size(1u << 30, 256, 256), 1);
}

static void
test_host_batch(void **state)
{
	(void)state;
	host_frames(5, 100);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	assert_int_equal(fake.sent_n, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(fake.sent[i], i);
		assert_int_equal(fake.sent_len[i], 100 + i);
	}
	assert_int_equal(get(&st.host_to_vm.packets), 5);
	assert_int_equal(get(&st.host_to_vm.bytes), 100 + 101 + 102 + 103 + 104);
	assert_int_equal(get(&st.host_to_vm.read_calls), 1);
	assert_int_equal(get(&st.host_to_vm.write_calls), 1);
	assert_int_equal(get(&st.host_to_vm.drops), 0);
	/* Nothing left: idle, and the descriptors were reset for the read. */
	assert_int_equal(fwd_host_to_vm(&f), FWD_IDLE);
	assert_int_equal(get(&st.host_to_vm.read_calls), 2);
	assert_int_equal(get(&st.host_to_vm.write_calls), 1);
}

static void
test_host_batch_limit(void **state)
{
	(void)state;
	host_frames(11, 60);
	/* A full batch: more may wait. */
	assert_int_equal(fwd_host_to_vm(&f), FWD_OK);
	assert_int_equal(fake.sent_n, 8);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	assert_int_equal(fake.sent_n, 11);
	assert_int_equal(fake.sent[10], 10);
	assert_int_equal(fwd_host_to_vm(&f), FWD_IDLE);
}

static void
test_host_partial_send(void **state)
{
	(void)state;
	host_frames(6, 200);
	script(2, 0);
	script(3, 0);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	assert_int_equal(fake.sent_n, 6);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(fake.sent[i], i);
	assert_int_equal(get(&st.host_to_vm.write_calls), 3);
	assert_int_equal(get(&st.host_to_vm.packets), 6);
	assert_int_equal(get(&st.host_to_vm.drops), 0);
}

static void
test_host_enobufs_retry(void **state)
{
	(void)state;
	host_frames(4, 60);
	script(1, 0);
	script(0, ENOBUFS);
	script(0, ENOBUFS);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	assert_int_equal(fake.sent_n, 4);
	assert_int_equal(get(&st.host_to_vm.retries), 2);
	assert_int_equal(get(&st.host_to_vm.drops), 0);
	assert_int_equal(get(&st.host_to_vm.packets), 4);
}

static void
test_host_enobufs_drop(void **state)
{
	(void)state;
	host_frames(5, 60);
	script(2, 0);
	for (int i = 0; i <= FWD_SEND_RETRIES; i++)
		script(0, ENOBUFS);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	assert_int_equal(fake.sent_n, 2);
	assert_int_equal(get(&st.host_to_vm.retries), FWD_SEND_RETRIES);
	assert_int_equal(get(&st.host_to_vm.drops), 3);
	assert_int_equal(get(&st.host_to_vm.packets), 2);
	assert_int_equal(get(&st.host_to_vm.bytes), 60 + 61);
	assert_int_equal(get(&st.host_to_vm.write_calls), 2 + FWD_SEND_RETRIES);
	/* The next batch starts with a fresh retry budget. */
	host_frames(1, 60);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	assert_int_equal(fake.sent_n, 3);
}

/* A socket poll can watch: wait for it, but not past the time budget. */
static void
test_host_full_socket_time_budget(void **state)
{
	struct timespec t0, t1;
	struct pollfd pfd;
	int sv[2];
	long usec;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	while (send(sv[0], "x", 1, MSG_DONTWAIT) == 1)
		; /* the peer never reads: never writable again */
	pfd = (struct pollfd){.fd = sv[0], .events = POLLOUT};
	if (poll(&pfd, 1, 0) != 0) {
		/* This OS's poll cannot tell (the fallback test covers that). */
		close(sv[0]);
		close(sv[1]);
		skip();
	}
	assert_int_equal(dup2(sv[0], f.sock), f.sock); /* the fake wants its descriptor */
	host_frames(3, 60);
	for (int i = 0; i <= FWD_SEND_RETRIES; i++)
		script(0, ENOBUFS);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	usec = (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
	assert_int_equal(get(&st.host_to_vm.drops), 3);
	/* Each 1 ms poll outlasts the budget: one wait, not ten. */
	assert_int_equal(get(&st.host_to_vm.retries), 1);
	assert_true(usec >= FWD_SEND_BUDGET_USEC);
	close(f.sock);
	close(sv[0]);
	close(sv[1]);
}

/* A writable socket whose sends still fail: poll cannot tell, so sleep. */
static void
test_host_poll_useless_falls_back(void **state)
{
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(dup2(sv[0], f.sock), f.sock);
	host_frames(3, 60);
	for (int i = 0; i <= FWD_SEND_RETRIES; i++)
		script(0, ENOBUFS);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	assert_int_equal(get(&st.host_to_vm.retries), FWD_SEND_RETRIES);
	assert_int_equal(get(&st.host_to_vm.drops), 3);
	close(f.sock);
	close(sv[0]);
	close(sv[1]);
}

static void
test_host_eagain_counts_as_full(void **state)
{
	(void)state;
	host_frames(2, 60);
	script(0, EAGAIN);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	assert_int_equal(get(&st.host_to_vm.retries), 1);
	assert_int_equal(fake.sent_n, 2);
}

static void
test_host_emsgsize_drops_one(void **state)
{
	(void)state;
	host_frames(4, 60);
	script(1, 0);
	script(0, EMSGSIZE);
	assert_int_equal(fwd_host_to_vm(&f), FWD_PARTIAL);
	assert_int_equal(fake.sent_n, 3);
	assert_int_equal(fake.sent[0], 0);
	assert_int_equal(fake.sent[1], 2);
	assert_int_equal(fake.sent[2], 3);
	assert_int_equal(get(&st.host_to_vm.drops), 1);
	assert_int_equal(get(&st.host_to_vm.packets), 3);
}

static void
test_host_vm_gone(void **state)
{
	(void)state;
	host_frames(2, 60);
	script(0, ECONNREFUSED);
	assert_int_equal(fwd_host_to_vm(&f), FWD_VM_GONE);
	host_frames(1, 60);
	script(0, EPIPE);
	assert_int_equal(fwd_host_to_vm(&f), FWD_VM_GONE);
	host_frames(1, 60);
	script(0, EBADF);
	assert_int_equal(fwd_host_to_vm(&f), FWD_ERROR);
	assert_int_equal(errno, EBADF);
}

static void
test_host_read_failure(void **state)
{
	(void)state;
	fake.read_status = VMNET_FAILURE;
	assert_int_equal(fwd_host_to_vm(&f), FWD_VMNET_ERROR);
	assert_int_equal(f.read_status, VMNET_FAILURE);
	assert_int_equal(fake.sent_n, 0);
}

static void
vm_datagram(size_t len, bool trunc)
{
	fake.vm_trunc[fake.vm_n] = trunc;
	fake.vm_len[fake.vm_n++] = len;
}

static void
test_vm_sizes(void **state)
{
	(void)state;
	vm_datagram(14, false);             /* 0: smallest frame */
	vm_datagram(60, false);             /* 1 */
	vm_datagram(13, false);             /* 2: runt */
	vm_datagram(0, false);              /* 3: empty datagram */
	vm_datagram(MAX_PACKET, false);     /* 4: largest frame */
	vm_datagram(MAX_PACKET + 1, false); /* 5: too long, cut by recvmsg_x */
	vm_datagram(100, true);             /* 6: truncated */
	assert_int_equal(fwd_vm_to_host(&f), FWD_PARTIAL);
	assert_int_equal(fake.written_n, 3);
	assert_int_equal(fake.written[0], 0);
	assert_int_equal(fake.written_len[0], 14);
	assert_int_equal(fake.written[1], 1);
	assert_int_equal(fake.written_len[1], 60);
	assert_int_equal(fake.written[2], 4);
	assert_int_equal(fake.written_len[2], MAX_PACKET);
	assert_int_equal(get(&st.vm_to_host.packets), 3);
	assert_int_equal(get(&st.vm_to_host.bytes), 14 + 60 + MAX_PACKET);
	assert_int_equal(get(&st.vm_to_host.drops), 4);
	assert_int_equal(get(&st.vm_to_host.read_calls), 1);
	assert_int_equal(get(&st.vm_to_host.write_calls), 1);
	assert_int_equal(fwd_vm_to_host(&f), FWD_IDLE);
}

/* With a peer set, datagrams of any other sender are dropped and counted. */
static void
test_vm_only_from_peer(void **state)
{
	struct sockaddr_un peer = {.sun_family = AF_UNIX, .sun_path = "/tmp/client.sock"};
	struct sockaddr_un unbound = {.sun_family = AF_UNIX};
	const char *from[] = {"/tmp/client.sock",  "/tmp/intruder.sock", NULL,
	                      "/tmp/client.sock2", "/tmp/client.soc",    "/tmp/client.sock"};
	socklen_t len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof("/tmp/client.sock"));

	(void)state;
	assert_int_equal(fwd_only_from(&f, &unbound, sizeof(sa_family_t)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fwd_only_from(&f, &peer, len), 0);
	for (unsigned i = 0; i < 6; i++) {
		fake.vm_from[fake.vm_n] = from[i];
		vm_datagram(60, false);
	}
	assert_int_equal(fwd_vm_to_host(&f), FWD_PARTIAL);
	assert_int_equal(fake.written_n, 2);
	assert_int_equal(fake.written[0], 0);
	assert_int_equal(fake.written[1], 5);
	assert_int_equal(get(&st.vm_to_host.packets), 2);
	assert_int_equal(get(&st.vm_to_host.drops), 4);
}

/*
 * xnu's recvmsg_x() cuts a datagram to its slot without MSG_TRUNC: a slot
 * one byte longer than a frame is what shows a datagram as too long.
 */
static void
test_vm_oversized_without_msg_trunc(void **state)
{
	(void)state;
	fake.no_trunc_flag = true;
	vm_datagram(MAX_PACKET + 1, false);   /* 0: one byte too long */
	vm_datagram(MAX_PACKET, false);       /* 1: largest frame */
	vm_datagram(MAX_PACKET + 500, false); /* 2: much too long */
	assert_int_equal(fwd_vm_to_host(&f), FWD_PARTIAL);
	assert_int_equal(fake.written_n, 1);
	assert_int_equal(fake.written[0], 1);
	assert_int_equal(fake.written_len[0], MAX_PACKET);
	assert_int_equal(get(&st.vm_to_host.drops), 2);
	assert_int_equal(get(&st.vm_to_host.packets), 1);
}

static void
test_vm_refused_mid_batch(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++)
		vm_datagram(60, false);
	fake.refuse_tag = 2;
	assert_int_equal(fwd_vm_to_host(&f), FWD_PARTIAL);
	assert_int_equal(fake.written_n, 4);
	assert_int_equal(fake.written[0], 0);
	assert_int_equal(fake.written[1], 1);
	assert_int_equal(fake.written[2], 3);
	assert_int_equal(fake.written[3], 4);
	assert_int_equal(get(&st.vm_to_host.drops), 1);
	assert_int_equal(get(&st.vm_to_host.packets), 4);
	assert_int_equal(get(&st.vm_to_host.write_calls), 2);
}

static void
test_vm_batch_limit(void **state)
{
	(void)state;
	for (int i = 0; i < 10; i++)
		vm_datagram(60, false);
	/* A full batch: more may wait; the smaller one after it says the socket is empty. */
	assert_int_equal(fwd_vm_to_host(&f), FWD_OK);
	assert_int_equal(fake.written_n, 8);
	assert_int_equal(fwd_vm_to_host(&f), FWD_PARTIAL);
	assert_int_equal(fake.written_n, 10);
	assert_int_equal(get(&st.vm_to_host.read_calls), 2);
}

static void
test_vm_errors(void **state)
{
	(void)state;
	assert_int_equal(fwd_vm_to_host(&f), FWD_IDLE);
	fake.recv_err = EINTR;
	assert_int_equal(fwd_vm_to_host(&f), FWD_IDLE);
	fake.recv_err = ECONNRESET;
	assert_int_equal(fwd_vm_to_host(&f), FWD_VM_GONE);
	fake.recv_err = EBADF;
	assert_int_equal(fwd_vm_to_host(&f), FWD_ERROR);
	assert_int_equal(fake.written_n, 0);
	fake.recv_err = 0;
	fake.recv_eof = true;
	assert_int_equal(fwd_vm_to_host(&f), FWD_VM_GONE);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_batch_size),
	    T(test_host_batch),
	    T(test_host_batch_limit),
	    T(test_host_partial_send),
	    T(test_host_enobufs_retry),
	    T(test_host_enobufs_drop),
	    T(test_host_full_socket_time_budget),
	    T(test_host_poll_useless_falls_back),
	    T(test_host_eagain_counts_as_full),
	    T(test_host_emsgsize_drops_one),
	    T(test_host_vm_gone),
	    T(test_host_read_failure),
	    T(test_vm_sizes),
	    T(test_vm_only_from_peer),
	    T(test_vm_oversized_without_msg_trunc),
	    T(test_vm_refused_mid_batch),
	    T(test_vm_batch_limit),
	    T(test_vm_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
