// SPDX-License-Identifier: GPL-2.0
/*
 * ring-test: the kernel's ring code (mem.c, ring.c, test_data.c), compiled
 * in userspace, against the tools' driver side, in one process.  Built
 * with ASan and UBSan by the unit-test Makefile.
 *
 * Prints a PASS/FAIL line per check (scripts/lib.sh protocol).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "test_data.h"
#include "../guestmem.h"
#include "../traffic.h"

static int failures;
static unsigned int nerr;
static char last_err[512];

void vhx_ring_error(struct vhx_ring *r, const char *fmt, ...)
{
	va_list ap;

	(void)r;
	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	nerr++;
}

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("PASS: ");					\
	} else {							\
		printf("FAIL: ");					\
		failures++;						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

static struct guestmem *cur_g;

/* The launcher's own memory the device may touch: the dirty bitmap. */
static uint64_t log_bitmap[8192];

static bool host_ok(const void *p, size_t n)
{
	const uint8_t *b = p, *lb = (const uint8_t *)log_bitmap;

	if (b >= lb && n <= sizeof(log_bitmap) &&
	    (size_t)(b - lb) <= sizeof(log_bitmap) - n)
		return true;
	return cur_g && guestmem_host_ok(cur_g, p, n);
}

/* The device: what the kernel vq would hold. */
struct dev {
	struct vhx_ring r;
	struct vhx_mem *mem;
	struct iovec iov[VHX_IOV_MAX];
	struct vhx_log_span log[VHX_IOV_MAX];
	struct vring_used_elem used[64];
	unsigned int nused, signals;
};

static struct vhx_mem *mem_from(struct guestmem *g)
{
	struct vhost_memory *t = guestmem_table(g);
	struct vhx_mem *m;
	unsigned int i;

	m = calloc(1, sizeof(*m) + t->nregions * sizeof(m->regions[0]));
	m->nregions = t->nregions;
	for (i = 0; i < t->nregions; i++) {
		m->regions[i].gpa = t->regions[i].guest_phys_addr;
		m->regions[i].size = t->regions[i].memory_size;
		m->regions[i].hva = t->regions[i].userspace_addr;
	}
	free(t);
	if (vhx_mem_check(m)) {
		free(m);
		return NULL;
	}
	return m;
}

static int dev_setup(struct dev *d, struct guestmem *g, struct vdrv_split *v,
		     bool event_idx)
{
	memset(d, 0, sizeof(*d));
	d->mem = mem_from(g);
	d->r.num = v->num;
	d->r.desc = guestmem_hva(g, v->desc);
	d->r.avail = guestmem_hva(g, v->avail);
	d->r.used = guestmem_hva(g, v->used);
	d->r.mem = d->mem;
	d->r.event_idx = event_idx;
	d->r.iov = d->iov;
	return vhx_ring_start(&d->r);
}

static int dev_flush(struct dev *d)
{
	int ret = vhx_ring_add_used(&d->r, d->used, d->nused);

	if (d->nused && vhx_ring_should_signal(&d->r))
		d->signals++;
	d->nused = 0;
	return ret;
}

/* Serve the ring until it is empty, as the kernel's handler does. */
static int dev_run(struct dev *d)
{
	struct vhx_chain c;
	int ret;

	vhx_ring_disable_notify(&d->r);
	for (;;) {
		u32 written;

		ret = vhx_ring_get(&d->r, &c);
		if (ret < 0)
			return ret;
		if (!ret) {
			ret = dev_flush(d);
			if (ret)
				return ret;
			ret = vhx_ring_enable_notify(&d->r);
			if (ret < 0)
				return ret;
			if (!ret)
				return 0;
			vhx_ring_disable_notify(&d->r);
			continue;
		}
		ret = vhx_test_process(&d->r, &c, &written);
		if (ret)
			return ret;
		if (d->r.log)
			vhx_ring_log_chain(&d->r, &c, written);
		d->used[d->nused++] = vhx_used_elem(c.head, written);
		if (d->nused == ARRAY_SIZE(d->used) || d->nused == d->r.num) {
			ret = dev_flush(d);
			if (ret)
				return ret;
		}
	}
}

