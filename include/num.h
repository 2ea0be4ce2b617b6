/* SPDX-License-Identifier: Apache-2.0 */
/*
 * num.h - strict decimal number parsing for options and environment.
 */
#ifndef NUM_H
#define NUM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* NUM_H */
