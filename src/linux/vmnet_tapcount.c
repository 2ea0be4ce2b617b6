// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet_tapcount.c - count the frames waiting on a TAP (see
 * vmnet_tapcount.h).
 *
 * Theory of operation: the filter is six instructions, loaded with the
 * bpf() system call (no libbpf): add 1 to the one 64-bit value of an
 * array map made with BPF_F_MMAPABLE, return the frame's length (keep it
 * whole). The map is mapped read-only into this process, so reading the
 * count costs a load, no system call; the tun driver runs the filter in
 * tun_net_xmit() before it queues the frame, so the count includes a
 * frame about to be queued, and one dropped because the queue was full.
 * The reader keeps its own count of frames taken; when a read finds the
 * TAP empty, every frame counted before that read has been taken or
 * dropped, so taken becomes the count loaded before it. The estimate
 * is queued - taken, at least 1, and a read takes that many frames and
 * stops, without the one more read that would only find the TAP empty.
 */
#include "vmnet_tapcount.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* count[0] += 1; return skb->len. */
static void
tapcount_program(struct bpf_insn prog[7], int map_fd)
{
	const struct bpf_insn insns[7] = {
	    /* r6 = r1 (the __sk_buff) */
	    {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_6, .src_reg = BPF_REG_1},
	    /* r1 = &count[0]: the map's value, by address */
	    {.code = BPF_LD | BPF_DW | BPF_IMM,
	     .dst_reg = BPF_REG_1,
	     .src_reg = BPF_PSEUDO_MAP_VALUE,
	     .imm = map_fd},
	    {.imm = 0}, /* second half of the 64-bit load: offset 0 in the value */
	    /* r2 = 1; lock *(u64 *)(r1 + 0) += r2 */
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 1},
	    {.code = BPF_STX | BPF_DW | BPF_ATOMIC,
	     .dst_reg = BPF_REG_1,
	     .src_reg = BPF_REG_2,
	     .imm = BPF_ADD},
	    /* r0 = skb->len */
	    {.code = BPF_LDX | BPF_W | BPF_MEM,
	     .dst_reg = BPF_REG_0,
	     .src_reg = BPF_REG_6,
	     .off = offsetof(struct __sk_buff, len)},
	    {.code = BPF_JMP | BPF_EXIT},
	};

	memcpy(prog, insns, sizeof(insns));
}

int
vmnet_tapcount_attach(struct vmnet_tapcount *c, int fd)
{
	struct bpf_insn prog[7];
	union bpf_attr attr;
	int map_fd, prog_fd = -1, err;
	void *mem = MAP_FAILED;
	long page = sysconf(_SC_PAGESIZE);

	c->queued = NULL;
	atomic_init(&c->taken, 0);
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = sizeof(uint32_t);
	attr.value_size = sizeof(uint64_t);
	attr.max_entries = 1;
	attr.map_flags = BPF_F_MMAPABLE;
	map_fd = bpf(BPF_MAP_CREATE, &attr);
	if (map_fd < 0)
		return -1;
	mem = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, map_fd, 0);
	if (mem == MAP_FAILED)
		goto fail;
	tapcount_program(prog, map_fd);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
	prog_fd = bpf(BPF_PROG_LOAD, &attr);
	if (prog_fd < 0 || ioctl(fd, TUNSETFILTEREBPF, &prog_fd) < 0)
		goto fail;
	/* The TAP holds the program, the program the map, the mapping its memory. */
	close(prog_fd);
	close(map_fd);
	c->queued = mem;
	return 0;
fail:
	err = errno;
	if (prog_fd >= 0)
		close(prog_fd);
	if (mem != MAP_FAILED)
		munmap(mem, (size_t)page);
	close(map_fd);
	errno = err;
	return -1;
}

void
vmnet_tapcount_detach(struct vmnet_tapcount *c)
{
	if (c->queued)
		munmap((void *)(uintptr_t)c->queued, (size_t)sysconf(_SC_PAGESIZE));
	c->queued = NULL;
}

uint64_t
vmnet_tapcount_queued(const struct vmnet_tapcount *c)
{
	return c->queued ? __atomic_load_n(c->queued, __ATOMIC_ACQUIRE) : 0;
}

void
vmnet_tapcount_read(struct vmnet_tapcount *c, unsigned n, bool empty, uint64_t queued)
{
	if (!c->queued)
		return;
	if (empty)
		atomic_store_explicit(&c->taken, queued, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&c->taken, n, memory_order_relaxed);
}

uint64_t
vmnet_tapcount_estimate(const struct vmnet_tapcount *c)
{
	uint64_t queued = vmnet_tapcount_queued(c);
	uint64_t taken = atomic_load_explicit(&c->taken, memory_order_relaxed);

	/* A frame counted while the empty read ran is taken later: taken may lead. */
	return queued > taken ? queued - taken : 1;
}

uint64_t
vmnet_tapcount_read_limit(const struct vmnet_tapcount *c)
{
	return c->queued ? vmnet_tapcount_estimate(c) : UINT64_MAX;
}