struct ring_env {
	struct guestmem g;
	struct vdrv_split v;
	struct dev d;
};

static int env_init(struct ring_env *e, unsigned int num, unsigned int nregions,
		    size_t size, bool event_idx)
{
	void *desc, *avail, *used;
	int ret;

	ret = guestmem_init(&e->g, size, nregions, 0x100000, num * 31 + nregions);
	if (ret)
		return ret;
	cur_g = &e->g;
	guestmem_block_size(&e->g, TRAFFIC_MAX_BUFS * 2 * sizeof(struct vring_desc));
	desc = guestmem_alloc(&e->g, vdrv_split_desc_size(num), 16, true);
	avail = guestmem_alloc(&e->g, vdrv_split_avail_size(num), 2, true);
	used = guestmem_alloc(&e->g, vdrv_split_used_size(num), 4, true);
	if (!desc || !avail || !used)
		return -ENOMEM;
	ret = vdrv_split_init(&e->v, num, desc, avail, used, event_idx,
			      &traffic_mem_ops, &e->g);
	if (ret)
		return ret;
	return dev_setup(&e->d, &e->g, &e->v, event_idx);
}

static void env_fini(struct ring_env *e)
{
	vdrv_split_fini(&e->v);
	free(e->d.mem);
	guestmem_fini(&e->g);
	cur_g = NULL;
}

/* Run @chains verified chains through a fresh ring. */
static void integrity(unsigned int num, unsigned int nregions, bool indirect,
		      bool event_idx, unsigned int max_len, unsigned int chains)
{
	struct traffic_params p = {
		.max_out = 4, .max_in = 4, .min_len = 1, .max_len = max_len,
		.indirect = indirect, .seed = num ^ nregions,
	};
	/* Buffers and an indirect table per slot, rings, slack. */
	size_t need = (size_t)num * (8 * max_len + 512) + 4 * 1024 * 1024;
	size_t size = ((need / nregions / 4096) + 1) * 4096 * nregions;
	struct ring_env e;
	struct traffic t;
	unsigned int n;
	int ret;

	ret = env_init(&e, num, nregions, size, event_idx);
	if (!ret)
		ret = traffic_init(&t, &e.g, &e.v, &p);
	while (!ret && t.completed < chains) {
		unsigned int want = chains - t.added < num ? chains - t.added : num;
		int added = traffic_add(&t, want);

		if (added < 0) {
			ret = added;
			break;
		}
		/* The device went idle with kicks enabled: it must want one. */
		if (!vdrv_split_publish(&e.v) && added) {
			fprintf(stderr, "ring-test: no kick asked for new buffers\n");
			ret = -EPROTO;
			break;
		}
		ret = dev_run(&e.d);
		if (!ret)
			ret = traffic_collect(&t, &n);
		if (!ret && !n) {
			fprintf(stderr, "ring-test: the device returned nothing\n");
			ret = -EPROTO;
		}
		if (!ret)
			vdrv_split_enable_cb(&e.v);
	}
	CHECK(!ret && t.completed == chains && !nerr,
	      "integrity: ring %u, %u region(s), indirect %s, event_idx %s, %u chains (%llu B out, %llu B in, %u signals)%s%s",
	      num, nregions, indirect ? "on" : "off", event_idx ? "on" : "off",
	      chains, (unsigned long long)t.bytes_out,
	      (unsigned long long)t.bytes_in, e.d.signals,
	      nerr ? ": " : "", nerr ? last_err : "");
	nerr = 0;
	traffic_fini(&t);
	env_fini(&e);
}

/*
 * Hostile rings: write one chain by hand, expect @err from vhx_ring_get,
 * a report, and the ring untouched (the same chain fails the same way).
 */
struct hostile {
	const char *what;
	int err;
	void (*make)(struct ring_env *e);
};

static struct vring_desc *D(struct ring_env *e, unsigned int i)
{
	return &e->v.desc[i];
}

static void offer(struct ring_env *e, uint16_t head)
{
	e->v.avail->ring[e->v.avail->idx & (e->v.num - 1)] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->v.avail->idx++;
}

