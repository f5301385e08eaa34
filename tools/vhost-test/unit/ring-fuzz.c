// SPDX-License-Identifier: GPL-2.0
/*
 * ring-fuzz: libFuzzer target for the kernel's ring code.
 *
 * The input is the guest's memory: rings, descriptor tables, indirect
 * tables, buffers, all of it hostile.  A header picks the ring layout
 * (split or packed) and size, the features, the ring base, and how the
 * memory is cut into regions (shuffled, with an optional hole).  Then we
 * serve the ring with the kernel's own loop (vhx_ring_serve(), as the test
 * device runs it): take chains, run the test backend on them, return them
 * in batches, decide about interrupts and kicks, go idle and wake again,
 * stop for fairness, put a chain back.  Every access must stay in the arena (the
 * uenv hook turns anything else into -EFAULT), nothing may loop, and the
 * sanitizers watch the rest.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "ring.h"
#include "ring_serve.h"
#include "test_data.h"

#define ARENA_SIZE	(64 * 1024)
#define GPA_BASE	0x40000000ULL

static uint8_t arena[ARENA_SIZE] __attribute__((aligned(4096)));
static uint64_t bitmap[64];

void vhx_ring_error(struct vhx_ring *r, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	/* Format it: a bad format argument is a bug the sanitizers catch. */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

void vhx_ring_call(struct vhx_ring *r)
{
}

void vhx_ring_logged(struct vhx_ring *r)
{
}

/* What the fuzzer's server does with each chain, and when it stops. */
struct fuzz_server {
	struct vhx_ring *r;
	unsigned int served;	/* chains, over all runs */
	unsigned int weight;	/* chains per run */
	unsigned int naps;	/* idles left before we sleep for good */
};

static int fuzz_chain(void *arg, const struct vhx_chain *c, u32 *written)
{
	struct fuzz_server *f = arg;

	if (c->out + c->in > VHX_IOV_MAX || c->nlog > c->in)
		__builtin_trap();
	/* Now and then a chain the backend cannot take yet: put back. */
	if (++f->served % 7 == 3)
		return -EAGAIN;
	return vhx_test_process(f->r, c, written) ? -EIO : 0;
}

static bool fuzz_idle(void *arg)
{
	struct fuzz_server *f = arg;

	/* Unbounded only while the guest's ring says "more": it cannot. */
	return f->naps-- && vhx_ring_idle(f->r);
}

static bool fuzz_enough(void *arg, unsigned int chains, u64 bytes)
{
	struct fuzz_server *f = arg;

	return chains >= f->weight;
}

static const struct vhx_ring_server fuzz_server_ops = {
	.chain = fuzz_chain,
	.idle = fuzz_idle,
	.enough = fuzz_enough,
};

static bool in(const void *p, size_t n, const void *base, size_t size)
{
	const uint8_t *b = p, *lo = base;

	return b >= lo && n <= size && (size_t)(b - lo) <= size - n;
}

static bool arena_ok(const void *p, size_t n)
{
	return in(p, n, arena, sizeof(arena)) ||
	       in(p, n, bitmap, sizeof(bitmap));
}

struct header {
	uint8_t num_log2;	/* ring of 1 << (x % 9): 1 .. 256 */
	uint8_t flags;		/* event_idx, notify_on_empty, log, hole,
				 * packed, used lap, in_order, device_reads */
	uint8_t nregions;	/* 1 .. 4 */
	uint8_t shuffle;
	uint16_t desc_off, avail_off, used_off;	/* in the arena */
	uint16_t last_avail;	/* where the device starts */
	uint16_t rounds;	/* runs (low 6 bits), chains per run (next 5) */
} __attribute__((packed));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t membuf[(sizeof(struct vhx_mem) +
				4 * sizeof(struct vhx_mem_region)) / 8 + 1];
	struct vhx_mem *m = (struct vhx_mem *)membuf;
	static struct iovec iov[VHX_IOV_MAX];
	static struct vhx_log_span log[VHX_IOV_MAX];
	static u16 ids[256];
	struct fuzz_server f = { 0 };
	struct vhx_ring r;
	struct header h;
	unsigned int i, piece, rounds;
	u64 features = 0;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);
	memset(arena, 0, sizeof(arena));
	memcpy(arena, data, size < sizeof(arena) ? size : sizeof(arena));
	uenv_access_ok = arena_ok;

	/* Regions: equal pieces of the arena, in a shuffled guest order. */
	m->nregions = 1 + h.nregions % 4;
	piece = ARENA_SIZE / m->nregions;
	for (i = 0; i < m->nregions; i++) {
		unsigned int slot = (i + h.shuffle) % m->nregions;

		m->regions[i].gpa = GPA_BASE + (u64)i * piece;
		m->regions[i].size = piece;
		m->regions[i].hva = (u64)(uintptr_t)(arena + (size_t)slot * piece);
	}
	if ((h.flags & 8) && m->nregions > 1)
		m->regions[0].size /= 2;	/* a hole */
	if (vhx_mem_check(m))
		return 0;

	vhx_ring_init(&r, NULL, iov, log);
	r.num = 1u << (h.num_log2 % 9);
	r.device_reads = h.flags & 128;
	r.ids = ids;
	r.desc = (void *)(arena + (h.desc_off % ARENA_SIZE & ~15u));
	r.avail = (void *)(arena + (h.avail_off % ARENA_SIZE & ~1u));
	r.used = (void *)(arena + (h.used_off % ARENA_SIZE & ~3u));
	if (h.flags & 1)
		features |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	if (h.flags & 2)
		features |= 1ULL << VIRTIO_F_NOTIFY_ON_EMPTY;
	if (h.flags & 16)
		features |= 1ULL << VIRTIO_F_RING_PACKED;
	if (h.flags & 64)
		features |= 1ULL << VIRTIO_F_IN_ORDER;
	vhx_ring_configure(&r, features, m, h.flags & 4 ? bitmap : NULL);
	if (h.flags & 4) {
		r.log_used = true;
		r.log_addr = GPA_BASE + h.used_off;
	}
	if (r.packed) {
		u32 avail = (h.last_avail % r.num) | (h.last_avail & 0x8000);
		u32 used = ((h.last_avail >> 4) % r.num) |
			   (h.flags & 32 ? 0x8000 : 0);

		vhx_ring_set_base(&r, avail | used << 16);
	}
	if (vhx_ring_start(&r))
		return 0;
	if (!r.packed)
		vhx_ring_set_base(&r, h.last_avail);

	/*
	 * Runs of the kernel's serve loop, each until the ring runs dry (a
	 * few naps allowed), a chain is put back or fails, or the weight.
	 */
	f.r = &r;
	f.weight = 1 + (h.rounds >> 6) % 32;
	rounds = 1 + h.rounds % 64;
	for (i = 0; i < rounds; i++) {
		f.naps = 4;
		struct vhx_ring_served done;

		if (vhx_ring_serve(&r, &fuzz_server_ops, &f, &done) < 0 &&
		    f.served % 7 != 3)
			break;
	}
	return 0;
}
