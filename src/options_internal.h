/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options_internal.h - what options.c (the table, the value parsers, the
 * parse loop) and options_rules.c (the rules between options) share.
 */
#ifndef OPTIONS_INTERNAL_H
#define OPTIONS_INTERNAL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* State of one options_parse() call. */
struct parse {
	struct options *opts;
	struct in_addr start, end, mask;
	uint64_t seen;    /* bit i: table entry i was given */
	const char *name; /* of the option being applied */
	const char *reason;
	char reason_buf[160];
};

typedef int (*option_setter)(struct parse *p, const char *value);

struct option_entry {
	struct options_spec spec;
	option_setter set;
};

/* The option table, in the order of --help. */
extern const struct option_entry options_table[];
extern const size_t options_table_len;

const struct option_entry *options_entry_long(const char *name, size_t len);
int options_set_net(struct parse *p, const char *value);
int options_check_rules(struct parse *p, char *error);

#endif /* OPTIONS_INTERNAL_H */
