// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_options.c - vmnet-helper's option parser on arbitrary command lines.
 *
 * Beyond not crashing: a failure names its reason in one bounded message;
 * a run that is accepted obeys every documented rule between options
 * (checked here again, independently of options.c's own checks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "fuzz_argv.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_run(const struct options *o)
{
	struct in_addr start, end, mask;
	const char *reason;
	char prefix[ADDR_NAT66_STRLEN];

	/* Exactly one connection; none for the services, which serve many. */
	if (o->serve_path || o->serve_networks) {
		if (o->fd >= 0 || o->socket_path)
			abort();
	} else if ((o->fd >= 0) == (o->socket_path != NULL)) {
		abort();
	}
	if (o->fd >= 0 && o->fd <= 2)
		abort();
	if (o->socket_path && (!*o->socket_path || strlen(o->socket_path) >=
	                                               sizeof(((struct sockaddr_un *)0)->sun_path)))
		abort();
	if ((o->mode == OPTIONS_MODE_BRIDGED) != (o->shared_interface != NULL))
		abort();
	if (o->has_dhcp_range) {
		if (o->mode == OPTIONS_MODE_BRIDGED ||
		    addr_parse_ipv4(o->start_address, &start, &reason) < 0 ||
		    addr_parse_ipv4(o->end_address, &end, &reason) < 0 ||
		    addr_parse_ipv4(o->subnet_mask, &mask, &reason) < 0 ||
		    addr_check_dhcp_range(start, end, mask, &reason) < 0)
			abort();
	}
	if (o->enable_isolation && o->mode == OPTIONS_MODE_BRIDGED)
		abort();
	if (o->has_nat66_prefix) {
		/* Kept canonical: parsing it again gives itself. */
		if (o->mode != OPTIONS_MODE_SHARED ||
		    addr_parse_nat66_prefix(o->nat66_prefix, prefix, &reason) < 0 ||
		    strcmp(prefix, o->nat66_prefix) != 0)
			abort();
	}
	if (o->stats_interval > INT32_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_argv a;
	struct options o;
	char error[OPTIONS_ERROR_MAX];
	int rc;

	if (fuzz_argv_init(&a, OPTIONS_PROGRAM, data, size) < 0)
		return 0;
	memset(error, 'x', sizeof(error));
	rc = options_parse(a.argc, a.argv, &o, error);
	if (fuzz_parse_ok(rc, error) && o.action == OPTIONS_RUN)
		check_run(&o);
	fuzz_argv_free(&a);
	return 0;
}
