// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_client_opts.c - vmnet-client's option parser on arbitrary command
 * lines.
 *
 * Beyond not crashing or leaking: a failure names its reason in one
 * bounded message; an accepted run has a command after "--", forwards only
 * arguments it was given (in order, none after "--"), and the helper
 * options it forwards were accepted by the helper's parser with the
 * client's own connection (--fd 3).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client_opts.h"
#include "fuzz_argv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_run(const struct fuzz_argv *a, const struct client_opts *o)
{
	int next = 1;

	if (!o->command || !o->command[0] || o->command <= a->argv ||
	    o->command >= a->argv + a->argc || strcmp(o->command[-1], "--") != 0)
		abort();
	if (o->grace > CLIENT_OPTS_GRACE_MAX)
		abort();
	if (o->helper_opts.action != OPTIONS_RUN || o->helper_opts.fd != 3 ||
	    o->helper_opts.socket_path)
		abort();
	/* Each forwarded argument is a later argv entry before the command. */
	for (int k = 0; k < o->helper_argc; k++) {
		while (next < a->argc && a->argv[next] != o->helper_args[k])
			next++;
		if (next >= a->argc || a->argv + next >= o->command - 1)
			abort();
		next++;
	}
	if (o->helper_args[o->helper_argc] != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_argv a;
	struct client_opts o;
	char error[OPTIONS_ERROR_MAX];
	int rc;

	if (fuzz_argv_init(&a, CLIENT_OPTS_PROGRAM, data, size) < 0)
		return 0;
	memset(error, 'x', sizeof(error));
	rc = client_opts_parse(a.argc, a.argv, &o, error);
	if (fuzz_parse_ok(rc, error) && !o.help && !o.version)
		check_run(&a, &o);
	client_opts_free(&o);
	fuzz_argv_free(&a);
	return 0;
}
