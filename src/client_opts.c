// SPDX-License-Identifier: Apache-2.0
/*
 * client_opts.c - vmnet-client's options; helper options are recognised
 * through the helper's option table and validated by its parser, so the
 * two programs never disagree about them.
 */
#include "client_opts.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

/* Client options: all long, all but the flags take one argument. */
enum client_opt {
	OPT_HELPER,
	OPT_INFO_FILE,
	OPT_GRACE,
	OPT_HELP,
	OPT_VERSION,
};

static const struct {
	const char *name;
	char short_name;
	bool has_arg;
	const char *arg_name;
	const char *help;
} client_table[] = {
    [OPT_HELPER] = {"helper", 0, true, "PATH",
                    "vmnet-helper to run (default: the one beside vmnet-client)"},
    [OPT_INFO_FILE] = {"info-file", 0, true, "PATH",
                       "write the interface JSON line to PATH instead of stdout"},
    [OPT_GRACE] = {"grace-period", 0, true, "SECONDS",
                   "wait this long after SIGTERM before SIGKILL (default 5)"},
    [OPT_HELP] = {"help", 'h', false, NULL, "print this help"},
    [OPT_VERSION] = {"version", 0, false, NULL, "print version and commit"},
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int
client_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(client_table); i++) {
		if (strlen(client_table[i].name) == len &&
		    memcmp(client_table[i].name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

static int
set_client(struct client_opts *o, int opt, const char *value, char *error)
{
	uint64_t n;

	if (o->given & (1u << opt)) {
		snprintf(error, OPTIONS_ERROR_MAX, "--%s: given more than once",
		         client_table[opt].name);
		return -1;
	}
	o->given |= 1u << opt;
	switch (opt) {
	case OPT_HELPER:
		if (*value == '\0') {
			snprintf(error, OPTIONS_ERROR_MAX,
			         "--helper: invalid value '': empty path");
			return -1;
		}
		if (strlen(value) >= PATH_MAX) {
			snprintf(error, OPTIONS_ERROR_MAX, "--helper: path longer than %d bytes",
			         PATH_MAX - 1);
			return -1;
		}
		o->helper = value;
		break;
	case OPT_INFO_FILE:
		o->info_file = value;
		break;
	case OPT_GRACE:
		if (num_parse_u64(value, 0, CLIENT_OPTS_GRACE_MAX, &n) < 0) {
			snprintf(error, OPTIONS_ERROR_MAX,
			         "--grace-period: '%s' is not a number of seconds (0-%d)", value,
			         CLIENT_OPTS_GRACE_MAX);
			return -1;
		}
		o->grace = (unsigned)n;
		break;
	case OPT_HELP:
		o->help = true;
		break;
	case OPT_VERSION:
		o->version = true;
		break;
	}
	return 0;
}

/* A helper option the client refuses; NULL if forwarding is fine. */
static const char *
refused(const struct options_spec *spec)
{
	if (spec->flags & OPTIONS_F_CONNECTION)
		return "is chosen by vmnet-client";
	if (spec->flags & OPTIONS_F_ACTION)
		return "is not supported by vmnet-client (run vmnet-helper)";
	return NULL;
}

/* Handle "--name[=value]" at argv[*i]. */
static int
parse_long(struct client_opts *o, int argc, char *argv[], int *i, char *error)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	int opt = client_lookup(name, len);
	const struct options_spec *spec;
	const char *why;
	bool has_arg;

	if (opt < 0) {
		spec = options_lookup_long(name, len);
		if (spec == NULL) {
			snprintf(error, OPTIONS_ERROR_MAX, "--%.*s: unknown option", (int)len,
			         name);
			return -1;
		}
		if ((why = refused(spec)) != NULL) {
			snprintf(error, OPTIONS_ERROR_MAX, "--%s %s", spec->name, why);
			return -1;
		}
		has_arg = spec->has_arg;
	} else {
		has_arg = client_table[opt].has_arg;
	}
	if (!has_arg && eq != NULL) {
		snprintf(error, OPTIONS_ERROR_MAX, "--%.*s takes no argument", (int)len, name);
		return -1;
	}
	if (has_arg && eq == NULL && (*i + 1 >= argc || strcmp(argv[*i + 1], "--") == 0)) {
		snprintf(error, OPTIONS_ERROR_MAX, "--%.*s requires an argument", (int)len, name);
		return -1;
	}
	if (opt >= 0) {
		const char *value = has_arg ? (eq ? eq + 1 : argv[++*i]) : NULL;

		return set_client(o, opt, value, error);
	}
	o->helper_args[o->helper_argc++] = argv[*i];
	if (has_arg && eq == NULL)
		o->helper_args[o->helper_argc++] = argv[++*i];
	return 0;
}

/* Handle "-abc", "-xVALUE" or "-x VALUE" at argv[*i]. */
static int
parse_short(struct client_opts *o, int argc, char *argv[], int *i, char *error)
{
	const char *arg = argv[*i];

	for (const char *c = arg + 1; *c != '\0'; c++) {
		const struct options_spec *spec;
		const char *why;

		if (*c == client_table[OPT_HELP].short_name) {
			if (set_client(o, OPT_HELP, NULL, error) < 0)
				return -1;
			continue;
		}
		spec = options_lookup_short(*c);
		if (spec == NULL) {
			snprintf(error, OPTIONS_ERROR_MAX, "-%c: unknown option", *c);
			return -1;
		}
		if ((why = refused(spec)) != NULL) {
			snprintf(error, OPTIONS_ERROR_MAX, "-%c (--%s) %s", *c, spec->name, why);
			return -1;
		}
		if (spec->has_arg) {
			if (c[1] == '\0' && (*i + 1 >= argc || strcmp(argv[*i + 1], "--") == 0)) {
				snprintf(error, OPTIONS_ERROR_MAX, "-%c requires an argument", *c);
				return -1;
			}
			o->helper_args[o->helper_argc++] = argv[*i];
			if (c[1] == '\0')
				o->helper_args[o->helper_argc++] = argv[++*i];
			return 0;
		}
	}
	o->helper_args[o->helper_argc++] = argv[*i];
	return 0;
}

/* Check the helper options with the helper's parser, as "--fd 3 ...". */
static int
check_helper_args(struct client_opts *o, char *error)
{
	char **args = calloc((size_t)o->helper_argc + 4, sizeof(*args));
	char helper_error[OPTIONS_ERROR_MAX];
	int rc;

	if (args == NULL) {
		snprintf(error, OPTIONS_ERROR_MAX, "out of memory");
		return -1;
	}
	args[0] = OPTIONS_PROGRAM;
	args[1] = "--fd";
	args[2] = "3";
	memcpy(args + 3, o->helper_args, (size_t)o->helper_argc * sizeof(*args));
	rc = options_parse(o->helper_argc + 3, args, &o->helper_opts, helper_error);
	free(args);
	if (rc < 0)
		snprintf(error, OPTIONS_ERROR_MAX, "%s", helper_error);
	return rc;
}

int
client_opts_parse(int argc, char *argv[], struct client_opts *o, char error[OPTIONS_ERROR_MAX])
{
	int i;

	memset(o, 0, sizeof(*o));
	o->grace = CLIENT_OPTS_GRACE_DEFAULT;
	error[0] = '\0';
	o->helper_args = calloc((size_t)argc + 1, sizeof(*o->helper_args));
	if (o->helper_args == NULL) {
		snprintf(error, OPTIONS_ERROR_MAX, "out of memory");
		return -1;
	}
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *arg = argv[i];
		int rc;

		if (arg[0] == '-' && arg[1] == '-' && arg[2] != '\0') {
			rc = parse_long(o, argc, argv, &i, error);
		} else if (arg[0] == '-' && arg[1] != '\0' && arg[1] != '-') {
			rc = parse_short(o, argc, argv, &i, error);
		} else {
			snprintf(error, OPTIONS_ERROR_MAX,
			         "'%s': unexpected argument (the command follows '--')", arg);
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	if (o->help || o->version)
		return 0;
	if (i + 1 >= argc) {
		snprintf(error, OPTIONS_ERROR_MAX, "missing command: use '-- COMMAND [ARG...]'");
		return -1;
	}
	o->command = argv + i + 1;
	return check_helper_args(o, error);
}

void
client_opts_free(struct client_opts *o)
{
	free(o->helper_args);
	o->helper_args = NULL;
}

void
client_opts_usage(FILE *out)
{
	fprintf(out,
	        "Usage: " CLIENT_OPTS_PROGRAM " [options] [helper options] -- COMMAND [ARG...]\n"
	        "       " CLIENT_OPTS_PROGRAM " --version | --help\n"
	        "\n"
	        "Start vmnet-helper (through sudo unless root), then COMMAND with its end\n"
	        "of the helper's unix datagram socket (stream socket with --stream) as fd 4\n"
	        "and the interface details in VMNET_* environment variables; stop the\n"
	        "helper when COMMAND exits.\n"
	        "\n"
	        "Options:\n");
	for (size_t i = 0; i < ARRAY_SIZE(client_table); i++) {
		char left[48];

		snprintf(left, sizeof(left), "%c%c%s--%s%s%s",
		         client_table[i].short_name ? '-' : ' ',
		         client_table[i].short_name ? client_table[i].short_name : ' ',
		         client_table[i].short_name ? ", " : "  ", client_table[i].name,
		         client_table[i].arg_name ? " " : "",
		         client_table[i].arg_name ? client_table[i].arg_name : "");
		fprintf(out, "  %-34s %s\n", left, client_table[i].help);
	}
	fprintf(out, "\nHelper options (passed to vmnet-helper):\n");
	options_print_table(out, OPTIONS_F_CONNECTION | OPTIONS_F_ACTION);
	fprintf(out, "\nExit status: COMMAND's status (128+N if killed by signal N); 125 when\n"
	             "vmnet-client or the helper fails; 126/127 when COMMAND cannot be run.\n");
}
