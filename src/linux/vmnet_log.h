/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_log.h - the Linux vmnet platform's diagnostics on stderr.
 *
 * macOS's vmnet logs to the system log; this stand-in writes the same kind
 * of line to stderr, in the log format of the programs built on it (see
 * include/log.h): "<UTC time> WARN [vmnet] <message>". It is a warning:
 * the caller learns the outcome from vmnet's status and reports that.
 */
#ifndef VMNET_LOG_H
#define VMNET_LOG_H

void vmnet_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* VMNET_LOG_H */
