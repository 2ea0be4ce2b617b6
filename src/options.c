// SPDX-License-Identifier: Apache-2.0
/*
 * options.c - table-driven parsing of vmnet-helper's options (see options.h);
 * the rules between them, once all are parsed, are options_rules.c's.
 *
 * Own parser instead of getopt_long(): it has no global state, so tests and
 * vmnet-client can call it many times, and it reports errors as a message
 * instead of printing them. Accepted forms: "--name value", "--name=value",
 * "-x value", "-xvalue", and bundled short flags ("-vh"). Long names must
 * be spelled out (no abbreviations), every option may appear once, and
 * there are no positional arguments.
 */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/un.h>

#include "num.h"
#include "options_internal.h"

static int reasonf(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set a formatted reason. Return: -1, for "return reasonf(...)". */
static int
reasonf(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->reason_buf, sizeof(p->reason_buf), fmt, ap);
	va_end(ap);
	p->reason = p->reason_buf;
	return -1;
}

static int
set_fd(struct parse *p, const char *value)
{
	uint64_t fd;

	if (num_parse_u64(value, 0, INT32_MAX, &fd) < 0) {
		p->reason = errno == ERANGE ? "out of range" : "not a decimal number";
		return -1;
	}
	if (fd <= 2) {
		p->reason = "0, 1 and 2 are standard input, output and error";
		return -1;
	}
	p->opts->fd = (int)fd;
	return 0;
}

/* A path a unix socket can be bound to. Return: 0 or -1. */
static int
check_socket_path(struct parse *p, const char *value)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (*value == '\0') {
		p->reason = "empty path";
		return -1;
	}
	if (strlen(value) > max)
		return reasonf(p, "path longer than %zu bytes", max);
	return 0;
}

static int
set_socket(struct parse *p, const char *value)
{
	p->opts->socket_path = value;
	return check_socket_path(p, value);
}

static int
set_serve_stream(struct parse *p, const char *value)
{
	p->opts->serve_path = value;
	return check_socket_path(p, value);
}

static int
set_serve_group(struct parse *p, const char *value)
{
	if (*value == '\0') {
		p->reason = "empty group";
		return -1;
	}
	p->opts->serve_group = value;
	return 0;
}

static int
set_interface_id(struct parse *p, const char *value)
{
	p->opts->has_interface_id = true;
	return addr_parse_uuid(value, p->opts->interface_id, &p->reason);
}

static int
set_operation_mode(struct parse *p, const char *value)
{
	static const enum options_mode modes[] = {OPTIONS_MODE_SHARED, OPTIONS_MODE_HOST,
	                                          OPTIONS_MODE_BRIDGED};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(value, options_mode_name(modes[i])) == 0) {
			p->opts->mode = modes[i];
			return 0;
		}
	}
	p->reason = "expected shared, host or bridged";
	return -1;
}

static int
set_shared_interface(struct parse *p, const char *value)
{
	if (*value == '\0') {
		p->reason = "empty interface name";
		return -1;
	}
	p->opts->shared_interface = value;
	return 0;
}

static int
set_ipv4(struct parse *p, const char *value, struct in_addr *addr, char *out)
{
	if (addr_parse_ipv4(value, addr, &p->reason) < 0)
		return -1;
	/* value is a valid dotted quad, so it fits and is already canonical. */
	snprintf(out, OPTIONS_IPV4_STRLEN, "%s", value);
	return 0;
}

static int
set_start_address(struct parse *p, const char *value)
{
	return set_ipv4(p, value, &p->start, p->opts->start_address);
}

static int
set_end_address(struct parse *p, const char *value)
{
	return set_ipv4(p, value, &p->end, p->opts->end_address);
}

static int
set_subnet_mask(struct parse *p, const char *value)
{
	return set_ipv4(p, value, &p->mask, p->opts->subnet_mask);
}

static int
set_nat66_prefix(struct parse *p, const char *value)
{
	p->opts->has_nat66_prefix = true;
	return addr_parse_nat66_prefix(value, p->opts->nat66_prefix, &p->reason);
}