static uint64_t buf_gpa(struct ring_env *e, size_t len)
{
	return guestmem_gpa(&e->g, guestmem_alloc(&e->g, len, 16, false));
}

static void mk_jump(struct ring_env *e)
{
	e->v.avail->idx = e->v.num + 1;
}

static void mk_head(struct ring_env *e)
{
	offer(e, e->v.num);
}

static void mk_next(struct ring_env *e)
{
	*D(e, 0) = (struct vring_desc){ buf_gpa(e, 8), 8, VRING_DESC_F_NEXT, e->v.num };
	offer(e, 0);
}

static void mk_loop(struct ring_env *e)
{
	*D(e, 0) = (struct vring_desc){ buf_gpa(e, 8), 8, VRING_DESC_F_NEXT, 1 };
	*D(e, 1) = (struct vring_desc){ buf_gpa(e, 8), 8, VRING_DESC_F_NEXT, 0 };
	offer(e, 0);
}

static void mk_out_after_in(struct ring_env *e)
{
	*D(e, 0) = (struct vring_desc){ buf_gpa(e, 8), 8,
					VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1 };
	*D(e, 1) = (struct vring_desc){ buf_gpa(e, 8), 8, 0, 0 };
	offer(e, 0);
}

static void mk_outside(struct ring_env *e)
{
	*D(e, 0) = (struct vring_desc){ e->g.gpa_base + e->g.size - 4, 8, 0, 0 };
	offer(e, 0);
}

static void mk_below(struct ring_env *e)
{
	*D(e, 0) = (struct vring_desc){ 0x1000, 8, 0, 0 };
	offer(e, 0);
}

static void mk_wrap(struct ring_env *e)
{
	*D(e, 0) = (struct vring_desc){ ~0ULL - 3, 8, 0, 0 };
	offer(e, 0);
}

static void mk_ind(struct ring_env *e, uint32_t len, uint32_t entries,
		   uint16_t flags)
{
	struct vring_desc *t = guestmem_alloc(&e->g, (size_t)entries * 16 + 16, 16, false);
	uint32_t i;

	for (i = 0; i < entries; i++)
		t[i] = (struct vring_desc){ buf_gpa(e, 1), 1,
			(uint16_t)(i + 1 < entries ? VRING_DESC_F_NEXT : 0), (uint16_t)(i + 1) };
	*D(e, 0) = (struct vring_desc){ guestmem_gpa(&e->g, t), len,
					(uint16_t)(VRING_DESC_F_INDIRECT | flags), 0 };
	offer(e, 0);
}

static void mk_ind_len(struct ring_env *e)
{
	mk_ind(e, 40, 3, 0);
}

static void mk_ind_zero(struct ring_env *e)
{
	mk_ind(e, 0, 1, 0);
}

static void mk_ind_huge(struct ring_env *e)
{
	*D(e, 0) = (struct vring_desc){ buf_gpa(e, 16), (65536 + 1) * 16,
					VRING_DESC_F_INDIRECT, 0 };
	offer(e, 0);
}

static void mk_ind_next(struct ring_env *e)
{
	mk_ind(e, 32, 2, VRING_DESC_F_NEXT);
}

static void mk_ind_nested(struct ring_env *e)
{
	struct vring_desc *t = guestmem_alloc(&e->g, 32, 16, false);

	t[0] = (struct vring_desc){ buf_gpa(e, 16), 16, VRING_DESC_F_INDIRECT, 0 };
	*D(e, 0) = (struct vring_desc){ guestmem_gpa(&e->g, t), 16,
					VRING_DESC_F_INDIRECT, 0 };
	offer(e, 0);
}

static void mk_ind_loop(struct ring_env *e)
{
	struct vring_desc *t = guestmem_alloc(&e->g, 32, 16, false);

	t[0] = (struct vring_desc){ buf_gpa(e, 1), 1, VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ buf_gpa(e, 1), 1, VRING_DESC_F_NEXT, 0 };
	*D(e, 0) = (struct vring_desc){ guestmem_gpa(&e->g, t), 32,
					VRING_DESC_F_INDIRECT, 0 };
	offer(e, 0);
}

