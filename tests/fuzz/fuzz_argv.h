/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_argv.h - turn a fuzz input into a command line: the bytes split at
 * NUL into arguments after a fixed argv[0], as execve() would pass them;
 * and the contract both option parsers share for their result.
 */
#ifndef FUZZ_ARGV_H
#define FUZZ_ARGV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/* More arguments than any valid command line of either program needs. */
#define FUZZ_ARGV_MAX 64

struct fuzz_argv {
	char *text; /* the input, NUL-terminated; argv[1..] point into it */
	int argc;
	char *argv[FUZZ_ARGV_MAX + 2];
};

/* Return: 0, or -1 when out of memory. Release with fuzz_argv_free(). */
static inline int
fuzz_argv_init(struct fuzz_argv *a, const char *argv0, const uint8_t *data, size_t size)
{
	a->text = malloc(size + 1);
	if (!a->text)
		return -1;
	memcpy(a->text, data, size);
	a->text[size] = '\0';
	a->argc = 0;
	a->argv[a->argc++] = (char *)(uintptr_t)argv0;
	for (size_t i = 0; i < size && a->argc <= FUZZ_ARGV_MAX; i++) {
		a->argv[a->argc++] = &a->text[i];
		i += strlen(&a->text[i]);
	}
	a->argv[a->argc] = NULL;
	return 0;
}

static inline void
fuzz_argv_free(struct fuzz_argv *a)
{
	free(a->text);
}

/*
 * Abort unless @rc and @error, which the caller filled with non-NUL bytes
 * before parsing, keep the contract: 0 with an empty message, or -1 with a
 * message terminated within its buffer. Return: whether parsing succeeded.
 */
static inline bool
fuzz_parse_ok(int rc, const char error[OPTIONS_ERROR_MAX])
{
	if (memchr(error, '\0', OPTIONS_ERROR_MAX) == NULL || (rc != 0 && rc != -1) ||
	    (rc == 0) != (error[0] == '\0'))
		abort();
	return rc == 0;
}

#endif /* FUZZ_ARGV_H */
