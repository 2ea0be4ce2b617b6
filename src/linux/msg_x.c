// SPDX-License-Identifier: Apache-2.0
/*
 * msg_x.c - Darwin's sendmsg_x()/recvmsg_x() on top of Linux
 * sendmmsg()/recvmmsg().
 *
 * Each call converts the caller's struct msghdr_x array into struct mmsghdr
 * entries on the stack (the iovecs are shared, not copied), at most
 * MSG_X_CHUNK at a time, so nothing is allocated per call.
 *
 * Darwin semantics kept (xnu bsd/kern/uipc_syscalls.c):
 * - cnt == 0 or cnt > UIO_MAXIOV (1024): EINVAL; a message with msg_iovlen
 *   <= 0 or > 1024: EMSGSIZE.
 * - recvmsg_x accepts only MSG_DONTWAIT (else EINVAL), blocks until at least
 *   one datagram is queued, then returns what is queued (Linux:
 *   MSG_WAITFORONE), clamps cnt to kern.ipc.maxrecvmsgx (256), and fills
 *   msg_datalen and msg_flags (MSG_TRUNC) of each message received.
 * - sendmsg_x requires msg_name and msg_control to be NULL (else EINVAL),
 *   takes lengths from the iovecs, sends up to cnt (no clamp, as on macOS 15),
 *   and returns the count sent when an error stops a batch after the first
 *   datagram. A full datagram peer fails at once with ENOBUFS: Linux would
 *   block, or fail with EAGAIN, so we always send with MSG_DONTWAIT and
 *   report EAGAIN as ENOBUFS.
 *
 * Remaining differences from Darwin:
 * - Darwin's recvmsg_x stops after the first truncated datagram; Linux
 *   keeps receiving, so messages after a truncated one may be filled too.
 *   msg_datalen of a truncated datagram is the length stored.
 * - sendmsg_x never blocks and never raises SIGPIPE (MSG_NOSIGNAL is always
 *   set): Darwin raises SIGPIPE on EPIPE unless MSG_NOSIGNAL or SO_NOSIGPIPE.
 *   A would-block condition is reported as ENOBUFS on every socket type;
 *   Darwin does so for AF_UNIX datagram sockets (the only kind vmnet-helper
 *   uses) but reports EWOULDBLOCK on others.
 * - Other errors pass through as Linux reports them: a closed AF_UNIX
 *   datagram peer gives ECONNREFUSED.
 * - sendmsg_x accepts MSG_DONTWAIT and MSG_NOSIGNAL and rejects other flags
 *   with EINVAL; Darwin ignores most flags (and rejects MSG_SKIPCFIL with
 *   EPERM).
 * - recvmsg_x passes msg_name and msg_control through to recvmmsg and
 *   updates msg_namelen and msg_controllen on return.
 * - sendmsg_x sends more than MSG_X_CHUNK messages in several sendmmsg
 *   calls; a chunk cut short ends the batch, so the count returned is still
 *   a prefix of the array.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "msg_x.h"

/* Darwin's UIO_MAXIOV: the largest cnt and msg_iovlen accepted. */
#define MSG_X_MAXIOV 1024
/* kern.ipc.maxrecvmsgx on macOS 14 and 15: recvmsg_x clamps cnt to it. */
#define MSG_X_MAXRECV 256
/* Messages converted per sendmmsg()/recvmmsg() call (16 KiB of stack). */
#define MSG_X_CHUNK 256

/* Return: 0, or -1 with errno set if @cnt or a message's iovec count is invalid. */
static int
msg_x_check(const struct msghdr_x *msgp, unsigned int cnt)
{
	unsigned int i;

	if (msgp == NULL || cnt == 0 || cnt > MSG_X_MAXIOV) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < cnt; i++) {
		if (msgp[i].msg_iovlen <= 0 || msgp[i].msg_iovlen > MSG_X_MAXIOV) {
			errno = EMSGSIZE;
			return -1;
		}
	}
	return 0;
}

static void
msg_x_to_mmsg(struct mmsghdr *mm, const struct msghdr_x *m)
{
	memset(mm, 0, sizeof(*mm));
	mm->msg_hdr.msg_name = m->msg_name;
	mm->msg_hdr.msg_namelen = m->msg_namelen;
	mm->msg_hdr.msg_iov = m->msg_iov;
	mm->msg_hdr.msg_iovlen = (size_t)m->msg_iovlen;
	mm->msg_hdr.msg_control = m->msg_control;
	mm->msg_hdr.msg_controllen = m->msg_controllen;
}

ssize_t
recvmsg_x(int s, const struct msghdr_x *msgp, unsigned int cnt, int flags)
{
	struct mmsghdr mm[MSG_X_MAXRECV];
	struct msghdr_x *out;
	unsigned int i;
	int n;

	if (msg_x_check(msgp, cnt) < 0)
		return -1;
	if (flags & ~MSG_DONTWAIT) {
		errno = EINVAL;
		return -1;
	}
	if (cnt > MSG_X_MAXRECV)
		cnt = MSG_X_MAXRECV;
	for (i = 0; i < cnt; i++)
		msg_x_to_mmsg(&mm[i], &msgp[i]);
	n = recvmmsg(s, mm, cnt, flags | MSG_WAITFORONE, NULL);
	if (n < 0)
		return -1;
	/* Darwin's prototype has a const array that the kernel writes to. */
	out = (struct msghdr_x *)(uintptr_t)msgp;
	for (i = 0; i < (unsigned int)n; i++) {
		out[i].msg_datalen = mm[i].msg_len;
		out[i].msg_flags = mm[i].msg_hdr.msg_flags & (MSG_TRUNC | MSG_CTRUNC);
		out[i].msg_namelen = mm[i].msg_hdr.msg_namelen;
		out[i].msg_controllen = (socklen_t)mm[i].msg_hdr.msg_controllen;
	}
	return n;
}

ssize_t
sendmsg_x(int s, const struct msghdr_x *msgp, unsigned int cnt, int flags)
{
	struct mmsghdr mm[MSG_X_CHUNK];
	unsigned int done = 0, chunk, i;
	int n;

	if (msg_x_check(msgp, cnt) < 0)
		return -1;
	if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < cnt; i++) {
		if (msgp[i].msg_name != NULL || msgp[i].msg_control != NULL) {
			errno = EINVAL;
			return -1;
		}
	}
	while (done < cnt) {
		chunk = cnt - done < MSG_X_CHUNK ? cnt - done : MSG_X_CHUNK;
		for (i = 0; i < chunk; i++)
			msg_x_to_mmsg(&mm[i], &msgp[done + i]);
		n = sendmmsg(s, mm, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (done > 0)
				break;
			if (errno == EAGAIN)
				errno = ENOBUFS;
			return -1;
		}
		done += (unsigned int)n;
		if ((unsigned int)n < chunk)
			break;
	}
	return done;
}
