/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h - one log line per event on stderr, shared by vmnet-helper and
 * vmnet-client.
 *
 * Line format: "<UTC time> <LEVEL> [<component>] <message>", e.g.
 *	2026-11-21T12:00:00.123Z INFO [main] started vmnet interface
 * Each line is written with a single write(2), so lines from different
 * threads never interleave; control characters in a message (a newline in
 * a path given by the user) are replaced by '?', so an event stays one line. Debug lines are shown
 *only after log_set_verbose(true). The component names the thread of control (main, host->vm,
 *vm->host, stats); it is per thread, set once where the thread or queue block starts, and defaults
 *to the program-wide component given to log_init().
 *
 * Every function preserves errno, so a caller can log and then return -1
 * with errno intact. The *_errno variants append ": <strerror(errno)>".
 * log_fatal*() log at error level and exit(1): use them only where nothing
 * needs cleaning up (before resources are acquired).
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

#define LOG_PRINTF(fmt_idx) __attribute__((format(printf, fmt_idx, fmt_idx + 1)))

void log_init(const char *component);
void log_set_component(const char *component);
void log_set_verbose(bool verbose);
bool log_verbose(void);

void log_write(enum log_level level, bool with_errno, const char *fmt, ...) LOG_PRINTF(3);

#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_verbose())                                                                 \
			log_write(LOG_LEVEL_DEBUG, false, __VA_ARGS__);                            \
	} while (0)
#define log_info(...)        log_write(LOG_LEVEL_INFO, false, __VA_ARGS__)
#define log_warn(...)        log_write(LOG_LEVEL_WARN, false, __VA_ARGS__)
#define log_warn_errno(...)  log_write(LOG_LEVEL_WARN, true, __VA_ARGS__)
#define log_error(...)       log_write(LOG_LEVEL_ERROR, false, __VA_ARGS__)
#define log_error_errno(...) log_write(LOG_LEVEL_ERROR, true, __VA_ARGS__)

_Noreturn void log_fatal(const char *fmt, ...) LOG_PRINTF(1);
_Noreturn void log_fatal_errno(const char *fmt, ...) LOG_PRINTF(1);

#ifdef __cplusplus
}
#endif

#endif /* LOG_H */
