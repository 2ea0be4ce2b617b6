// SPDX-License-Identifier: Apache-2.0
/*
 * netsvc_config.c - parse the network service's file of named networks
 * (format in netsvc_config.h).
 *
 * A network's lines are turned into the helper's own command line
 * ("--name value ...") and checked by options_parse(), so a network in the
 * file obeys exactly the rules of the command line. An error that
 * options_parse() reports names the option; it is reported at the line
 * that gave that option (the last one, for an option given twice), or at
 * the network's [name] line for a rule between options it cannot place.
 */
#include "netsvc_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netopts.h"
#include "num.h"

#define LINE_MAX_LEN 1024

/* A network being read: its options, and the line of each. */
struct section {
	struct netsvc_network *net;
	unsigned *lines; /* lines[i]: line of args[i] */
};

static int fail(char *error, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Return: -1 with errno EINVAL and "line N: ..." in @error. */
static int
fail(char *error, unsigned line, const char *fmt, ...)
{
	char msg[NETSVC_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(error, NETSVC_ERROR_MAX, "line %u: %s", line, msg);
	errno = EINVAL;
	return -1;
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n != 0) {
		fputs("vmnet-helper: out of memory\n", stderr);
		abort();
	}
	return q;
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

bool
netsvc_config_valid_name(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > NETSVC_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

const struct netsvc_network *
netsvc_config_find(const struct netsvc_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->count; i++) {
		if (strcmp(cfg->networks[i].name, name) == 0)
			return &cfg->networks[i];
	}
	return NULL;
}

static void
network_free(struct netsvc_network *n)
{
	int i;

	for (i = 0; i < n->nargs; i++)
		free(n->args[i]);
	free(n->args);
}

void
netsvc_config_free(struct netsvc_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->count; i++)
		network_free(&cfg->networks[i]);
	free(cfg->networks);
	cfg->networks = NULL;
	cfg->count = 0;
}

/* Append @arg, given at @line, to the network being read. */
static void
section_add(struct section *s, const char *arg, unsigned line)
{
	struct netsvc_network *n = s->net;

	n->args = xrealloc(n->args, (size_t)(n->nargs + 1) * sizeof(*n->args));
	s->lines = xrealloc(s->lines, (size_t)(n->nargs + 1) * sizeof(*s->lines));
	n->args[n->nargs] = xstrdup(arg);
	s->lines[n->nargs] = line;
	n->nargs++;
}

/* Return: the line that gave the option an options_parse() error starts with. */
static unsigned
error_line(const struct section *s, const char *msg)
{
	const struct netsvc_network *n = s->net;
	size_t len;
	int i;

	if (strncmp(msg, "--", 2) != 0)
		return n->line;
	msg += 2;
	len = strcspn(msg, ":, =");
	for (i = n->nargs - 1; i >= 0; i--) {
		const char *a = n->args[i];

		if (a[0] == '-' && a[1] == '-' && strlen(a + 2) == len &&
		    strncmp(a + 2, msg, len) == 0)
			return s->lines[i];
	}
	return n->line;
}

/* Return: whether the DHCP range of @o is a whole subnet (netopts_whole_subnet()). */
static bool
range_is_subnet(const struct options *o)
{
	struct in_addr start, end, mask;

	return inet_pton(AF_INET, o->start_address, &start) == 1 &&
	       inet_pton(AF_INET, o->end_address, &end) == 1 &&
	       inet_pton(AF_INET, o->subnet_mask, &mask) == 1 &&
	       netopts_whole_subnet(start, end, mask);
}

/* Check the finished network of @s with the helper's rules. */
static int
section_check(struct section *s, char *error)
{
	struct netsvc_network *n = s->net;
	char msg[OPTIONS_ERROR_MAX];
	char **argv;
	int i, rc;

	/* The rules of a run need a connection: give one that is never used. */
	argv = xrealloc(NULL, (size_t)(n->nargs + 3) * sizeof(*argv));
	argv[0] = (char *)"vmnet-helper";
	argv[1] = (char *)"--fd";
	argv[2] = (char *)"3";
	for (i = 0; i < n->nargs; i++)
		argv[i + 3] = n->args[i];
	rc = options_parse(n->nargs + 3, argv, &n->opts, msg);
	free(argv);
	if (rc < 0)
		return fail(error, error_line(s, msg), "[%s] %s", n->name, msg);
	if (n->opts.mode == OPTIONS_MODE_BRIDGED)
		return fail(error, error_line(s, "--operation-mode"),
		            "[%s] --operation-mode bridged: a named network is shared or host",
		            n->name);
	if (n->opts.has_dhcp_range && !range_is_subnet(&n->opts))
		return fail(error, error_line(s, "--start-address"),
		            "[%s] --start-address, --end-address: a named network is a macOS 26 "
		            "network, which takes a whole subnet: the start address must be its "
		            "first host address and the end address its last",
		            n->name);
	if (n->opts.net.has_network_id)
		return fail(error, error_line(s, "--network-id"),
		            "[%s] --network-id: a named network is a macOS 26 network; give host "
		            "mode its own subnet instead",
		            n->name);
	return 0;
}

/* Read "key = value" or "key" of a network at @line. */
static int
section_option(struct section *s, char *key, char *value, unsigned line, char *error)
{
	const struct options_spec *spec = options_lookup_long(key, strlen(key));
	char opt[LINE_MAX_LEN + 3];

	if (spec == NULL || !options_describes_network(spec))
		return fail(error, line, "[%s] '%s': not a network option", s->net->name, key);
	if (spec->has_arg && value == NULL)
		return fail(error, line, "[%s] %s: needs a value (%s = %s)", s->net->name, key, key,
		            spec->arg_name);
	if (!spec->has_arg && value != NULL)
		return fail(error, line, "[%s] %s: takes no value", s->net->name, key);
	snprintf(opt, sizeof(opt), "--%s", key);
	section_add(s, opt, line);
	if (value)
		section_add(s, value, line);
	return 0;
}

/* Read a setting before the first network. */
static int
setting(struct netsvc_config *cfg, const char *key, const char *value, unsigned line, char *error)
{
	uint64_t v;

	if (strcmp(key, "release-delay") != 0 && strcmp(key, "idle-timeout") != 0)
		return fail(error, line,
		            "'%s': unknown setting (release-delay, idle-timeout, or a "
		            "[name] first)",
		            key);
	if (value == NULL)
		return fail(error, line, "%s: needs a value in seconds", key);
	if (key[0] == 'r') {
		if (num_parse_u64(value, 0, 3600, &v) < 0)
			return fail(error, line, "release-delay: '%s': expected 0 to 3600 seconds",
			            value);
		cfg->release_delay = (unsigned)v;
	} else {
		if (num_parse_u64(value, 1, 3600, &v) < 0)
			return fail(error, line, "idle-timeout: '%s': expected 1 to 3600 seconds",
			            value);
		cfg->idle_timeout = (unsigned)v;
	}
	return 0;
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Start network [@name] at @line. */
static int
section_start(struct netsvc_config *cfg, struct section *s, const char *name, unsigned line,
              char *error)
{
	const struct netsvc_network *old = netsvc_config_find(cfg, name);

	if (!netsvc_config_valid_name(name))
		return fail(error, line, "[%s]: a network name is 1 to %d of A-Z a-z 0-9 . _ -",
		            name, NETSVC_NAME_MAX);
	if (old != NULL)
		return fail(error, line, "[%s]: already defined at line %u", name, old->line);
	if (cfg->count == NETSVC_CONFIG_MAX_NETS)
		return fail(error, line, "[%s]: more than %d networks", name,
		            NETSVC_CONFIG_MAX_NETS);
	cfg->networks = xrealloc(cfg->networks, (cfg->count + 1) * sizeof(*cfg->networks));
	s->net = &cfg->networks[cfg->count++];
	memset(s->net, 0, sizeof(*s->net));
	snprintf(s->net->name, sizeof(s->net->name), "%s", name);
	s->net->line = line;
	free(s->lines);
	s->lines = NULL;
	return 0;
}

/* One line of the file. */
static int
parse_line(struct netsvc_config *cfg, struct section *s, char *raw, unsigned line, char *error)
{
	char *text = trim(raw), *eq, *key, *value = NULL;
	size_t len = strlen(text);

	if (len == 0 || text[0] == '#')
		return 0;
	if (text[0] == '[') {
		if (text[len - 1] != ']')
			return fail(error, line, "'%s': expected [name]", text);
		text[len - 1] = '\0';
		if (s->net && section_check(s, error) < 0)
			return -1;
		return section_start(cfg, s, trim(text + 1), line, error);
	}
	eq = strchr(text, '=');
	if (eq) {
		*eq = '\0';
		value = trim(eq + 1);
	}
	key = trim(text);
	if (*key == '\0')
		return fail(error, line, "'=%s': expected a name before '='", value);
	if (value && *value == '\0')
		return fail(error, line, "%s: empty value", key);
	if (s->net == NULL)
		return setting(cfg, key, value, line, error);
	return section_option(s, key, value, line, error);
}

/* Add the built-in @name unless the file defined it. */
static void
add_builtin(struct netsvc_config *cfg, const char *name)
{
	struct section s = {0};
	char error[NETSVC_ERROR_MAX];

	if (netsvc_config_find(cfg, name))
		return;
	(void)section_start(cfg, &s, name, 0, error);
	section_add(&s, "--operation-mode", 0);
	section_add(&s, name, 0);
	(void)section_check(&s, error);
	free(s.lines);
}

int
netsvc_config_parse(const char *text, struct netsvc_config *cfg, char error[NETSVC_ERROR_MAX])
{
	struct section s = {0};
	char buf[LINE_MAX_LEN + 1];
	const char *p = text, *nl;
	unsigned line = 0;
	size_t len;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->release_delay = NETSVC_RELEASE_DELAY_DEF;
	cfg->idle_timeout = NETSVC_IDLE_TIMEOUT_DEF;
	error[0] = '\0';
	while (rc == 0 && *p) {
		line++;
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > LINE_MAX_LEN) {
			rc = fail(error, line, "longer than %d bytes", LINE_MAX_LEN);
			break;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		rc = parse_line(cfg, &s, buf, line, error);
		p = nl ? nl + 1 : p + len;
	}
	if (rc == 0 && s.net)
		rc = section_check(&s, error);
	free(s.lines);
	if (rc == 0) {
		add_builtin(cfg, "shared");
		add_builtin(cfg, "host");
	}
	return rc;
}

int
netsvc_config_load(const char *path, struct netsvc_config *cfg, char error[NETSVC_ERROR_MAX])
{
	char msg[NETSVC_ERROR_MAX];
	char *text;
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return netsvc_config_parse("", cfg, error);
	if (fd < 0) {
		snprintf(error, NETSVC_ERROR_MAX, "%s: %s", path, strerror(errno));
		memset(cfg, 0, sizeof(*cfg));
		return -1;
	}
	text = xrealloc(NULL, NETSVC_CONFIG_MAX_SIZE + 1);
	while ((n = read(fd, text + len, NETSVC_CONFIG_MAX_SIZE + 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	memset(cfg, 0, sizeof(*cfg));
	if (n < 0) {
		snprintf(error, NETSVC_ERROR_MAX, "%s: %s", path, strerror(errno));
		free(text);
		return -1;
	}
	if (len > NETSVC_CONFIG_MAX_SIZE) {
		snprintf(error, NETSVC_ERROR_MAX, "%s: larger than %d bytes", path,
		         NETSVC_CONFIG_MAX_SIZE);
		free(text);
		errno = EFBIG;
		return -1;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		snprintf(error, NETSVC_ERROR_MAX, "%s: contains a NUL byte", path);
		free(text);
		errno = EINVAL;
		return -1;
	}
	rc = netsvc_config_parse(text, cfg, msg);
	free(text);
	if (rc < 0)
		snprintf(error, NETSVC_ERROR_MAX, "%s: %s", path, msg);
	return rc;
}
