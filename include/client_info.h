/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_info.h - the helper's JSON line as seen by vmnet-client: exported
 * to the command's environment and optionally saved to a file.
 */
#ifndef CLIENT_INFO_H
#define CLIENT_INFO_H

#include <stddef.h>
#include <stdint.h>

/* Environment variable holding the whole JSON line. */
#define CLIENT_INFO_JSON_VAR "VMNET_INTERFACE_JSON"

/*
 * client_info_env_name() - environment variable name for a JSON key:
 * "VMNET_" followed by the key upper-cased, with a leading "vmnet_"
 * removed ("vmnet_mac_address" -> "VMNET_MAC_ADDRESS",
 * "net_ipv4_subnet" -> "VMNET_NET_IPV4_SUBNET").
 * @key:	JSON key; only [a-z0-9_] is accepted
 * @buf:	output
 * @size:	size of @buf
 *
 * Return: 0, or -1 with errno EINVAL (bad key) or ENAMETOOLONG.
 */
int client_info_env_name(const char *key, char *buf, size_t size);

/*
 * client_info_export() - setenv() CLIENT_INFO_JSON_VAR and one variable per
 * string, number or boolean member of the JSON object in @line. Other
 * members (objects, arrays, null) are skipped.
 *
 * Return: number of variables set besides CLIENT_INFO_JSON_VAR, or -1 with
 * errno (EINVAL when @line is not a JSON object).
 */
int client_info_export(const char *line);

/*
 * client_info_get_u64() - the non-negative integer member @key of the JSON
 * object in @line
 *
 * Return: 0 with *@value set, or -1 with errno ENOENT (missing, or not
 * such a number) or EINVAL (@line is not a JSON object).
 */
int client_info_get_u64(const char *line, const char *key, uint64_t *value);

/*
 * client_info_write_file() - write @line and a newline to @path atomically:
 * a temporary file in the same directory, renamed over @path. Mode 0644.
 *
 * Return: 0, or -1 with errno (nothing left behind).
 */
int client_info_write_file(const char *path, const char *line);

#endif /* CLIENT_INFO_H */
