/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats_report.h - the forwarding counters as a log line: on request
 * (SIGUSR1, the exit path) and every --stats-interval seconds.
 */
#ifndef STATS_REPORT_H
#define STATS_REPORT_H

#include <dispatch/dispatch.h>

#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

void stats_report(const struct stats *s);
void stats_report_every(const struct stats *s, unsigned seconds, dispatch_queue_t queue);

#ifdef __cplusplus
}
#endif

#endif /* STATS_REPORT_H */
