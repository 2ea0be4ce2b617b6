/* SPDX-License-Identifier: Apache-2.0 */
/*
 * priv.h - choosing the user to run as, dropping root, checking the drop.
 */
#ifndef PRIV_H
#define PRIV_H

#include <stdbool.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct priv_target {
	uid_t uid;
	gid_t gid;
	bool drop; /* running as root: switch to uid/gid */
};

/* The account a root caller's helper drops to unless --user names one. */
#define PRIV_DEFAULT_USER "nobody"

/* An account: from --user, or the default account. */
struct priv_account {
	uid_t uid;
	gid_t gid;
};

/* What priv_select() looks at; split out so tests need no environment. */
struct priv_input {
	const char *sudo_uid; /* $SUDO_UID, NULL if unset */
	const char *sudo_gid; /* $SUDO_GID, NULL if unset */
	uid_t ruid, euid;
	gid_t rgid;
	const struct priv_account *user;     /* --user, NULL if not given */
	const struct priv_account *fallback; /* PRIV_DEFAULT_USER, NULL if none */
	bool allow_root;
};

int priv_lookup(const char *spec, struct priv_account *out, const char **reason);
int priv_select(const struct priv_input *in, struct priv_target *out, const char **reason);
int priv_drop(const struct priv_target *t);
int priv_verify(const struct priv_target *t, const char **reason);

#ifdef __cplusplus
}
#endif

#endif /* PRIV_H */