static int
set_stats_interval(struct parse *p, const char *value)
{
	uint64_t seconds;

	if (num_parse_u64(value, 0, INT32_MAX, &seconds) < 0) {
		if (errno != ERANGE)
			p->reason = "not a decimal number";
		else
			reasonf(p, "must be at most %d seconds", INT32_MAX);
		return -1;
	}
	if (seconds == 0) {
		p->reason = "must be at least 1 second";
		return -1;
	}
	p->opts->stats_interval = (unsigned)seconds;
	return 0;
}

/* Flags: the table entry marks them seen; these record their meaning. */
static int
set_isolation(struct parse *p, const char *value)
{
	(void)value;
	p->opts->enable_isolation = true;
	return 0;
}

static int
set_tso(struct parse *p, const char *value)
{
	(void)value;
	p->opts->enable_tso = true;
	return 0;
}

static int
set_checksum_offload(struct parse *p, const char *value)
{
	(void)value;
	p->opts->enable_checksum_offload = true;
	return 0;
}

static int
set_verbose(struct parse *p, const char *value)
{
	(void)value;
	p->opts->verbose = true;
	return 0;
}

static int
set_allow_root(struct parse *p, const char *value)
{
	(void)value;
	p->opts->allow_root = true;
	return 0;
}

static int
set_stream(struct parse *p, const char *value)
{
	(void)value;
	p->opts->stream = true;
	return 0;
}

static int
set_user(struct parse *p, const char *value)
{
	if (*value == '\0') {
		p->reason = "empty account";
		return -1;
	}
	p->opts->user = value;
	return 0;
}

static int
set_list(struct parse *p, const char *value)
{
	(void)value;
	p->opts->action = OPTIONS_LIST_SHARED_INTERFACES;
	return 0;
}

static int
set_version(struct parse *p, const char *value)
{
	(void)value;
	p->opts->action = OPTIONS_VERSION;
	return 0;
}

/* The network options: netopts.c parses them. */
int
options_set_net(struct parse *p, const char *value)
{
	return netopts_set(&p->opts->net, p->name, value, &p->reason);
}

/* A non-empty string: the service options (netsvc.c, netclient.c), --pidfile. */
static int
set_service_string(struct parse *p, const char *value, const char **out, const char *what)
{
	if (*value == '\0')
		return reasonf(p, "empty %s", what);
	*out = value;
	return 0;
}

static int
set_pidfile(struct parse *p, const char *value)
{
	return set_service_string(p, value, &p->opts->pidfile, "path");
}

static int
set_network(struct parse *p, const char *value)
{
	return set_service_string(p, value, &p->opts->network_name, "network name");
}

static int
set_network_service(struct parse *p, const char *value)
{
	return set_service_string(p, value, &p->opts->network_service, "service name");
}

static int
set_network_config(struct parse *p, const char *value)
{
	return set_service_string(p, value, &p->opts->network_config, "path");
}

static int
set_serve_networks(struct parse *p, const char *value)
{
	(void)value;
	p->opts->serve_networks = true;
	return 0;
}

static int
set_help(struct parse *p, const char *value)
{
	(void)value;
	p->opts->action = OPTIONS_HELP;
	return 0;
}

