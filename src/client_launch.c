// SPDX-License-Identifier: Apache-2.0
/*
 * client_launch.c - decide how to start vmnet-helper and build its argv.
 *
 * Passing the socket through sudo needs --close-from, which sudo allows
 * only with closefrom_override in the sudoers rule. Asking sudo is the one
 * reliable test: run the helper's --version with --close-from; if sudo
 * refuses, try without it, and use the helper's --socket mode when that
 * works. Only sudo's verdict decides; the password prompt (interactive
 * use) happens in the probe, so the real start never prompts.
 */
#include "client_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client_proc.h"
#include "os_version.h"
#include "vmnet_if.h"

#define SUDO                "sudo"
#define SUDO_NONINTERACTIVE "--non-interactive"
/* Keep 0-2 and the helper's fd 3; sudo closes everything above. */
#define SUDO_CLOSE_FROM "--close-from=4"

_Static_assert(CLIENT_LAUNCH_HELPER_FD == 3, "SUDO_CLOSE_FROM keeps fd 3 only");

/* Append @arg to @argv at *@n, keeping room for the NULL. */
static int
push(const char **argv, size_t max, int *n, const char *arg)
{
	if ((size_t)*n + 1 >= max) {
		errno = E2BIG;
		return -1;
	}
	argv[(*n)++] = arg;
	argv[*n] = NULL;
	return 0;
}

int
client_launch_argv(const struct client_launch *l, const char *socket_path, char *const *opts,
                   int nopts, const char **argv, size_t max)
{
	int n = 0;
	int rc = 0;

	if (max == 0) {
		errno = E2BIG;
		return -1;
	}
	argv[0] = NULL;
	if (l->mode != CLIENT_LAUNCH_DIRECT) {
		rc |= push(argv, max, &n, SUDO);
		if (!l->interactive || opts != NULL)
			rc |= push(argv, max, &n, SUDO_NONINTERACTIVE);
		if (l->mode == CLIENT_LAUNCH_SUDO_FD)
			rc |= push(argv, max, &n, SUDO_CLOSE_FROM);
	}
	rc |= push(argv, max, &n, l->helper);
	if (opts == NULL) {
		rc |= push(argv, max, &n, "--version");
	} else {
		if (l->mode == CLIENT_LAUNCH_SUDO_SOCKET) {
			rc |= push(argv, max, &n, "--socket");
			rc |= push(argv, max, &n, socket_path);
		} else {
			rc |= push(argv, max, &n, "--fd");
			rc |= push(argv, max, &n, "3");
		}
		for (int i = 0; i < nopts; i++)
			rc |= push(argv, max, &n, opts[i]);
	}
	return rc < 0 ? -1 : n;
}

/* Keep the first line of @buf. */
static void
first_line(char *buf)
{
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * Run the --version probe in mode @l->mode, capturing stderr in @msg.
 * Return: 0 when it exited 0, 1 when not, -1 with errno if it could not run.
 */
static int
probe(const struct client_launch *l, char *msg, size_t size)
{
	const char *argv[8];
	struct client_proc_spec spec = {.fd_stdin = -1, .fd_extra = -1};
	int err[2];
	int null_fd;
	size_t used = 0;
	int status;
	pid_t pid;
	ssize_t n;

	if (client_launch_argv(l, NULL, NULL, 0, argv, 8) < 0)
		return -1;
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0)
		return -1;
	if (client_proc_pipe(err) < 0) {
		close(null_fd);
		return -1;
	}
	spec.argv = argv;
	spec.fd_stdin = l->interactive ? -1 : null_fd;
	spec.fd_stdout = null_fd;
	spec.fd_stderr = err[1];
	pid = client_proc_spawn(&spec);
	close(err[1]);
	close(null_fd);
	if (pid < 0) {
		int saved = errno;

		close(err[0]);
		errno = saved;
		return -1;
	}
	/* Read everything so sudo never blocks on a full pipe; keep the start. */
	do {
		char drain[256];

		if (used + 1 < size)
			n = read(err[0], msg + used, size - 1 - used);
		else
			n = read(err[0], drain, sizeof(drain));
		if (n > 0 && used + 1 < size)
			used += (size_t)n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	msg[used] = '\0';
	first_line(msg);
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int
client_launch_choose(struct client_launch *l, char *msg, size_t size)
{
	int rc;

	msg[0] = '\0';
	if (geteuid() == 0 || (!l->direct_refused && !os_version_vmnet_needs_root())) {
		l->mode = CLIENT_LAUNCH_DIRECT;
		return 0;
	}
	l->mode = CLIENT_LAUNCH_SUDO_FD;
	rc = probe(l, msg, size);
	if (rc != 1)
		return rc;
	if (l->interrupted && l->interrupted(l->ctx)) {
		errno = EINTR;
		return -1;
	}
	l->mode = CLIENT_LAUNCH_SUDO_SOCKET;
	rc = probe(l, msg, size);
	if (rc != 1)
		return rc;
	errno = l->interrupted && l->interrupted(l->ctx) ? EINTR : EPERM;
	return -1;
}

bool
client_launch_fall_back(struct client_launch *l, bool root, int wait_status)
{
	if (root || l->mode != CLIENT_LAUNCH_DIRECT || l->direct_refused ||
	    !WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != VMNET_IF_EXIT_NOT_AUTHORIZED)
		return false;
	l->direct_refused = true;
	return true;
}

const char *
client_launch_mode_name(enum client_launch_mode mode)
{
	switch (mode) {
	case CLIENT_LAUNCH_DIRECT:
		return "helper started directly";
	case CLIENT_LAUNCH_SUDO_FD:
		return "helper started with sudo, socket passed as fd 3";
	case CLIENT_LAUNCH_SUDO_SOCKET:
		return "helper started with sudo in --socket mode "
		       "(sudoers has no closefrom_override)";
	}
	return "unknown";
}