static void mk_ind_next_out(struct ring_env *e)
{
	struct vring_desc *t = guestmem_alloc(&e->g, 32, 16, false);

	t[0] = (struct vring_desc){ buf_gpa(e, 1), 1, VRING_DESC_F_NEXT, 5 };
	*D(e, 0) = (struct vring_desc){ guestmem_gpa(&e->g, t), 32,
					VRING_DESC_F_INDIRECT, 0 };
	offer(e, 0);
}

static void mk_ind_outside(struct ring_env *e)
{
	*D(e, 0) = (struct vring_desc){ e->g.gpa_base + e->g.size, 32,
					VRING_DESC_F_INDIRECT, 0 };
	offer(e, 0);
}

/* 1025 one-byte buffers, each in its own iovec: one more than allowed. */
static void mk_iov_overflow(struct ring_env *e)
{
	mk_ind(e, (VHX_IOV_MAX + 1) * 16, VHX_IOV_MAX + 1, 0);
}

static void mk_bad_ring(struct ring_env *e)
{
	e->d.r.desc = (void *)16;
	offer(e, 0);
}

static const struct hostile hostiles[] = {
	{ "avail index jumps past the ring", -EINVAL, mk_jump },
	{ "head out of range", -EINVAL, mk_head },
	{ "next out of range", -EINVAL, mk_next },
	{ "chain loops", -EINVAL, mk_loop },
	{ "readable after writable", -EINVAL, mk_out_after_in },
	{ "buffer past the end of memory", -EFAULT, mk_outside },
	{ "buffer below the table", -EFAULT, mk_below },
	{ "buffer wraps the address space", -EFAULT, mk_wrap },
	{ "indirect length not a multiple of 16", -EINVAL, mk_ind_len },
	{ "indirect length 0", -EINVAL, mk_ind_zero },
	{ "indirect table over 65536 entries", -E2BIG, mk_ind_huge },
	{ "indirect with NEXT", -EINVAL, mk_ind_next },
	{ "nested indirect", -EINVAL, mk_ind_nested },
	{ "indirect chain loops", -EINVAL, mk_ind_loop },
	{ "indirect next out of range", -EINVAL, mk_ind_next_out },
	{ "indirect table outside memory", -EFAULT, mk_ind_outside },
	{ "more than 1024 iovecs", -ENOBUFS, mk_iov_overflow },
	{ "descriptor table unreadable", -EFAULT, mk_bad_ring },
};

static void hostile(const struct hostile *h)
{
	struct vhx_chain c;
	struct ring_env e;
	uint16_t before;
	int r1, r2;

	if (env_init(&e, 256, 4, 4 * 1024 * 1024, false)) {
		CHECK(0, "hostile: %s: setup", h->what);
		return;
	}
	nerr = 0;
	h->make(&e);
	before = e.d.r.last_avail_idx;
	r1 = vhx_ring_get(&e.d.r, &c);
	r2 = vhx_ring_get(&e.d.r, &c);
	CHECK(r1 == h->err && r2 == h->err && nerr == 2 &&
	      e.d.r.last_avail_idx == before,
	      "hostile: %s -> %s (%d, %d; %s)", h->what, strerror(-h->err),
	      r1, r2, last_err);
	nerr = 0;
	env_fini(&e);
}