/* The option table: the order is the order of --help. */
const struct option_entry options_table[] = {
    {{"fd", 'f', true, OPTIONS_F_CONNECTION, "FD",
      "forward to this connected unix datagram socket"},
     set_fd},
    {{"socket", 's', true, OPTIONS_F_CONNECTION, "PATH",
      "bind a unix datagram socket at PATH and serve the first sender"},
     set_socket},
    {{"serve-stream", 0, true, OPTIONS_F_CONNECTION, "PATH",
      "daemon: listen on PATH, one interface per connection (socket_vmnet's protocol)"},
     set_serve_stream},
    {{"serve-group", 0, true, OPTIONS_F_CONNECTION, "GROUP",
      "--serve-stream: members of GROUP may connect (default staff)"},
     set_serve_group},
    {{"pidfile", 0, true, OPTIONS_F_CONNECTION, "FILE",
      "--serve-stream: the daemon's pid in FILE while it runs (pkill -F FILE stops it)"},
     set_pidfile},
    {{"stream", 0, false, 0, NULL,
      "a unix stream socket, each frame after a 4-byte length (QEMU -netdev stream)"},
     set_stream},
    {{"interface-id", 'i', true, 0, "UUID", "interface identifier (same UUID, same MAC address)"},
     set_interface_id},
    {{"operation-mode", 0, true, 0, "MODE", "shared (default), host or bridged"},
     set_operation_mode},
    {{"shared-interface", 0, true, 0, "NAME", "physical interface to bridge (bridged mode)"},
     set_shared_interface},
    {{"start-address", 0, true, 0, "ADDR", "gateway and first DHCP address (shared, host)"},
     set_start_address},
    {{"end-address", 0, true, 0, "ADDR", "last DHCP address (shared, host)"}, set_end_address},
    {{"subnet-mask", 0, true, 0, "MASK", "subnet mask of the DHCP range (shared, host)"},
     set_subnet_mask},
    {{"enable-isolation", 0, false, 0, NULL, "isolate this VM from other VMs (shared, host)"},
     set_isolation},
    {{"nat66-prefix", 0, true, 0, "PREFIX", "IPv6 ULA /64 prefix, fdxx:xxxx:xxxx:xxxx:: (shared)"},
     set_nat66_prefix},
    {{"enable-tso", 0, false, 0, NULL, "enable TCP segmentation offload (64 KiB frames)"}, set_tso},
    {{"enable-checksum-offload", 0, false, 0, NULL, "enable checksum offload"},
     set_checksum_offload},
    {{"mtu", 0, true, 0, "N", "network MTU, 576 to 9000 (shared, host)"}, options_set_net},
    {{"ipv6-prefix", 0, true, 0, "PREFIX", "IPv6 ULA prefix/length of the network (macOS 26)"},
     options_set_net},
    {{"disable-dhcp", 0, false, 0, NULL, "no DHCP server on the network (macOS 26)"},
     options_set_net},
    {{"disable-dns-proxy", 0, false, 0, NULL, "no DNS proxy on the network (macOS 26)"},
     options_set_net},
    {{"disable-nat44", 0, false, 0, NULL, "no IPv4 NAT to the outside (shared, macOS 26)"},
     options_set_net},
    {{"disable-nat66", 0, false, 0, NULL, "no IPv6 NAT to the outside (shared, macOS 26)"},
     options_set_net},
    {{"disable-router-advertisement", 0, false, 0, NULL,
      "no IPv6 router advertisements (macOS 26)"},
     options_set_net},
    {{"external-interface", 0, true, 0, "NAME", "uplink of the shared network (macOS 26)"},
     options_set_net},
    {{"dhcp-reservation", 0, true, 0, "RESERVATION", "MAC=IPV4 fixed lease, repeatable (macOS 26)"},
     options_set_net},
    {{"port-forward", 0, true, 0, "RULE",
      "PROTO:[HOSTADDR:]HOSTPORT:GUESTADDR:GUESTPORT, repeatable (shared)"},
     options_set_net},
    {{"network-id", 0, true, 0, "UUID", "isolated host network without DHCP, shared by id"},
     options_set_net},
    {{"host-ip-address", 0, true, 0, "ADDR", "host's IPv4 address on the --network-id network"},
     options_set_net},
    {{"host-subnet-mask", 0, true, 0, "MASK", "its subnet mask (with --host-ip-address)"},
     options_set_net},
    {{"host-ipv6-address", 0, true, 0, "ADDR", "host's IPv6 address on the --network-id network"},
     options_set_net},
    {{"network", 0, true, 0, "NAME", "join the named network of a network service (macOS 26)"},
     set_network},
    {{"network-service", 0, true, 0, "SERVICE",
      "the network service's XPC name (default " OPTIONS_NETWORK_SERVICE ")"},
     set_network_service},
    {{"network-config", 0, true, 0, "PATH", "the network service's file of named networks"},
     set_network_config},
    {{"serve-networks", 0, false, 0, NULL, "run the network service that --network talks to"},
     set_serve_networks},
    {{"stats-interval", 0, true, 0, "SECONDS", "log forwarding statistics every SECONDS"},
     set_stats_interval},
    {{"user", 0, true, 0, "USER",
      "called as root (no sudo): forward as NAME|UID[:GID] (default nobody)"},
     set_user},
    {{"allow-root", 0, false, 0, NULL, "called as root: keep root (or allow --user root)"},
     set_allow_root},
    {{"verbose", 'v', false, 0, NULL, "log debug messages"}, set_verbose},
    {{"list-shared-interfaces", 0, false, OPTIONS_F_ACTION, NULL,
      "print the interfaces usable in bridged mode, one a line"},
     set_list},
    {{"version", 0, false, OPTIONS_F_ACTION, NULL, "print version and commit"}, set_version},
    {{"help", 'h', false, OPTIONS_F_ACTION, NULL, "print this help"}, set_help},
};

