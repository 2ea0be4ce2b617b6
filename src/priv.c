// SPDX-License-Identifier: Apache-2.0
/*
 * priv.c - the privilege drop (see priv.h).
 *
 * vmnet needs root on macOS 15 and earlier, but only to create the
 * interface. Right after that the helper becomes the user who ran sudo
 * (SUDO_UID/SUDO_GID) or its real user; a caller that is root itself gets
 * an unprivileged account instead (--user, default nobody), so the part
 * that reads the VM's frames never runs as root unless --allow-root says
 * so. Supplementary groups first, then the gid, then the uid. As root,
 * setgid() and setuid() set the real, effective and saved ids on both
 * macOS and Linux, so no setres*() is needed. The result is checked: ids equal the target, no group
 * but the target gid, and root cannot be regained.
 */
#include "priv.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "num.h"

/* Largest id accepted; (uid_t)-1 means "unchanged" to the set*id calls. */
#define PRIV_ID_MAX ((uint64_t)UINT32_MAX - 1)

/* Longest NAME|UID[:GROUP|GID] accepted by priv_lookup(). */
#define PRIV_SPEC_MAX 256

/* Set *uid (and *gid, its primary group) from a user name or number. */
static int
lookup_user(const char *name, uid_t *uid, gid_t *gid, const char **reason)
{
	const struct passwd *pw;
	uint64_t n;

	if (num_parse_u64(name, 0, PRIV_ID_MAX, &n) == 0) {
		*uid = (uid_t)n;
		pw = getpwuid(*uid);
		if (!pw) {
			*reason = "a user id without an account needs :GID";
			return -1;
		}
	} else {
		pw = getpwnam(name);
		if (!pw) {
			*reason = "no such user";
			return -1;
		}
		*uid = pw->pw_uid;
	}
	*gid = pw->pw_gid;
	return 0;
}

/* Set *gid from a group name or number. */
static int
lookup_group(const char *name, gid_t *gid, const char **reason)
{
	const struct group *gr;
	uint64_t n;

	if (num_parse_u64(name, 0, PRIV_ID_MAX, &n) == 0) {
		*gid = (gid_t)n;
		return 0;
	}
	gr = getgrnam(name);
	if (!gr) {
		*reason = "no such group";
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

/*
 * priv_lookup() - resolve an account given as NAME|UID[:GROUP|GID]
 * @spec:	a user name or decimal uid, optionally ":" and a group name or
 *		decimal gid; without the group, the user's primary group (so a
 *		bare uid must have an account)
 *
 * Return: 0, or -1 with *reason set
 */
int
priv_lookup(const char *spec, struct priv_account *out, const char **reason)
{
	char user[PRIV_SPEC_MAX];
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	uint64_t n;

	if (len == 0 || len >= sizeof(user) || (colon && colon[1] == '\0')) {
		*reason = "expected NAME, UID, NAME:GROUP or UID:GID";
		return -1;
	}
	memcpy(user, spec, len);
	user[len] = '\0';
	if (colon && num_parse_u64(user, 0, PRIV_ID_MAX, &n) == 0) {
		out->uid = (uid_t)n; /* UID:GID needs no account */
	} else if (lookup_user(user, &out->uid, &out->gid, reason) < 0) {
		return -1;
	}
	return colon ? lookup_group(colon + 1, &out->gid, reason) : 0;
}

/* SUDO_UID=0 is root running sudo: a root caller like any other. */
static bool
sudo_from_user(const struct priv_input *in)
{
	return (in->sudo_uid || in->sudo_gid) && !(in->sudo_uid && strcmp(in->sudo_uid, "0") == 0);
}

/* The target of a caller that is root itself: --user, root, or the fallback. */
static int
select_for_root(const struct priv_input *in, uint64_t *uid, uint64_t *gid, const char **reason)
{
	const struct priv_account *a = in->user ? in->user : in->fallback;

	if (!in->user && in->allow_root) {
		*uid = 0;
		*gid = 0;
		return 0;
	}
	if (!a) {
		*reason = "called as root, and there is no account " PRIV_DEFAULT_USER
		          " to drop to (name one with --user, or use --allow-root)";
		return -1;
	}
	*uid = a->uid;
	*gid = a->gid;
	return 0;
}

/*
 * priv_select() - choose the user to forward as (pure function)
 *
 * Running as root through sudo from a user: SUDO_UID and SUDO_GID (both
 * or neither; decimal, in range). Running setuid root: the real ids.
 * Running as root itself (SUDO_UID unset or 0): --user, else
 * PRIV_DEFAULT_USER; with --allow-root and no --user, root. Not running
 * as root: the real ids, and no drop (macOS 26 needs no root; SUDO_* from
 * an outer sudo are ignored). --user is refused where it does not choose:
 * through sudo (the helper drops to the user who ran it, so a sudoers rule
 * cannot be used to act as someone else) and without root. A root target,
 * user or group, is refused unless allow_root is set.
 *
 * Return: 0, or -1 with *reason set
 */
int
priv_select(const struct priv_input *in, struct priv_target *out, const char **reason)
{
	uint64_t uid = in->ruid, gid = in->rgid;
	bool choose = in->euid == 0 && in->ruid == 0 && !sudo_from_user(in);

	out->drop = in->euid == 0;
	if (in->user && !choose) {
		*reason = out->drop ? "--user: only for callers that are root themselves, not "
		                      "through sudo or setuid"
		                    : "--user: switching accounts needs root";
		return -1;
	}
	if (out->drop && sudo_from_user(in)) {
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
	} else if (choose && select_for_root(in, &uid, &gid, reason) < 0) {
		return -1;
	}
	if (!out->drop)
		uid = in->euid;
	out->uid = (uid_t)uid;
	out->gid = (gid_t)gid;
	if (out->uid == 0 && !in->allow_root) {
		*reason = "refusing to forward as root (choose an account with --user, or use "
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