static void mem_rules(void)
{
	struct vhx_mem *m = calloc(1, sizeof(*m) + 3 * sizeof(m->regions[0]));
	struct iovec iov[4];
	int n;

	m->nregions = 3;
	m->regions[0] = (struct vhx_mem_region){ 0x3000, 0x1000, 0x70000 };
	m->regions[1] = (struct vhx_mem_region){ 0x1000, 0x2000, 0x50000 };
	m->regions[2] = (struct vhx_mem_region){ 0x8000, 0x1000, 0x90000 };
	CHECK(!vhx_mem_check(m) && m->regions[0].gpa == 0x1000,
	      "mem: table sorted by guest address");
	CHECK(vhx_mem_find(m, 0x2fff) == &m->regions[0] &&
	      vhx_mem_find(m, 0x3000) == &m->regions[1] &&
	      !vhx_mem_find(m, 0x4000) && !vhx_mem_find(m, 0xfff) &&
	      vhx_mem_find(m, 0x8fff) == &m->regions[2] && !vhx_mem_find(m, 0x9000),
	      "mem: lookup at region edges and in holes");
	n = vhx_mem_translate(m, 0x2ff0, 0x20, iov, 4);
	CHECK(n == 2 && iov[0].iov_base == (void *)0x51ff0 && iov[0].iov_len == 0x10 &&
	      iov[1].iov_base == (void *)0x70000 && iov[1].iov_len == 0x10,
	      "mem: a buffer across two regions becomes two iovecs");
	CHECK(vhx_mem_translate(m, 0x3ff0, 0x20, iov, 4) == -EFAULT,
	      "mem: a buffer running into a hole is -EFAULT");
	CHECK(vhx_mem_translate(m, 0x2ff0, 0x20, iov, 1) == -ENOBUFS,
	      "mem: too few iovecs is -ENOBUFS");
	CHECK(vhx_mem_translate(m, 0x5000, 0, iov, 4) == 0,
	      "mem: a zero-length buffer maps to nothing, even in a hole");

	m->regions[2] = (struct vhx_mem_region){ 0x3800, 0x1000, 0x90000 };
	CHECK(vhx_mem_check(m) == -EINVAL, "mem: overlapping regions are -EINVAL");
	m->regions[2] = (struct vhx_mem_region){ 0x9000, 0, 0x90000 };
	CHECK(vhx_mem_check(m) == -EINVAL, "mem: an empty region is -EINVAL");
	m->regions[2] = (struct vhx_mem_region){ ~0ULL - 0xfff, 0x1000, 0x90000 };
	CHECK(vhx_mem_check(m) == -EINVAL, "mem: a region ending at 2^64 is -EINVAL");
	m->regions[2] = (struct vhx_mem_region){ 0x9000, 0x1000, ~0ULL - 0x10 };
	CHECK(vhx_mem_check(m) == -EINVAL, "mem: a region wrapping user space is -EINVAL");
	free(m);
}

/* 509 regions, every boundary and every hole between them. */
static void mem_many(void)
{
	unsigned int n = 509, i, bad = 0;
	struct vhx_mem *m = calloc(1, sizeof(*m) + n * sizeof(m->regions[0]));

	m->nregions = n;
	for (i = 0; i < n; i++) {
		unsigned int k = (i * 7919) % n;	/* shuffled */

		m->regions[i] = (struct vhx_mem_region){
			0x100000ULL * k, 0x80000, 0x7f0000000000ULL + 0x80000ULL * k };
	}
	if (vhx_mem_check(m))
		bad++;
	for (i = 0; i < n; i++) {
		u64 base = 0x100000ULL * i;
		const struct vhx_mem_region *r = vhx_mem_find(m, base);

		if (!r || r->gpa != base || vhx_mem_find(m, base + 0x7ffff) != r ||
		    vhx_mem_find(m, base + 0x80000) || (base && vhx_mem_find(m, base - 1)))
			bad++;
	}
	CHECK(!bad, "mem: 509 regions, lookups at %u boundaries and holes", n * 4);
	free(m);
}