const size_t options_table_len = ARRAY_SIZE(options_table);

_Static_assert(ARRAY_SIZE(options_table) <= 64, "parse.seen has one bit per option");

/* options_entry_long() - the table entry of long option @name (@len bytes), or NULL */
const struct option_entry *
options_entry_long(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(options_table); i++) {
		if (strlen(options_table[i].spec.name) == len &&
		    memcmp(options_table[i].spec.name, name, len) == 0)
			return &options_table[i];
	}
	return NULL;
}

static const struct option_entry *
entry_short(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(options_table); i++) {
		if (c != 0 && options_table[i].spec.short_name == c)
			return &options_table[i];
	}
	return NULL;
}

/*
 * options_lookup_long() - find a long option by name
 * @name:	name without the leading "--"; may continue with "=value"
 * @len:	length of the name (up to, not including, any '=')
 *
 * Return: the option, or NULL if the helper has no such option
 */
const struct options_spec *
options_lookup_long(const char *name, size_t len)
{
	const struct option_entry *e = options_entry_long(name, len);

	return e ? &e->spec : NULL;
}

/* Return: the option with short name @c, or NULL */
const struct options_spec *
options_lookup_short(char c)
{
	const struct option_entry *e = entry_short(c);

	return e ? &e->spec : NULL;
}

const char *
options_mode_name(enum options_mode mode)
{
	switch (mode) {
	case OPTIONS_MODE_SHARED:
		return "shared";
	case OPTIONS_MODE_HOST:
		return "host";
	case OPTIONS_MODE_BRIDGED:
		return "bridged";
	}
	return "unknown";
}

/* Apply one option. Return: 0, or -1 with the error in @error. */
static int
apply(struct parse *p, const struct option_entry *e, const char *value, char *error)
{
	uint64_t bit = UINT64_C(1) << (e - options_table);

	if ((p->seen & bit) && !netopts_is_repeatable(e->spec.name)) {
		snprintf(error, OPTIONS_ERROR_MAX, "--%s: given more than once", e->spec.name);
		return -1;
	}
	p->seen |= bit;
	p->name = e->spec.name;
	if (e->set(p, value) < 0) {
		snprintf(error, OPTIONS_ERROR_MAX, "--%s: invalid value '%s': %s", e->spec.name,
		         value, p->reason);
		return -1;
	}
	return 0;
}

/* Parse argv[*i], a "--name[=value]" option. Return: 0 or -1. */
static int
parse_long(struct parse *p, int argc, char *const argv[], int *i, char *error)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct option_entry *e = options_entry_long(name, len);
	const char *value = NULL;

	if (!e) {
		snprintf(error, OPTIONS_ERROR_MAX, "--%.*s: unknown option", (int)len, name);
		return -1;
	}
	if (e->spec.has_arg) {
		if (eq) {
			value = eq + 1;
		} else if (*i + 1 < argc) {
			value = argv[++*i];
		} else {
			snprintf(error, OPTIONS_ERROR_MAX, "--%s: requires an argument (%s)",
			         e->spec.name, e->spec.arg_name);
			return -1;
		}
	} else if (eq) {
		snprintf(error, OPTIONS_ERROR_MAX, "--%s: takes no argument", e->spec.name);
		return -1;
	}
	return apply(p, e, value, error);
}

