/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netsvc_config.h - the network service's file of named networks.
 *
 * Format (one item a line; blank lines and lines starting with '#' are
 * ignored; spaces around '=' and at the ends of a line are ignored):
 *
 *	release-delay = 5		seconds a network stays after its last
 *					client left (0 to 3600, default 5)
 *	idle-timeout = 60		seconds the service stays with no network
 *					and no client (1 to 3600, default 60)
 *	[lab]				a named network: [A-Za-z0-9._-], 1 to 64
 *	operation-mode = host		then the helper's network options, without
 *	start-address = 10.9.0.1	"--", "name = value" or a flag's name
 *	end-address = 10.9.0.100	alone; the helper's rules apply (see
 *	subnet-mask = 255.255.255.0	options_describes_network())
 *	disable-dns-proxy
 *
 * The two settings come before the first network. "shared" and "host" are
 * built in (a network of that mode with vmnet's defaults); a section of the
 * same name replaces one. A named network is shared or host mode and
 * created with the macOS 26 network API, so --network-id and the host
 * address options are refused.
 */
#ifndef NETSVC_CONFIG_H
#define NETSVC_CONFIG_H

#include <stddef.h>

#include "options.h"

#define NETSVC_NAME_MAX          64
#define NETSVC_CONFIG_MAX_SIZE   (64 * 1024)
#define NETSVC_CONFIG_MAX_NETS   64
#define NETSVC_ERROR_MAX         (OPTIONS_ERROR_MAX + 128)
#define NETSVC_RELEASE_DELAY_DEF 5
#define NETSVC_IDLE_TIMEOUT_DEF  60

struct netsvc_network {
	char name[NETSVC_NAME_MAX + 1];
	unsigned line; /* of its [name]; 0 if built in */
	char **args;   /* "--name", "value", ...: what opts points into */
	int nargs;
	struct options opts;
};

struct netsvc_config {
	unsigned release_delay; /* seconds */
	unsigned idle_timeout;  /* seconds */
	struct netsvc_network *networks;
	size_t count;
};

/*
 * netsvc_config_parse() - parse the text of a config file
 * @text:	the file's contents, NUL-terminated
 * @cfg:	filled in; free with netsvc_config_free(), also after an error
 * @error:	"line N: ..." when -1 is returned
 *
 * Return: 0, or -1 with errno EINVAL and one error in @error
 */
int netsvc_config_parse(const char *text, struct netsvc_config *cfg, char error[NETSVC_ERROR_MAX]);

/*
 * netsvc_config_load() - read and parse @path; a file that does not exist
 * gives the built-in networks and the default settings
 *
 * Return: 0, or -1 with errno and "PATH: ..." in @error
 */
int netsvc_config_load(const char *path, struct netsvc_config *cfg, char error[NETSVC_ERROR_MAX]);

/* Return: the network called @name, or NULL. */
const struct netsvc_network *netsvc_config_find(const struct netsvc_config *cfg, const char *name);

/* Return: whether @name can name a network. */
bool netsvc_config_valid_name(const char *name);

void netsvc_config_free(struct netsvc_config *cfg);

#endif /* NETSVC_CONFIG_H */
