// SPDX-License-Identifier: Apache-2.0
/*
 * stats_report.c - log the forwarding counters (see stats_report.h).
 */
#include "stats_report.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

/* stats_report() - one "[stats]" log line with @s as JSON */
void
stats_report(const struct stats *s)
{
	struct timespec real, mono;
	char *line;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	line = stats_json(s, &real, &mono);
	if (!line) {
		log_warn("cannot format statistics");
		return;
	}
	log_set_component("stats");
	log_info("%s", line);
	log_set_component(NULL);
	free(line);
}

/* stats_report_every() - stats_report() every @seconds, on a timer on @queue */
void
stats_report_every(const struct stats *s, unsigned seconds, dispatch_queue_t queue)
{
	uint64_t interval = (uint64_t)seconds * NSEC_PER_SEC;
	dispatch_source_t timer = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, queue);

	if (!timer) {
		log_warn("cannot create the stats timer; no periodic stats");
		return;
	}
	dispatch_source_set_timer(timer, dispatch_time(DISPATCH_TIME_NOW, (int64_t)interval),
	                          interval, interval / 100);
	/* cppcheck cannot parse block literals: the rest of this file is not checked. */
	// cppcheck-suppress syntaxError
	dispatch_source_set_event_handler(timer, ^{
		stats_report(s);
	});
	dispatch_resume(timer);
	log_info("reporting stats every %u seconds", seconds);
}
