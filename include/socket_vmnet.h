/* SPDX-License-Identifier: Apache-2.0 */
/*
 * socket_vmnet.h - vmnet-helper installed under the name socket_vmnet
 * takes socket_vmnet's command line (Lima's managed networks run it so)
 * and runs the stream daemon with the matching options.
 */
#ifndef SOCKET_VMNET_H
#define SOCKET_VMNET_H

#include <stdbool.h>

#include "options.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The program name (argv[0]'s last component) that selects this command line. */
#define SOCKET_VMNET_NAME "socket_vmnet"

/* Exit status for a socket_vmnet option the daemon cannot honour. */
#define SOCKET_VMNET_EXIT_UNSUPPORTED 2

/* Most arguments the mapped command line has, with its NULL. */
#define SOCKET_VMNET_ARGV_MAX 40

/* Result of socket_vmnet_map(). */
enum socket_vmnet_result {
	SOCKET_VMNET_OK,          /* cmd holds the daemon's command line */
	SOCKET_VMNET_HELP,        /* -h, --help */
	SOCKET_VMNET_INVALID,     /* not a socket_vmnet command line: exit 1 */
	SOCKET_VMNET_UNSUPPORTED, /* a socket_vmnet option the daemon does not honour */
};

/* The mapped command line, and the values it computed. */
struct socket_vmnet_cmd {
	int argc;
	char *argv[SOCKET_VMNET_ARGV_MAX];
	char dhcp_end[OPTIONS_IPV4_STRLEN]; /* socket_vmnet's default x.x.x.254 */
};

bool socket_vmnet_called(const char *argv0);
enum socket_vmnet_result socket_vmnet_map(int argc, char *argv[], struct socket_vmnet_cmd *cmd,
                                          char error[OPTIONS_ERROR_MAX]);
void socket_vmnet_command_line(int *argc, char ***argv);

#ifdef __cplusplus
}
#endif

#endif /* SOCKET_VMNET_H */
