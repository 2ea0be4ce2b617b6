// SPDX-License-Identifier: Apache-2.0
/*
 * socket_vmnet.c - socket_vmnet's command line, mapped to the stream
 * daemon's (see socket_vmnet.h).
 *
 * Lima's managed networks (networks.yaml paths.socketVMNet) run, through
 * the sudoers rule `limactl sudoers` writes,
 *   socket_vmnet --pidfile=F --socket-group=G --vmnet-mode=shared|host
 *     --vmnet-gateway=IP --vmnet-dhcp-end=IP --vmnet-mask=MASK SOCKET
 *   socket_vmnet --pidfile=F --socket-group=G --vmnet-mode=bridged
 *     --vmnet-interface=IF SOCKET
 * and stop the daemon with `pkill -F F`. Installed under that name,
 * vmnet-helper reads such a line with getopt_long(), as socket_vmnet does
 * (so "--opt=value", "--opt value", "-p F", "-pF" and unambiguous
 * abbreviations all work), fills in socket_vmnet's defaults (the DHCP range
 * ends at x.x.x.254, mask 255.255.255.0, when only the gateway is given),
 * and hands main() the same daemon as "vmnet-helper --serve-stream SOCKET
 * ...". Each connection then gets its own interface, as with
 * --serve-stream. What the daemon cannot honour is refused before anything
 * is created.
 */
#include "socket_vmnet.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Values getopt_long() returns for the table's entries: FIRST + index. */
#define FIRST 256

/* One socket_vmnet option and the daemon option it becomes. */
struct mapping {
	const char *name;
	char short_name; /* 0 if none */
	bool has_arg;
	char helper[24]; /* "": handled here (help), or refused */
	const char *refusal;
};

/* socket_vmnet's options (cli.c), in the order of its --help. */
static struct mapping map[] = {
    {"socket-group", 0, true, "--serve-group", NULL},
    {"vmnet-mode", 0, true, "--operation-mode", NULL},
    {"vmnet-interface", 0, true, "--shared-interface", NULL},
    {"vmnet-gateway", 0, true, "--start-address", NULL},
    {"vmnet-dhcp-end", 0, true, "--end-address", NULL},
    {"vmnet-mask", 0, true, "--subnet-mask", NULL},
    {"vmnet-interface-id", 0, true, "",
     "every connection gets its own interface, so one interface id cannot be kept"},
    {"vmnet-network-identifier", 0, true, "--network-id", NULL},
    {"vmnet-nat66-prefix", 0, true, "--nat66-prefix", NULL},
    {"vmnet-disable-dhcp", 0, false, "--disable-dhcp", NULL},
    {"pidfile", 'p', true, "--pidfile", NULL},
    {"help", 'h', false, "", NULL},
    {"version", 'v', false, "--version", NULL},
};

static char serve_stream[] = "--serve-stream";
static char default_mask[] = "255.255.255.0";

/* socket_vmnet_called() - whether the program runs under the name socket_vmnet */
bool
socket_vmnet_called(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0;
	return base && strcmp(base, SOCKET_VMNET_NAME) == 0;
}

static void
add(struct socket_vmnet_cmd *cmd, char *arg)
{
	cmd->argv[cmd->argc++] = arg;
	cmd->argv[cmd->argc] = NULL;
}

/* The daemon option socket_vmnet's option @name becomes. */
static char *
helper_option(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (strcmp(map[i].name, name) == 0)
			return map[i].helper;
	}
	return NULL;
}

/* The argument the last getopt_long() result came from, for messages. */
static const char *
culprit(char *argv[])
{
	return optind > 1 ? argv[optind - 1] : "?";
}

/* socket_vmnet's default DHCP end: the gateway's /24 at .254. Return: 0 or -1. */
static int
default_dhcp_end(const char *gateway, char out[OPTIONS_IPV4_STRLEN])
{
	struct in_addr a;

	if (inet_pton(AF_INET, gateway, &a) != 1)
		return -1;
	a.s_addr = htonl((ntohl(a.s_addr) & 0xFFFFFF00u) | 0xFEu);
	return inet_ntop(AF_INET, &a, out, OPTIONS_IPV4_STRLEN) ? 0 : -1;
}

/*
 * socket_vmnet_map() - map socket_vmnet's command line to the daemon's
 * @cmd:	filled with "vmnet-helper --serve-stream SOCKET ..." on success
 * @error:	the reason, for SOCKET_VMNET_INVALID and _UNSUPPORTED
 *
 * Only the grammar and socket_vmnet's defaults are handled here;
 * options_parse() then checks the values as the daemon's.
 */
