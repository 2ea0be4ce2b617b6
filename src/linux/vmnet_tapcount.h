/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmnet_tapcount.h - how many frames wait on a TAP, for vmnet's
 * vmnet_estimated_packets_available_key.
 *
 * A TAP cannot tell how many frames it holds. An eBPF filter on the TAP
 * (TUNSETFILTEREBPF), run by the kernel for every frame it queues there,
 * counts them in a memory-mapped array map; the reader counts the frames
 * it takes. The difference is the estimate. A frame the kernel counted and
 * then dropped because the TAP's queue was full would stay in it, so the
 * count is set right each time a read finds the TAP empty.
 */
#ifndef VMNET_TAPCOUNT_H
#define VMNET_TAPCOUNT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vmnet_tapcount {
	const volatile uint64_t *queued; /* the kernel's count, or NULL: no count */
	atomic_uint_fast64_t taken;      /* frames read, set right when empty */
};

/*
 * vmnet_tapcount_attach() - count the frames queued on TAP @fd
 *
 * Needs CAP_BPF (or CAP_SYS_ADMIN) and a kernel with BPF; without them the
 * count stays off and the estimate is 1.
 *
 * Return: 0, or -1 with errno (nothing left attached or mapped)
 */
int vmnet_tapcount_attach(struct vmnet_tapcount *c, int fd);

/* Unmap the count; the filter goes with the TAP. */
void vmnet_tapcount_detach(struct vmnet_tapcount *c);

/* The kernel's count now (0 without a count); load it before a read. */
uint64_t vmnet_tapcount_queued(const struct vmnet_tapcount *c);

/*
 * vmnet_tapcount_read() - after a vmnet_read() on the reader's thread
 * @n:		frames taken from the TAP
 * @empty:	the last read found the TAP empty
 * @queued:	vmnet_tapcount_queued() before that last read
 */
void vmnet_tapcount_read(struct vmnet_tapcount *c, unsigned n, bool empty, uint64_t queued);

/* Frames waiting, at least 1 (the caller knows one waits); 1 without a count. */
uint64_t vmnet_tapcount_estimate(const struct vmnet_tapcount *c);

/*
 * vmnet_tapcount_read_limit() - frames a read takes before it stops
 * without looking for more
 *
 * The frames counted as waiting, at least 1; UINT64_MAX without a count
 * (read until the TAP is empty). A count too high ends in an empty read,
 * which sets it right; one too low leaves a frame that fires the next event.
 */
uint64_t vmnet_tapcount_read_limit(const struct vmnet_tapcount *c);

#endif /* VMNET_TAPCOUNT_H */