/* Parse argv[*i], one or more bundled short options. Return: 0 or -1. */
static int
parse_short(struct parse *p, int argc, char *const argv[], int *i, char *error)
{
	for (const char *c = argv[*i] + 1; *c; c++) {
		const struct option_entry *e = entry_short(*c);
		const char *value = NULL;

		if (!e) {
			snprintf(error, OPTIONS_ERROR_MAX, "-%c: unknown option", *c);
			return -1;
		}
		if (e->spec.has_arg) {
			if (c[1] != '\0') {
				value = c + 1;
			} else if (*i + 1 < argc) {
				value = argv[++*i];
			} else {
				snprintf(error, OPTIONS_ERROR_MAX,
				         "--%s: requires an argument (%s)", e->spec.name,
				         e->spec.arg_name);
				return -1;
			}
		}
		if (apply(p, e, value, error) < 0)
			return -1;
		if (value || p->opts->action != OPTIONS_RUN)
			break;
	}
	return 0;
}

/*
 * options_parse() - parse and validate the helper's command line
 * @argc, @argv:	as given to main(); argv[0] is skipped
 * @opts:		filled in; only valid when 0 is returned
 * @error:		the reason when -1 is returned, naming the option
 *
 * Stops at the first --help, --version or --list-shared-interfaces and
 * returns with opts->action set; the other rules apply only to a run.
 *
 * Return: 0, or -1 with a one-line message in @error
 */
int
options_parse(int argc, char *const argv[], struct options *opts, char error[OPTIONS_ERROR_MAX])
{
	struct parse p = {.opts = opts};

	memset(opts, 0, sizeof(*opts));
	opts->fd = -1;
	opts->mode = OPTIONS_MODE_SHARED;
	error[0] = '\0';

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int rc;

		if (arg[0] == '-' && arg[1] == '-' && arg[2] != '\0') {
			rc = parse_long(&p, argc, argv, &i, error);
		} else if (arg[0] == '-' && arg[1] != '\0' && arg[1] != '-') {
			rc = parse_short(&p, argc, argv, &i, error);
		} else {
			snprintf(error, OPTIONS_ERROR_MAX, "'%s': unexpected argument", arg);
			rc = -1;
		}
		if (rc < 0)
			return -1;
		if (opts->action != OPTIONS_RUN)
			return 0;
	}
	return options_check_rules(&p, error);
}

/* options_print_table() - print one line per option, except @skip_flags ones */
void
options_print_table(FILE *out, unsigned skip_flags)
{
	for (size_t i = 0; i < ARRAY_SIZE(options_table); i++) {
		const struct options_spec *s = &options_table[i].spec;
		char left[48];

		if (s->flags & skip_flags)
			continue;
		snprintf(left, sizeof(left), "%c%c%s--%s%s%s", s->short_name ? '-' : ' ',
		         s->short_name ? s->short_name : ' ', s->short_name ? ", " : "  ", s->name,
		         s->arg_name ? " " : "", s->arg_name ? s->arg_name : "");
		/* At least two spaces before the help, as tools parsing it expect. */
		fprintf(out, "  %-*s %s\n", strlen(left) < 34 ? 34 : (int)strlen(left) + 1, left,
		        s->help);
	}
}

/* options_usage() - the full --help text */
void
options_usage(FILE *out)
{
	fprintf(out, "Usage: " OPTIONS_PROGRAM " (--fd FD | --socket PATH) [options]\n"
	             "       " OPTIONS_PROGRAM " --serve-stream PATH [options]\n"
	             "       " OPTIONS_PROGRAM " (--fd FD | --socket PATH) --network NAME "
	             "[--network-service SERVICE] [options]\n"
	             "       " OPTIONS_PROGRAM " --serve-networks [--network-config PATH] "
	             "[--network-service SERVICE] [-v]\n"
	             "       " OPTIONS_PROGRAM " --list-shared-interfaces | --version | --help\n"
	             "       socket_vmnet [socket_vmnet options] SOCKET\n"
	             "\n"
	             "Create one vmnet interface, print its parameters as one JSON line on\n"
	             "stdout, drop root, and forward Ethernet frames between the interface\n"
	             "and a unix datagram socket, one frame per datagram (or a stream socket,\n"
	             "each frame after a 4-byte length: --stream).\n"
	             "\n"
	             "Options:\n");
	options_print_table(out, 0);
}
