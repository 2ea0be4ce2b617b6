// SPDX-License-Identifier: Apache-2.0
/*
 * peereid.c - Darwin's getpeereid() on Linux (see compat sys/ucred.h):
 * the credentials the kernel recorded when the peer connected.
 */
#include <sys/ucred.h>

#include <sys/socket.h>

int
getpeereid(int s, uid_t *euid, gid_t *egid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	*euid = cred.uid;
	*egid = cred.gid;
	return 0;
}
