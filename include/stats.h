/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.h - forwarding counters, one set per direction.
 *
 * Each direction's counters are written by that direction's thread only
 * and read by the stats reporter, so relaxed atomics are enough: no lock,
 * no read-modify-write, and the data path adds once per batch.
 */
#ifndef STATS_H
#define STATS_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct stats_dir {
	_Atomic uint64_t packets;     /* frames delivered */
	_Atomic uint64_t bytes;       /* bytes of delivered frames */
	_Atomic uint64_t drops;       /* frames dropped, for any reason */
	_Atomic uint64_t read_calls;  /* vmnet_read() or recvmsg_x() calls */
	_Atomic uint64_t write_calls; /* sendmsg_x() or vmnet_write() calls */
	_Atomic uint64_t retries;     /* sendmsg_x() retries after ENOBUFS */
};

struct stats {
	struct stats_dir host_to_vm;
	struct stats_dir vm_to_host;
	struct timespec start; /* CLOCK_MONOTONIC, for the uptime */
};

/* Add @n to a counter only this thread writes. */
static inline void
stats_add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
	                      memory_order_relaxed);
}

void stats_init(struct stats *s);
char *stats_json(const struct stats *s, const struct timespec *now_real,
                 const struct timespec *now_mono);

#ifdef __cplusplus
}
#endif

#endif /* STATS_H */