/* Dirty logging: written pages and the used ring are marked. */
static void logging(void)
{
	uint64_t *bitmap = log_bitmap;
	struct traffic_params p = { .max_out = 0, .max_in = 2, .min_len = 5000,
				    .max_len = 5000, .seed = 7 };
	struct ring_env e;
	struct traffic t;
	unsigned int n, pages = 0, i;
	u64 used_page;
	int ret;

	memset(log_bitmap, 0, sizeof(log_bitmap));
	ret = env_init(&e, 8, 2, 4 * 1024 * 1024, true);
	e.d.r.log = e.d.log;
	e.d.r.log_base = bitmap;
	e.d.r.log_used = true;
	e.d.r.log_addr = guestmem_gpa(&e.g, e.v.used);
	if (!ret)
		ret = traffic_init(&t, &e.g, &e.v, &p);
	if (!ret && traffic_add(&t, 1) == 1) {
		vdrv_split_publish(&e.v);
		ret = dev_run(&e.d);
		if (!ret)
			ret = traffic_collect(&t, &n);
	}
	if (ret || t.completed != 1)
		fprintf(stderr, "ring-test: logging run: %d, %llu completed, %s\n",
			ret, (unsigned long long)t.completed, last_err);
	for (i = 0; i < ARRAY_SIZE(log_bitmap) * 64; i++)
		pages += !!(bitmap[i / 64] & (1ULL << (i % 64)));
	used_page = e.d.r.log_addr >> 12;
	{
		struct traffic_slot *s = &t.slot[0];
		unsigned int missing = 0, j;

		for (j = 0; j < s->nin; j++) {
			u64 a = guestmem_gpa(&e.g, s->in[j].addr), b;

			for (b = a >> 12; b <= (a + s->in[j].len - 1) >> 12; b++)
				missing += !(bitmap[b / 64] & (1ULL << (b % 64)));
		}
		/* Each 5000-byte buffer spans 2 or 3 pages, the used ring 1. */
		CHECK(!ret && t.completed == 1 && s->nin && !missing &&
		      pages >= 2 && pages <= 1 + 3 * s->nin &&
		      (bitmap[used_page / 64] & (1ULL << (used_page % 64))),
		      "log: every written page and the used ring are dirty (%u pages marked)",
		      pages);
	}
	traffic_fini(&t);
	env_fini(&e);
}

/*
 * Logging a chain with logging off is a no-op, even with no span array
 * (UBSan: no arithmetic on a NULL log).  Found by the fuzzer.
 */
static void log_off(void)
{
	struct vhx_chain c = { .log_off = 3, .nlog = 2 };
	struct vhx_ring r = { 0 };

	CHECK(vhx_ring_log_chain(&r, &c, 100) == 0 && !r.logged,
	      "log: logging a chain with logging off does nothing");
}

/* EVENT_IDX arithmetic: signal exactly when the batch crosses used_event. */
static void event_idx(void)
{
	struct ring_env e;
	uint16_t *used_event;
	int ok = 1;

	env_init(&e, 16, 1, 1024 * 1024, true);
	used_event = (uint16_t *)&e.v.avail->ring[16];
	e.d.r.signalled_used_valid = true;
	e.d.r.signalled_used = 10;
	e.d.r.last_used_idx = 12;
	*used_event = 11;
	ok &= vhx_ring_should_signal(&e.d.r);	/* 10..12 crosses 11 */
	e.d.r.last_used_idx = 14;
	*used_event = 11;
	ok &= !vhx_ring_should_signal(&e.d.r);	/* 12..14 does not */
	e.d.r.last_used_idx = 3;		/* wrapped: 14 .. 65539 */
	*used_event = 65535;
	ok &= vhx_ring_should_signal(&e.d.r);
	e.d.r.signalled_used_valid = false;
	*used_event = 100;
	ok &= vhx_ring_should_signal(&e.d.r);	/* first signal always */
	CHECK(ok, "event_idx: signals exactly when used_event is crossed, across wrap");
	env_fini(&e);
}

int main(void)
{
	static const unsigned int sizes[] = { 1, 2, 8, 256, 1024, 32768 };
	unsigned int i;

	uenv_access_ok = host_ok;
	mem_rules();
	mem_many();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned int num = sizes[i];
		unsigned int len = num >= 1024 ? 64 : 3000;
		unsigned int chains = num >= 1024 ? 2 * num + 17 : 600;

		integrity(num, 1, false, false, len, chains);
		integrity(num, 8, true, true, len, chains);
		integrity(num, 4, false, true, len, chains);
		integrity(num, 2, true, false, len, chains);
	}
	for (i = 0; i < ARRAY_SIZE(hostiles); i++)
		hostile(&hostiles[i]);
	logging();
	log_off();
	event_idx();
	return failures ? 1 : 0;
}
