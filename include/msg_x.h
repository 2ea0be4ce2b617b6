/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg_x.h - Darwin's batched datagram calls sendmsg_x() and recvmsg_x().
 *
 * They are exported by libSystem but declared in no public SDK header, so
 * we declare them ourselves (layout and contract from xnu's
 * bsd/sys/socket_private.h). On Linux src/linux/msg_x.c implements them
 * with Darwin's semantics on top of sendmmsg()/recvmmsg().
 *
 * recvmsg_x: fills msg_datalen and msg_flags of each message; blocks until
 *	at least one datagram is queued (unless MSG_DONTWAIT, the only flag
 *	accepted), then returns what is queued, up to cnt (clamped to 256).
 *	Return: datagrams received, or -1 with errno.
 * sendmsg_x: msg_name and msg_control must be NULL; the length comes from
 *	the iovecs. A full datagram peer fails with ENOBUFS. Return:
 *	datagrams sent (possibly fewer than cnt), or -1 with errno if none.
 * Both: cnt must be 1..1024 (else EINVAL), msg_iovlen 1..1024 (else
 *	EMSGSIZE).
 */
#ifndef MSG_X_H
#define MSG_X_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct msghdr_x {
	void *msg_name;           /* sendmsg_x: must be NULL */
	socklen_t msg_namelen;    /* sendmsg_x: must be 0 */
	struct iovec *msg_iov;    /* scatter/gather array */
	int msg_iovlen;           /* number of iovecs */
	void *msg_control;        /* sendmsg_x: must be NULL */
	socklen_t msg_controllen; /* sendmsg_x: must be 0 */
	int msg_flags;            /* out: MSG_TRUNC when cut short */
	size_t msg_datalen;       /* out (recv): datagram length */
};

ssize_t recvmsg_x(int s, const struct msghdr_x *msgp, unsigned int cnt, int flags);
ssize_t sendmsg_x(int s, const struct msghdr_x *msgp, unsigned int cnt, int flags);

#ifdef __cplusplus
}
#endif

#endif /* MSG_X_H */
