/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve.h - vmnet-helper --serve-stream PATH: a daemon speaking
 * socket_vmnet's protocol with one vmnet interface per connection.
 */
#ifndef SERVE_H
#define SERVE_H

#include "options.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The group that may connect unless --serve-group says otherwise. */
#define SERVE_DEFAULT_GROUP "staff"

/* Descriptor the connection has in the child's helper. */
#define SERVE_CHILD_FD 3

int serve_child_argv(int argc, char *const argv[], char *self, char **out, size_t max);
_Noreturn void serve_main(const struct options *opts, int argc, char *argv[]);

#ifdef __cplusplus
}
#endif

#endif /* SERVE_H */
