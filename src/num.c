// SPDX-License-Identifier: Apache-2.0
/*
 * num.c - strict decimal number parsing (see num.h).
 */
#include "num.h"

#include <errno.h>
#include <string.h>

/*
 * num_parse_u64() - parse a decimal number in [min, max]
 *
 * Only the digits 0-9 are accepted: no sign, no white space, no base
 * prefix, no trailing characters (strtoul() accepts all of those).
 *
 * Return: 0, or -1 with errno EINVAL (not a number) or ERANGE (out of range)
 */
int
num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	/* Not a number before too large: "99999999999999999999x" is EINVAL. */
	if (*s == '\0' || s[strspn(s, "0123456789")] != '\0') {
		errno = EINVAL;
		return -1;
	}
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10) {
			errno = ERANGE;
			return -1;
		}
		v = v * 10 + d;
	}
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}
