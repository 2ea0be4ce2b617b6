// SPDX-License-Identifier: Apache-2.0
/*
 * stats.c - forwarding counters as one JSON line (see stats.h, and
 * docs/helper.md for the schema).
 */
#include "stats.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

void
stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &s->start);
}

static uint64_t
get(const _Atomic uint64_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

/* Counters are below 2^53 in any real run, so a JSON number keeps them exact. */
static cJSON *
dir_json(const struct stats_dir *d)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "packets", (double)get(&d->packets));
	cJSON_AddNumberToObject(o, "bytes", (double)get(&d->bytes));
	cJSON_AddNumberToObject(o, "drops", (double)get(&d->drops));
	cJSON_AddNumberToObject(o, "read_calls", (double)get(&d->read_calls));
	cJSON_AddNumberToObject(o, "write_calls", (double)get(&d->write_calls));
	cJSON_AddNumberToObject(o, "retries", (double)get(&d->retries));
	return o;
}

/*
 * stats_json() - the counters as one line of JSON
 * @now_real:	wall-clock time for "time" (UTC, milliseconds)
 * @now_mono:	CLOCK_MONOTONIC time, for "uptime" in seconds
 *
 * Return: a string to free(), or NULL if out of memory
 */
char *
stats_json(const struct stats *s, const struct timespec *now_real, const struct timespec *now_mono)
{
	char time_str[32];
	struct tm tm;
	double uptime = (double)(now_mono->tv_sec - s->start.tv_sec) +
	                (double)(now_mono->tv_nsec - s->start.tv_nsec) / 1e9;
	cJSON *root = cJSON_CreateObject();
	char *out = NULL;

	if (!root)
		return NULL;
	gmtime_r(&now_real->tv_sec, &tm);
	snprintf(time_str, sizeof(time_str), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         now_real->tv_nsec / 1000000L);
	cJSON_AddStringToObject(root, "time", time_str);
	/* Milliseconds are enough, and keep the line short. */
	cJSON_AddNumberToObject(root, "uptime", (double)(int64_t)(uptime * 1000) / 1000);
	cJSON_AddItemToObject(root, "host_to_vm", dir_json(&s->host_to_vm));
	cJSON_AddItemToObject(root, "vm_to_host", dir_json(&s->vm_to_host));
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}
