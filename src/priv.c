// SPDX-License-Identifier: Apache-2.0
/*
 * priv.c - the privilege drop (see priv.h).
 *
 * vmnet needs root on macOS 15 and earlier, but only to create the
 * interface. Right after that the helper becomes the user who ran sudo
 * (SUDO_UID/SUDO_GID) or its real user: supplementary groups first, then
 * the gid, then the uid. As root, setgid() and setuid() set the real,
 * effective and saved ids on both macOS and Linux, so no setres*() is
 * needed. The result is checked: ids equal the target, no group but the
 * target gid, and root cannot be regained.
 */
#include "priv.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

#include "num.h"

/* Largest id accepted; (uid_t)-1 means "unchanged" to the set*id calls. */
#define PRIV_ID_MAX ((uint64_t)UINT32_MAX - 1)

/*
 * priv_select() - choose the user to forward as (pure function)
 *
 * Running as root: SUDO_UID and SUDO_GID (both or neither; decimal, in
 * range) or else the real ids. Not running as root: the real ids, and no
 * drop (macOS 26 needs no root; SUDO_* from an outer sudo are ignored).
 * A root target, user or group, is refused unless allow_root is set.
 *
 * Return: 0, or -1 with *reason set
 */
int
priv_select(const struct priv_input *in, struct priv_target *out, const char **reason)
{
	uint64_t uid = in->ruid, gid = in->rgid;

	out->drop = in->euid == 0;
	if (out->drop && (in->sudo_uid || in->sudo_gid)) {
		if (!in->sudo_uid || !in->sudo_gid) {
			*reason = "SUDO_UID and SUDO_GID must be set together";
			return -1;
		}
		if (num_parse_u64(in->sudo_uid, 0, PRIV_ID_MAX, &uid) < 0) {
			*reason = "SUDO_UID is not a valid user id";
			return -1;
		}
		if (num_parse_u64(in->sudo_gid, 0, PRIV_ID_MAX, &gid) < 0) {
			*reason = "SUDO_GID is not a valid group id";
			return -1;
		}
	}
	if (!out->drop)
		uid = in->euid;
	out->uid = (uid_t)uid;
	out->gid = (gid_t)gid;
	if (out->uid == 0 && !in->allow_root) {
		*reason = "refusing to forward as root (run through sudo as a user, or use "
		          "--allow-root)";
		return -1;
	}
	/* Group root opens as much as user root does (root-group files, devices). */
	if (out->drop && out->gid == 0 && !in->allow_root) {
		*reason = "refusing to forward as group root (SUDO_GID or the real gid is 0; use "
		          "--allow-root)";
		return -1;
	}
	return 0;
}

/*
 * priv_drop() - become the target user for good
 * Return: 0, or -1 with errno of the failing call
 */
int
priv_drop(const struct priv_target *t)
{
	if (!t->drop)
		return 0;
	if (setgroups(1, &t->gid) < 0 || setgid(t->gid) < 0 || setuid(t->uid) < 0)
		return -1;
	return 0;
}

/*
 * priv_verify() - check that the drop holds
 * Return: 0, or -1 with *reason set
 */
int
priv_verify(const struct priv_target *t, const char **reason)
{
	gid_t groups[2];
	int n;

	if (!t->drop)
		return 0;
	if (getuid() != t->uid || geteuid() != t->uid) {
		*reason = "real or effective user id is not the target";
		return -1;
	}
	if (getgid() != t->gid || getegid() != t->gid) {
		*reason = "real or effective group id is not the target";
		return -1;
	}
	n = getgroups(2, groups);
	if (n < 0 || n > 1 || (n == 1 && groups[0] != t->gid)) {
		*reason = "supplementary groups other than the target group remain";
		return -1;
	}
	if (t->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		*reason = "root could be regained";
		return -1;
	}
	return 0;
}
