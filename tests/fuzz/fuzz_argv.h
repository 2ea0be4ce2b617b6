/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_argv.h - turn a fuzz input into a command line: the bytes split at
 * NUL into arguments after a fixed argv[0], as execve() would pass them.
 */
#ifndef FUZZ_ARGV_H
#define FUZZ_ARGV_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

#endif /* FUZZ_ARGV_H */
