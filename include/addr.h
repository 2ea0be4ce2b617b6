/* SPDX-License-Identifier: Apache-2.0 */
/*
 * addr.h - address and identifier rules for vmnet-helper's options.
 *
 * Pure functions, no logging: each returns 0, or -1 and points *reason at
 * a static, human-readable explanation for the caller's error line.
 */
#ifndef ADDR_H
#define ADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ADDR_UUID_LEN     36 /* canonical form, without the NUL */
#define ADDR_NAT66_STRLEN 46 /* INET6_ADDRSTRLEN on both systems */

int addr_parse_ipv4(const char *s, struct in_addr *out, const char **reason);
int addr_check_dhcp_range(struct in_addr start, struct in_addr end, struct in_addr mask,
                          const char **reason);
int addr_parse_nat66_prefix(const char *s, char out[ADDR_NAT66_STRLEN], const char **reason);
int addr_parse_uuid(const char *s, uint8_t out[16], const char **reason);
void addr_format_uuid(const uint8_t uuid[16], char out[ADDR_UUID_LEN + 1]);

#ifdef __cplusplus
}
#endif

#endif /* ADDR_H */
