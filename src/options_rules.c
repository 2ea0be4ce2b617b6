// SPDX-License-Identifier: Apache-2.0
/*
 * options_rules.c - the rules between the helper's options, checked once
 * options.c has parsed them all (see options.h): which options exclude or
 * need each other, and the network options' own rules (netopts.c).
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "options_internal.h"

static bool
given(const struct parse *p, const char *name)
{
	return p->seen & (UINT64_C(1) << (options_entry_long(name, strlen(name)) - options_table));
}

/*
 * options_describes_network() - whether @spec describes the network an
 * interface gets (mode, addresses, the network options), which a named
 * network of a network service decides instead
 */
bool
options_describes_network(const struct options_spec *spec)
{
	static const char *const classic[] = {"operation-mode", "shared-interface", "start-address",
	                                      "end-address",    "subnet-mask",      "nat66-prefix"};
	const struct option_entry *e = options_entry_long(spec->name, strlen(spec->name));

	if (e != NULL && e->set == options_set_net)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(classic); i++) {
		if (strcmp(spec->name, classic[i]) == 0)
			return true;
	}
	return false;
}

/* Rules of --network and --serve-networks. Return: 0 or -1. */
static int
check_service_rules(const struct parse *p, char *error)
{
	const struct options *o = p->opts;
	size_t i;

	for (i = 0; i < options_table_len; i++) {
		const char *name = options_table[i].spec.name;

		if (!(p->seen & (UINT64_C(1) << i)))
			continue;
		if (o->network_name && (options_describes_network(&options_table[i].spec) ||
		                        strcmp(name, "interface-id") == 0)) {
			snprintf(error, OPTIONS_ERROR_MAX,
			         "--network and --%s: cannot be used together (the named network "
			         "decides)",
			         name);
			return -1;
		}
		if (o->serve_networks && strcmp(name, "serve-networks") != 0 &&
		    strcmp(name, "network-service") != 0 && strcmp(name, "network-config") != 0 &&
		    strcmp(name, "verbose") != 0) {
			snprintf(error, OPTIONS_ERROR_MAX,
			         "--serve-networks and --%s: cannot be used together", name);
			return -1;
		}
	}
	if (!o->network_name && !o->serve_networks && (o->network_service || o->network_config)) {
		snprintf(error, OPTIONS_ERROR_MAX,
		         "--%s: only valid with --network or --serve-networks",
		         o->network_service ? "network-service" : "network-config");
		return -1;
	}
	return 0;
}

/* options_check_rules() - the rules between options, once all were parsed. Return: 0 or -1 */
int
options_check_rules(struct parse *p, char *error)
{
	const struct options *o = p->opts;
	const char *mode = options_mode_name(o->mode);
	int n_addr = given(p, "start-address") + given(p, "end-address") + given(p, "subnet-mask");
	const char *reason;

#define FAIL(...) (snprintf(error, OPTIONS_ERROR_MAX, __VA_ARGS__), -1)
	if (check_service_rules(p, error) < 0)
		return -1;
	if (o->serve_networks)
		return 0;
	if ((o->fd >= 0) + !!o->socket_path + !!o->serve_path > 1)
		return FAIL("--fd, --socket, --serve-stream: only one of them may be given");
	if (o->fd < 0 && !o->socket_path && !o->serve_path)
		return FAIL("--fd, --socket or --serve-stream: one of them is required");
	if (o->serve_group && !o->serve_path)
		return FAIL("--serve-group: only valid with --serve-stream");
	if (o->pidfile && !o->serve_path)
		return FAIL("--pidfile: only valid with --serve-stream");
	if (o->serve_path && o->has_interface_id)
		return FAIL("--interface-id: not valid with --serve-stream (each connection "
		            "gets its own interface)");
	if (o->serve_path && o->user)
		return FAIL("--user: not valid with --serve-stream (each connection runs as "
		            "its peer)");
	if (o->mode == OPTIONS_MODE_BRIDGED && !o->shared_interface)
		return FAIL("--operation-mode bridged: requires --shared-interface");
	if (o->mode != OPTIONS_MODE_BRIDGED && o->shared_interface)
		return FAIL("--shared-interface: only valid with --operation-mode bridged");
	if (n_addr && o->mode == OPTIONS_MODE_BRIDGED)
		return FAIL("--start-address, --end-address, --subnet-mask: not valid in %s mode",
		            mode);
	if (n_addr && n_addr < 3)
		return FAIL(
		    "--start-address, --end-address, --subnet-mask: give all three or none");
	if (n_addr && addr_check_dhcp_range(p->start, p->end, p->mask, &reason) < 0)
		return FAIL("--start-address, --end-address, --subnet-mask: %s", reason);
	if (o->enable_isolation && o->mode == OPTIONS_MODE_BRIDGED)
		return FAIL("--enable-isolation: not valid in %s mode", mode);
	if (o->has_nat66_prefix && o->mode != OPTIONS_MODE_SHARED)
		return FAIL("--nat66-prefix: only valid in shared mode");
#undef FAIL
	p->opts->has_dhcp_range = n_addr == 3;
	return netopts_check(&p->opts->net,
	                     &(struct netopts_context){
	                         .shared = o->mode == OPTIONS_MODE_SHARED,
	                         .host = o->mode == OPTIONS_MODE_HOST,
	                         .bridged = o->mode == OPTIONS_MODE_BRIDGED,
	                         .has_dhcp_range = n_addr == 3,
	                         .start = p->start,
	                         .end = p->end,
	                         .mask = p->mask,
	                         .has_nat66_prefix = o->has_nat66_prefix,
	                         .has_interface_id = o->has_interface_id,
	                     },
	                     error);
}
