/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_opts.h - vmnet-client's command line:
 *
 *	vmnet-client [client options] [helper options] -- COMMAND [ARG...]
 *
 * Client options are its own; every other option must be a vmnet-helper
 * option (from the helper's table in options.h) other than --fd/--socket
 * (the client chooses the connection) and the helper's actions. Helper
 * options are kept as given and checked with the helper's own parser.
 */
#ifndef CLIENT_OPTS_H
#define CLIENT_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"

#define CLIENT_OPTS_PROGRAM "vmnet-client"
#define CLIENT_OPTS_HINT    "Try '" CLIENT_OPTS_PROGRAM " --help'."

/* Seconds a child gets between SIGTERM and SIGKILL, unless told. */
#define CLIENT_OPTS_GRACE_DEFAULT 5
#define CLIENT_OPTS_GRACE_MAX     3600

struct client_opts {
	bool help;
	bool version;
	const char *helper;    /* --helper PATH, NULL: beside vmnet-client */
	const char *info_file; /* --info-file PATH, NULL: stdout */
	unsigned grace;        /* --grace-period SECONDS */
	char **helper_args;    /* helper options as given, NULL-terminated */
	int helper_argc;
	char **command;             /* after "--", NULL-terminated */
	struct options helper_opts; /* the helper options, parsed */
	unsigned given;             /* bit per client option seen: each may appear once */
};

/*
 * client_opts_parse() - parse and check the command line
 * @argc, @argv:	as given to main()
 * @o:		output; release with client_opts_free()
 * @error:	one-line message on failure
 *
 * Return: 0 (check @o->help and @o->version), or -1 with @error set.
 */
int client_opts_parse(int argc, char *argv[], struct client_opts *o, char error[OPTIONS_ERROR_MAX]);

void client_opts_free(struct client_opts *o);

/* client_opts_usage() - the --help text */
void client_opts_usage(FILE *out);

#endif /* CLIENT_OPTS_H */
