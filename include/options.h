/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.h - vmnet-helper's command line: one option table, parsing, and
 * the rules between options.
 *
 * vmnet-client shares this module: it passes every helper option except the
 * connection options (--fd, --socket) through to the helper, uses
 * options_lookup_long()/options_lookup_short() to learn which options take
 * an argument, and can validate the options it forwards by calling
 * options_parse() with "--fd 3" added, so both programs apply the same rules.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "netopts.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The process name used in usage and error lines. */
#define OPTIONS_PROGRAM "vmnet-helper"

/* Text of the hint line that follows every option error. */
#define OPTIONS_HINT "Try '" OPTIONS_PROGRAM " --help'."

/* The XPC name of the network service by default (--network-service). */
#define OPTIONS_NETWORK_SERVICE "io.github.vmnet-helper.networks"

/* Longest error message options_parse() produces, with the NUL. */
#define OPTIONS_ERROR_MAX 256

/* Dotted quad with the NUL. */
#define OPTIONS_IPV4_STRLEN 16

enum options_mode {
	OPTIONS_MODE_SHARED,
	OPTIONS_MODE_HOST,
	OPTIONS_MODE_BRIDGED,
};

enum options_action {
	OPTIONS_RUN,                    /* create the interface and forward */
	OPTIONS_HELP,                   /* --help */
	OPTIONS_VERSION,                /* --version */
	OPTIONS_LIST_SHARED_INTERFACES, /* --list-shared-interfaces */
};

/* Option flags (struct options_spec.flags). */
enum {
	OPTIONS_F_CONNECTION = 1 << 0, /* --fd, --socket, --serve-*: chosen by the caller */
	OPTIONS_F_ACTION = 1 << 1,     /* prints something and exits */
};

/* One entry of the option table. */
struct options_spec {
	const char *name;     /* long name, without "--" */
	char short_name;      /* 0 if none */
	bool has_arg;         /* takes exactly one argument */
	unsigned flags;       /* OPTIONS_F_* */
	const char *arg_name; /* shown in --help, NULL without argument */
	const char *help;     /* one line */
};

/* Parsed and validated options. */
struct options {
	enum options_action action;
	int fd;                  /* -1 without --fd */
	const char *socket_path; /* NULL without --socket */
	bool has_interface_id;
	uint8_t interface_id[16];
	enum options_mode mode;
	const char *shared_interface; /* NULL unless bridged */
	bool has_dhcp_range;          /* start, end and mask given */
	char start_address[OPTIONS_IPV4_STRLEN];
	char end_address[OPTIONS_IPV4_STRLEN];
	char subnet_mask[OPTIONS_IPV4_STRLEN];
	bool enable_isolation;
	bool has_nat66_prefix;
	char nat66_prefix[ADDR_NAT66_STRLEN]; /* canonical, without "/64" */
	bool enable_tso;
	bool enable_checksum_offload;
	unsigned stats_interval; /* seconds, 0 = no periodic stats */
	bool verbose;
	bool allow_root;
	bool stream;                 /* --stream: frames with a length on a stream socket */
	const char *user;            /* --user NAME|UID[:GID], NULL if not given */
	const char *serve_path;      /* --serve-stream PATH, NULL if not given */
	const char *serve_group;     /* --serve-group GROUP, NULL: the default */
	const char *pidfile;         /* --pidfile FILE, NULL if not given */
	struct netopts net;          /* --mtu, --port-forward, --network-id, ... */
	const char *network_name;    /* --network, NULL without */
	const char *network_service; /* --network-service, NULL: the default */
	const char *network_config;  /* --network-config, NULL: the default */
	bool serve_networks;         /* --serve-networks */
};

int options_parse(int argc, char *const argv[], struct options *opts,
                  char error[OPTIONS_ERROR_MAX]);
const struct options_spec *options_lookup_long(const char *name, size_t len);
const struct options_spec *options_lookup_short(char c);
void options_print_table(FILE *out, unsigned skip_flags);
void options_usage(FILE *out);
const char *options_mode_name(enum options_mode mode);
bool options_describes_network(const struct options_spec *spec);

#ifdef __cplusplus
}
#endif

#endif /* OPTIONS_H */
