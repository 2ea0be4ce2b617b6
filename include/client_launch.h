/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_launch.h - how vmnet-client runs the helper: directly, or through
 * sudo passing the socket as fd 3, or through sudo with the helper's
 * --socket when the sudoers rule does not allow passing descriptors.
 */
#ifndef CLIENT_LAUNCH_H
#define CLIENT_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>

/* The socket fd the helper gets, and sudo's --close-from keeping it. */
#define CLIENT_LAUNCH_HELPER_FD 3

enum client_launch_mode {
	CLIENT_LAUNCH_DIRECT,      /* root, or vmnet needs no root */
	CLIENT_LAUNCH_SUDO_FD,     /* sudo --close-from, helper --fd 3 */
	CLIENT_LAUNCH_SUDO_SOCKET, /* sudo, helper --socket PATH */
};

struct client_launch {
	const char *helper; /* absolute path of vmnet-helper */
	enum client_launch_mode mode;
	bool interactive;    /* sudo may ask for a password on the terminal */
	bool direct_refused; /* vmnet refused a direct start: use sudo */
	/* Checked after a probe failed: true when the user interrupted it (a
	 * Ctrl-C at sudo's password prompt makes sudo exit 1, not die). */
	bool (*interrupted)(void *ctx);
	void *ctx;
};

/*
 * client_launch_argv() - argv starting the helper
 * @l:		helper path, mode and interactivity
 * @socket_path:	the helper's --socket (SUDO_SOCKET mode), else NULL
 * @opts:	helper options, @nopts of them; NULL with @nopts 0 builds
 *		the "--version" probe used to test what sudo allows
 * @argv:	output, NULL-terminated
 * @max:	room in @argv, counting the NULL
 *
 * Return: number of arguments, or -1 with errno E2BIG.
 */
int client_launch_argv(const struct client_launch *l, const char *socket_path, char *const *opts,
                       int nopts, const char **argv, size_t max);

/*
 * client_launch_choose() - pick @l->mode: direct when root or when vmnet
 * needs no root (unless @l->direct_refused); else ask sudo, once with --close-from and once
 * without, to run the helper's --version.
 * @l:		@l->helper and @l->interactive set; @l->mode is set here
 * @msg:	sudo's first error line when sudo refuses both
 * @size:	size of @msg
 *
 * Return: 0, or -1 with errno (EPERM: sudo refused, see @msg; EINTR: a
 * probe failed and @l->interrupted says the user interrupted it, so no
 * second probe asks again).
 */
int client_launch_choose(struct client_launch *l, char *msg, size_t size);

/*
 * client_launch_fall_back() - after the helper ended before reporting its
 * interface: whether to start it again through sudo. True when it was
 * started directly by a user other than root (macOS 26) and exited with
 * VMNET_IF_EXIT_NOT_AUTHORIZED, e.g. a helper built from source and never
 * signed with the entitlement; then @l->direct_refused is set, and
 * client_launch_choose() picks a sudo mode.
 * @l:		the launch that failed
 * @root:	whether the client runs as root
 * @wait_status: the helper's wait status
 */
bool client_launch_fall_back(struct client_launch *l, bool root, int wait_status);

/* client_launch_mode_name() - how the helper runs, for the log */
const char *client_launch_mode_name(enum client_launch_mode mode);

#endif /* CLIENT_LAUNCH_H */