enum socket_vmnet_result
socket_vmnet_map(int argc, char *argv[], struct socket_vmnet_cmd *cmd,
                 char error[OPTIONS_ERROR_MAX])
{
	struct option longopts[ARRAY_SIZE(map) + 1];
	char shortopts[] = ":hp:v";
	char *gateway = NULL;
	bool have_end = false, have_mask = false;
	int opt;

	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		longopts[i] =
		    (struct option){map[i].name, map[i].has_arg ? required_argument : no_argument,
		                    NULL, FIRST + (int)i};
	cmd->argc = 0;
	add(cmd, argv[0]);
	error[0] = '\0';
	opterr = 0;
	optind = 0; /* a fresh scan on glibc and the BSDs alike */
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		struct mapping *m = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(map) && opt < FIRST; i++) {
			if (map[i].short_name == opt)
				m = &map[i];
		}
		if (opt >= FIRST)
			m = &map[opt - FIRST];
		if (opt == ':') {
			snprintf(error, OPTIONS_ERROR_MAX, "%s: requires an argument",
			         culprit(argv));
			return SOCKET_VMNET_INVALID;
		}
		if (!m) {
			snprintf(error, OPTIONS_ERROR_MAX, "%s: unknown option", culprit(argv));
			return SOCKET_VMNET_INVALID;
		}
		if (m->refusal) {
			snprintf(error, OPTIONS_ERROR_MAX, "--%s: not supported: %s", m->name,
			         m->refusal);
			return SOCKET_VMNET_UNSUPPORTED;
		}
		if (strcmp(m->name, "help") == 0)
			return SOCKET_VMNET_HELP;
		/* Room for this option's two and the six added after the loop. */
		if (cmd->argc + 2 + 6 >= SOCKET_VMNET_ARGV_MAX) {
			snprintf(error, OPTIONS_ERROR_MAX, "too many options");
			return SOCKET_VMNET_INVALID;
		}
		add(cmd, m->helper);
		if (m->has_arg)
			add(cmd, optarg);
		if (strcmp(m->name, "vmnet-gateway") == 0)
			gateway = optarg;
		have_end |= strcmp(m->name, "vmnet-dhcp-end") == 0;
		have_mask |= strcmp(m->name, "vmnet-mask") == 0;
		if (strcmp(m->name, "version") == 0)
			return SOCKET_VMNET_OK;
	}
	if (argc - optind != 1) {
		snprintf(error, OPTIONS_ERROR_MAX, "expected one SOCKET path, found %d arguments",
		         argc - optind);
		return SOCKET_VMNET_INVALID;
	}
	if (gateway && !have_end && default_dhcp_end(gateway, cmd->dhcp_end) < 0) {
		snprintf(error, OPTIONS_ERROR_MAX, "--vmnet-gateway: invalid address '%s'",
		         gateway);
		return SOCKET_VMNET_INVALID;
	}
	if (gateway && !have_end) {
		add(cmd, helper_option("vmnet-dhcp-end"));
		add(cmd, cmd->dhcp_end);
	}
	if (gateway && !have_mask) {
		add(cmd, helper_option("vmnet-mask"));
		add(cmd, default_mask);
	}
	add(cmd, serve_stream);
	add(cmd, argv[optind]);
	return SOCKET_VMNET_OK;
}

static void
usage(const char *argv0)
{
	printf("Usage: %s [OPTION]... SOCKET\n"
	       "vmnet-helper's stream daemon under socket_vmnet's command line: one vmnet\n"
	       "interface per connection. Each option runs as the vmnet-helper option shown.\n\n",
	       argv0);
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		char left[48];

		if (map[i].short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s", map[i].short_name, map[i].name,
			         map[i].has_arg ? "=VALUE" : "");
		else
			snprintf(left, sizeof(left), "    --%s%s", map[i].name,
			         map[i].has_arg ? "=VALUE" : "");
		printf("  %-36s  %s\n", left,
		       map[i].refusal     ? "not supported"
		       : map[i].helper[0] ? map[i].helper
		                          : "print this help");
	}
}

/*
 * socket_vmnet_command_line() - called as socket_vmnet, replace the command
 * line with the daemon's; print help and exit, or exit on an error
 *
 * Exit status: 0 after --help; 1 for an invalid command line;
 * SOCKET_VMNET_EXIT_UNSUPPORTED for an option the daemon cannot honour.
 * Errors are one line on stderr.
 */
void
socket_vmnet_command_line(int *argc, char ***argv)
{
	static struct socket_vmnet_cmd cmd;
	char error[OPTIONS_ERROR_MAX];
	struct options opts;

	if (!socket_vmnet_called((*argv)[0]))
		return;
	switch (socket_vmnet_map(*argc, *argv, &cmd, error)) {
	case SOCKET_VMNET_HELP:
		usage((*argv)[0]);
		exit(EXIT_SUCCESS);
	case SOCKET_VMNET_INVALID:
		log_fatal(SOCKET_VMNET_NAME ": %s", error);
	case SOCKET_VMNET_UNSUPPORTED:
		log_error(SOCKET_VMNET_NAME ": %s", error);
		exit(SOCKET_VMNET_EXIT_UNSUPPORTED);
	case SOCKET_VMNET_OK:
		break;
	}
	/* Checked here, so an error names both command lines in one line. */
	if (options_parse(cmd.argc, cmd.argv, &opts, error) < 0)
		log_fatal(SOCKET_VMNET_NAME ": %s (as vmnet-helper's option)", error);
	*argc = cmd.argc;
	*argv = cmd.argv;
}
