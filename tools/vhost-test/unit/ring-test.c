// SPDX-License-Identifier: GPL-2.0
/*
 * ring-test: the kernel's ring code (mem.c, ring*.c, test_data.c), compiled
 * in userspace, against the tools' driver side, in one process, on split
 * and packed rings.  Built with ASan and UBSan by the unit-test Makefile.
 *
 * Prints a PASS/FAIL line per check (scripts/lib.sh protocol).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ring.h"
#include "ring_serve.h"
#include "test_data.h"
#include "../lib/guestmem.h"
#include "../../lib/vhxdev.h"
#include "../lib/traffic.h"

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
	struct vring_used_elem used[64];	/* for vhx_ring_add_used() */
	unsigned int signals, logged;
	u16 *ids;
};

/* The embedder's side of a flush: count what the kernel would signal. */
void vhx_ring_call(struct vhx_ring *r)
{
	((struct dev *)((char *)r - offsetof(struct dev, r)))->signals++;
}

void vhx_ring_logged(struct vhx_ring *r)
{
	((struct dev *)((char *)r - offsetof(struct dev, r)))->logged++;
}

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

/* What VHOST_SET_VRING_NUM/ADDR/BASE and the backend's start do. */
static int dev_setup(struct dev *d, struct guestmem *g, struct vdrv_vq *v,
		     void *desc, void *driver, void *device, bool event_idx)
{
	u64 features = 0;

	memset(d, 0, sizeof(*d));
	d->mem = mem_from(g);
	vhx_ring_init(&d->r, NULL, d->iov, d->log);
	if (v->packed)
		features |= 1ULL << VIRTIO_F_RING_PACKED;
	if (event_idx)
		features |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	vhx_ring_configure(&d->r, features, d->mem, NULL);
	d->r.num = vdrv_num(v);
	d->r.desc = guestmem_hva(g, desc);
	d->r.avail = guestmem_hva(g, driver);
	d->r.used = guestmem_hva(g, device);
	d->ids = calloc(d->r.num, sizeof(*d->ids));
	d->r.ids = d->ids;
	vhx_ring_set_base(&d->r, vhxdev_fresh_base(v->packed));
	return vhx_ring_start(&d->r);
}

static int dev_chain(void *arg, const struct vhx_chain *c, u32 *written)
{
	struct dev *d = arg;

	return vhx_test_process(&d->r, c, written);
}

static bool dev_idle(void *arg)
{
	return vhx_ring_idle(&((struct dev *)arg)->r);
}

static bool dev_enough(void *arg, unsigned int chains, u64 bytes)
{
	return false;
}

static const struct vhx_ring_server dev_server = {
	.chain = dev_chain,
	.idle = dev_idle,
	.enough = dev_enough,
};

/* Serve the ring until it is empty, with the kernel's own loop. */
static int dev_run(struct dev *d)
{
	struct vhx_ring_served done;

	return vhx_ring_serve(&d->r, &dev_server, d, &done);
}

struct ring_env {
	struct guestmem g;
	struct vdrv_vq q;
	struct vdrv_split *v;		/* split-only tests */
	struct vdrv_packed *p;		/* packed-only tests */
	void *area[3];
	struct dev d;
};

static int env_init(struct ring_env *e, bool packed, unsigned int num,
		    unsigned int nregions, size_t size, bool event_idx)
{
	unsigned int i;
	int ret;

	ret = guestmem_init(&e->g, size, nregions, 0x100000, num * 31 + nregions);
	if (ret)
		return ret;
	cur_g = &e->g;
	guestmem_block_size(&e->g, TRAFFIC_MAX_BUFS * 2 * sizeof(struct vring_desc));
	e->area[0] = guestmem_alloc(&e->g, vdrv_desc_size(packed, num),
				    vdrv_area_align(packed, 0), true);
	e->area[1] = guestmem_alloc(&e->g, vdrv_driver_size(packed, num),
				    vdrv_area_align(packed, 1), true);
	e->area[2] = guestmem_alloc(&e->g, vdrv_device_size(packed, num),
				    vdrv_area_align(packed, 2), true);
	for (i = 0; i < 3; i++)
		if (!e->area[i])
			return -ENOMEM;
	ret = vdrv_init(&e->q, packed, num, e->area[0], e->area[1], e->area[2],
			event_idx, &traffic_mem_ops, &e->g);
	if (ret)
		return ret;
	e->v = &e->q.s;
	e->p = &e->q.p;
	return dev_setup(&e->d, &e->g, &e->q, e->area[0], e->area[1],
			 e->area[2], event_idx);
}

static void env_fini(struct ring_env *e)
{
	vdrv_fini(&e->q);
	free(e->d.mem);
	free(e->d.ids);
	guestmem_fini(&e->g);
	cur_g = NULL;
}

/* What a feature combination is called in the results. */
static const char *layout(bool packed, bool in_order)
{
	if (packed)
		return in_order ? "packed+in_order" : "packed";
	return in_order ? "split+in_order" : "split";
}

/*
 * Run @chains verified chains through a fresh ring.  With @max_in 0 every
 * chain is read only, so the device writes nothing and, in order, returns
 * whole runs of them in one used entry.
 */
static void integrity_io(bool packed, bool in_order, unsigned int num,
			 unsigned int nregions, bool indirect, bool event_idx,
			 unsigned int max_len, unsigned int max_in,
			 unsigned int chains)
{
	struct traffic_params p = {
		.max_out = 4, .max_in = max_in, .min_len = 1, .max_len = max_len,
		.indirect = indirect, .seed = num ^ nregions,
	};
	/* Buffers and an indirect table per slot, rings, slack. */
	size_t need = (size_t)num * (8 * max_len + 512) + 4 * 1024 * 1024;
	size_t size = ((need / nregions / 4096) + 1) * 4096 * nregions;
	struct ring_env e;
	struct traffic t;
	unsigned int n;
	int ret;

	ret = env_init(&e, packed, num, nregions, size, event_idx);
	e.d.r.in_order = in_order;
	vdrv_set_in_order(&e.q, in_order);
	if (!ret)
		ret = traffic_init(&t, &e.g, &e.q, &p);
	while (!ret && t.completed < chains) {
		unsigned int want = chains - t.added < num ? chains - t.added : num;
		int added = traffic_add(&t, want);

		if (added < 0) {
			ret = added;
			break;
		}
		/* The device went idle with kicks enabled: it must want one. */
		if (!vdrv_publish(&e.q) && added) {
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
			vdrv_enable_cb(&e.q);
	}
	CHECK(!ret && t.completed == chains && !nerr,
	      "integrity: %s ring %u, %u region(s), indirect %s, event_idx %s, %s%u chains (%llu B out, %llu B in, %u signals)%s%s",
	      layout(packed, in_order), num, nregions, indirect ? "on" : "off", event_idx ? "on" : "off",
	      max_in ? "" : "read only, ", chains, (unsigned long long)t.bytes_out,
	      (unsigned long long)t.bytes_in, e.d.signals,
	      nerr ? ": " : "", nerr ? last_err : "");
	nerr = 0;
	traffic_fini(&t);
	env_fini(&e);
}

static void integrity(bool packed, unsigned int num, unsigned int nregions,
		      bool indirect, bool event_idx, unsigned int max_len,
		      unsigned int chains)
{
	integrity_io(packed, false, num, nregions, indirect, event_idx,
		     max_len, 4, chains);
}

/*
 * Hostile rings: write one chain by hand, expect @err from vhx_ring_get,
 * a report, and the ring untouched (the same chain fails the same way).
 */
struct hostile {
	const char *what;
	int err;
	void (*make)(struct ring_env *e);
	bool packed;
};

static struct vring_desc *D(struct ring_env *e, unsigned int i)
{
	return &e->v->desc[i];
}

static void offer(struct ring_env *e, uint16_t head)
{
	e->v->avail->ring[e->v->avail->idx & (e->v->num - 1)] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->v->avail->idx++;
}

static uint64_t buf_gpa(struct ring_env *e, size_t len)
{
	return guestmem_gpa(&e->g, guestmem_alloc(&e->g, len, 16, false));
}

static void mk_jump(struct ring_env *e)
{
	e->v->avail->idx = e->v->num + 1;
}

static void mk_head(struct ring_env *e)
{
	offer(e, e->v->num);
}

static void mk_next(struct ring_env *e)
{
	*D(e, 0) = (struct vring_desc){ buf_gpa(e, 8), 8, VRING_DESC_F_NEXT, e->v->num };
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

/*
 * Packed rings: slots written by hand in lap 1, where "available" is AVAIL
 * set and USED clear.
 */
#define PA	(1 << VRING_PACKED_DESC_F_AVAIL)
#define PU	(1 << VRING_PACKED_DESC_F_USED)

static void pslot(struct ring_env *e, unsigned int i, uint64_t addr,
		  uint32_t len, uint16_t id, uint16_t flags)
{
	struct vring_packed_desc *d = &e->p->desc[i];

	d->addr = addr;
	d->len = len;
	d->id = id;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	d->flags = flags;
}

static void pk_id_range(struct ring_env *e)
{
	pslot(e, 0, buf_gpa(e, 8), 8, e->p->num, PA);
}

/* The first chain is taken; the second reuses its id. */
static void pk_id_in_flight(struct ring_env *e)
{
	struct vhx_chain c;

	pslot(e, 0, buf_gpa(e, 8), 8, 3, PA);
	pslot(e, 1, buf_gpa(e, 8), 8, 3, PA);
	if (vhx_ring_get(&e->d.r, &c) != 1)
		fprintf(stderr, "ring-test: the first chain was refused: %s\n", last_err);
}

static void pk_last_lap(struct ring_env *e)
{
	pslot(e, 1, buf_gpa(e, 8), 8, 0, PU);
	pslot(e, 0, buf_gpa(e, 8), 8, 0, PA | VRING_DESC_F_NEXT);
}

static void pk_empty_slot(struct ring_env *e)
{
	pslot(e, 0, buf_gpa(e, 8), 8, 0, PA | VRING_DESC_F_NEXT);
}

/* Every slot chained to the next, round the ring and into slot 0 again. */
static void pk_too_long(struct ring_env *e)
{
	unsigned int i;

	for (i = e->p->num; i-- > 0;)
		pslot(e, i, buf_gpa(e, 8), 8, 0, PA | VRING_DESC_F_NEXT);
}

static void pk_out_after_in(struct ring_env *e)
{
	pslot(e, 1, buf_gpa(e, 8), 8, 0, PA);
	pslot(e, 0, buf_gpa(e, 8), 8, 0,
	      PA | VRING_DESC_F_WRITE | VRING_DESC_F_NEXT);
}

static void pk_outside(struct ring_env *e)
{
	pslot(e, 0, e->g.gpa_base + e->g.size - 4, 8, 0, PA);
}

static void pk_ind(struct ring_env *e, uint32_t len, uint32_t entries,
		   uint16_t flags)
{
	struct vring_packed_desc *t = guestmem_alloc(&e->g, (size_t)entries * 16 + 16,
						     16, false);
	uint32_t i;

	for (i = 0; i < entries; i++)
		t[i] = (struct vring_packed_desc){ buf_gpa(e, 1), 1, 0, 0 };
	pslot(e, 0, guestmem_gpa(&e->g, t), len, 0,
	      PA | VRING_DESC_F_INDIRECT | flags);
}

static void pk_ind_len(struct ring_env *e)
{
	pk_ind(e, 40, 3, 0);
}

static void pk_ind_zero(struct ring_env *e)
{
	pk_ind(e, 0, 1, 0);
}

static void pk_ind_huge(struct ring_env *e)
{
	pslot(e, 0, buf_gpa(e, 16), (65536 + 1) * 16, 0,
	      PA | VRING_DESC_F_INDIRECT);
}

static void pk_ind_next(struct ring_env *e)
{
	pslot(e, 1, buf_gpa(e, 8), 8, 0, PA);
	pk_ind(e, 32, 2, VRING_DESC_F_NEXT);
}

static void pk_ind_outside(struct ring_env *e)
{
	pslot(e, 0, e->g.gpa_base + e->g.size, 32, 0,
	      PA | VRING_DESC_F_INDIRECT);
}

static void pk_iov_overflow(struct ring_env *e)
{
	pk_ind(e, (VHX_IOV_MAX + 1) * 16, VHX_IOV_MAX + 1, 0);
}

static void pk_bad_ring(struct ring_env *e)
{
	e->d.r.pdesc = (void *)16;
}

static const struct hostile hostiles[] = {
	{ "avail index jumps past the ring", -EINVAL, mk_jump, false },
	{ "head out of range", -EINVAL, mk_head, false },
	{ "next out of range", -EINVAL, mk_next, false },
	{ "chain loops", -EINVAL, mk_loop, false },
	{ "readable after writable", -EINVAL, mk_out_after_in, false },
	{ "buffer past the end of memory", -EFAULT, mk_outside, false },
	{ "buffer below the table", -EFAULT, mk_below, false },
	{ "buffer wraps the address space", -EFAULT, mk_wrap, false },
	{ "indirect length not a multiple of 16", -EINVAL, mk_ind_len, false },
	{ "indirect length 0", -EINVAL, mk_ind_zero, false },
	{ "indirect table over 65536 entries", -E2BIG, mk_ind_huge, false },
	{ "indirect with NEXT", -EINVAL, mk_ind_next, false },
	{ "nested indirect", -EINVAL, mk_ind_nested, false },
	{ "indirect chain loops", -EINVAL, mk_ind_loop, false },
	{ "indirect next out of range", -EINVAL, mk_ind_next_out, false },
	{ "indirect table outside memory", -EFAULT, mk_ind_outside, false },
	{ "more than 1024 iovecs", -ENOBUFS, mk_iov_overflow, false },
	{ "descriptor table unreadable", -EFAULT, mk_bad_ring, false },
	{ "packed: buffer id out of range", -EINVAL, pk_id_range, true },
	{ "packed: buffer id already in flight", -EINVAL, pk_id_in_flight, true },
	{ "packed: chain runs into a slot of the last lap", -EINVAL, pk_last_lap, true },
	{ "packed: chain runs into an empty slot", -EINVAL, pk_empty_slot, true },
	{ "packed: chain longer than the ring", -EINVAL, pk_too_long, true },
	{ "packed: readable after writable", -EINVAL, pk_out_after_in, true },
	{ "packed: buffer past the end of memory", -EFAULT, pk_outside, true },
	{ "packed: indirect length not a multiple of 16", -EINVAL, pk_ind_len, true },
	{ "packed: indirect length 0", -EINVAL, pk_ind_zero, true },
	{ "packed: indirect table over 65536 entries", -E2BIG, pk_ind_huge, true },
	{ "packed: indirect with NEXT", -EINVAL, pk_ind_next, true },
	{ "packed: indirect table outside memory", -EFAULT, pk_ind_outside, true },
	{ "packed: more than 1024 iovecs", -ENOBUFS, pk_iov_overflow, true },
	{ "packed: descriptor ring unreadable", -EFAULT, pk_bad_ring, true },
};

static void hostile(const struct hostile *h)
{
	struct vhx_chain c;
	struct ring_env e;
	uint32_t before;
	int r1, r2;

	if (env_init(&e, h->packed, 256, 4, 4 * 1024 * 1024, false)) {
		CHECK(0, "hostile: %s: setup", h->what);
		return;
	}
	nerr = 0;
	h->make(&e);
	before = vhx_ring_get_base(&e.d.r);
	r1 = vhx_ring_get(&e.d.r, &c);
	r2 = vhx_ring_get(&e.d.r, &c);
	CHECK(r1 == h->err && r2 == h->err && nerr == 2 &&
	      vhx_ring_get_base(&e.d.r) == before,
	      "hostile: %s -> %s (%d, %d; %s)", h->what, strerror(-h->err),
	      r1, r2, last_err);
	nerr = 0;
	env_fini(&e);
}

/*
 * The ring-area accessors skip the range check in the kernel; here they
 * must abort on anything outside the ring's areas (vhx_ring_areas()), or
 * the fuzzer could not tell.  Each probe runs in a child: one byte past
 * each area must abort, the area's last bytes must not.
 */
static bool ring_access_aborts(struct vhx_ring *r, const uint8_t *p)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		u16 v = 0;
		int ret;

		/* Quiet: the abort's message is what is expected. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		ret = vhx_ring_get_user(r, v, (const u16 *)p);
		_exit(ret ? 2 : v);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void ring_areas(void)
{
	static uint8_t mem[3 * 4096] __attribute__((aligned(16)));
	struct vhx_ring_area a[VHX_RING_AREAS];
	struct vhx_ring r = { .num = 8 };
	unsigned int i, packed;

	for (packed = 0; packed < 2; packed++) {
		r.packed = packed;
		r.desc = (void *)mem;
		r.avail = (void *)(mem + 4096);
		r.used = (void *)(mem + 2 * 4096);
		vhx_ring_areas(&r, a);
		for (i = 0; i < VHX_RING_AREAS; i++) {
			const uint8_t *end = (const uint8_t *)a[i].base + a[i].len;

			CHECK(!ring_access_aborts(&r, end - 2) &&
			      ring_access_aborts(&r, end - 1) &&
			      ring_access_aborts(&r, end),
			      "%s ring area %u (%zu bytes): its last 2 bytes are read, a byte past aborts",
			      packed ? "packed" : "split", i, a[i].len);
		}
	}
}

static void mem_rules(void)
{
	struct vhx_mem *m = calloc(1, sizeof(*m) + 3 * sizeof(m->regions[0]));
	unsigned int hint = 0, i;
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
	n = vhx_mem_translate(m, 0x2ff0, 0x20, iov, 4, &hint);
	CHECK(n == 2 && iov[0].iov_base == (void *)0x51ff0 && iov[0].iov_len == 0x10 &&
	      iov[1].iov_base == (void *)0x70000 && iov[1].iov_len == 0x10 &&
	      hint == 1,
	      "mem: a buffer across two regions becomes two iovecs, the hint names the last");
	CHECK(vhx_mem_translate(m, 0x3ff0, 0x20, iov, 4, &hint) == -EFAULT,
	      "mem: a buffer running into a hole is -EFAULT");
	CHECK(vhx_mem_translate(m, 0x2ff0, 0x20, iov, 1, &hint) == -ENOBUFS,
	      "mem: too few iovecs is -ENOBUFS");
	CHECK(vhx_mem_translate(m, 0x5000, 0, iov, 4, &hint) == 0,
	      "mem: a zero-length buffer maps to nothing, even in a hole");
	/* A hint is only a first guess: wrong, stale or out of range. */
	for (i = 0; i < 5; i++) {
		unsigned int h = i == 4 ? ~0u : i;

		n = vhx_mem_translate(m, 0x8010, 0x10, iov, 4, &h);
		CHECK(n == 1 && iov[0].iov_base == (void *)0x90010 && h == 2,
		      "mem: hint %u: found in region 2 all the same, now the hint",
		      i == 4 ? ~0u : i);
		h = i == 4 ? ~0u : i;
		CHECK(vhx_mem_translate(m, 0x4010, 0x10, iov, 4, &h) == -EFAULT,
		      "mem: hint %u: a hole is -EFAULT all the same",
		      i == 4 ? ~0u : i);
	}

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

static bool dirty(u64 gpa)
{
	u64 b = gpa >> 12;

	return log_bitmap[b / 64] & (1ULL << (b % 64));
}

/*
 * One chain of two 5000-byte writable buffers through a fresh ring of
 * either layout with dirty logging on (the device area at log_guest_addr,
 * as QEMU gives it).  0, or what failed.
 */
static int log_run(struct ring_env *e, struct traffic *t, bool packed)
{
	struct traffic_params p = { .max_out = 0, .max_in = 2, .min_len = 5000,
				    .max_len = 5000, .seed = 7 };
	unsigned int n;
	int ret;

	memset(log_bitmap, 0, sizeof(log_bitmap));
	ret = env_init(e, packed, 8, 2, 4 * 1024 * 1024, true);
	e->d.r.log = e->d.log;
	e->d.r.log_base = log_bitmap;
	e->d.r.log_used = true;
	e->d.r.log_addr = guestmem_gpa(&e->g, e->area[2]);
	if (!ret)
		ret = traffic_init(t, &e->g, &e->q, &p);
	if (!ret && traffic_add(t, 1) == 1) {
		vdrv_publish(&e->q);
		ret = dev_run(&e->d);
		if (!ret)
			ret = traffic_collect(t, &n);
	}
	if (ret || t->completed != 1)
		fprintf(stderr, "ring-test: logging run: %d, %llu completed, %s\n",
			ret, (unsigned long long)t->completed, last_err);
	return ret;
}

/* Pages of the chain's writable buffers not marked dirty. */
static unsigned int unlogged_pages(struct ring_env *e, const struct traffic_slot *s)
{
	unsigned int missing = 0, j;
	u64 a, b;

	for (j = 0; j < s->nin; j++) {
		a = guestmem_gpa(&e->g, s->in[j].addr);
		for (b = a >> 12; b <= (a + s->in[j].len - 1) >> 12; b++)
			missing += !dirty(b << 12);
	}
	return missing;
}

/* Dirty logging: written pages and the used ring are marked. */
static void logging(void)
{
	struct ring_env e;
	struct traffic t;
	unsigned int pages = 0, i;
	int ret = log_run(&e, &t, false);
	struct traffic_slot *s = &t.slot[0];

	for (i = 0; i < ARRAY_SIZE(log_bitmap) * 64; i++)
		pages += dirty((u64)i << 12);
	/* Each 5000-byte buffer spans 2 or 3 pages, the used ring 1. */
	CHECK(!ret && t.completed == 1 && s->nin && !unlogged_pages(&e, s) &&
	      pages >= 2 && pages <= 1 + 3 * s->nin && dirty(e.d.r.log_addr),
	      "log: every written page and the used ring are dirty (%u pages marked)",
	      pages);
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

	env_init(&e, false, 16, 1, 1024 * 1024, true);
	used_event = (uint16_t *)&e.v->avail->ring[16];
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

/*
 * DPDK's packed TX tables: the header's entry flagged WRITE, the frame's
 * entries readable after it.  Refused on a queue the device writes (the
 * order rule), taken whole as readable on one it only reads (net TX).
 */
static void packed_dpdk_tx_table(void)
{
	static const uint32_t lens[3] = { 12, 500, 300 };
	struct vring_packed_desc *t;
	struct vhx_chain c;
	struct ring_env e;
	int i, ret;

	for (i = 0; i < 2; i++) {
		bool reads = i;
		uint32_t k;

		env_init(&e, true, 16, 1, 1024 * 1024, false);
		e.d.r.device_reads = reads;
		t = guestmem_alloc(&e.g, 3 * 16, 16, false);
		for (k = 0; k < 3; k++)
			t[k] = (struct vring_packed_desc){
				buf_gpa(&e, lens[k]), lens[k], k,
				k ? VRING_DESC_F_NEXT | PA : VRING_DESC_F_WRITE };
		t[2].flags = PA;
		pslot(&e, 0, guestmem_gpa(&e.g, t), 3 * 16, 4,
		      PA | VRING_DESC_F_INDIRECT);
		nerr = 0;
		ret = vhx_ring_get(&e.d.r, &c);
		if (reads)
			CHECK(ret == 1 && c.id == 4 && c.out == 3 && !c.in &&
			      c.out_len == 812 && !nerr,
			      "packed: DPDK's TX table (header entry WRITE) on a queue the device only reads: 3 readable buffers, 812 B");
		else
			CHECK(ret == -EINVAL && nerr == 1,
			      "packed: the same table on a queue the device writes is -EINVAL (%s)",
			      last_err);
		nerr = 0;
		env_fini(&e);
	}
}

/*
 * Packed bookkeeping: the ring base encoding, give-back, and what a device
 * (not a guest) could get wrong.
 */
static void packed_state(void)
{
	struct vhx_chain c[2];
	struct ring_env e;
	uint32_t base;
	int ok;

	env_init(&e, true, 16, 1, 1024 * 1024, false);
	CHECK(vhx_ring_get_base(&e.d.r) == 0x80008000,
	      "packed: a fresh ring's base is 0x80008000 (both laps 1)");
	vhx_ring_set_base(&e.d.r, 0x000f8003);
	CHECK(e.d.r.last_avail_idx == 3 && e.d.r.avail_wrap &&
	      e.d.r.last_used_idx == 15 && !e.d.r.used_wrap &&
	      vhx_ring_get_base(&e.d.r) == 0x000f8003,
	      "packed: base carries avail 3 lap 1, used 15 lap 0, and reads back");
	vhx_ring_set_base(&e.d.r, 0x00008000);
	CHECK(e.d.r.last_avail_idx == 0 && e.d.r.avail_wrap &&
	      e.d.r.last_used_idx == 0 && e.d.r.used_wrap &&
	      vhx_ring_get_base(&e.d.r) == 0x80008000,
	      "packed: DPDK's fresh base 0x00008000 (vhost-user form) is used = avail, lap 1");
	vhx_ring_set_base(&e.d.r, 0x0000000b);
	CHECK(e.d.r.last_avail_idx == 11 && !e.d.r.avail_wrap &&
	      e.d.r.last_used_idx == 11 && !e.d.r.used_wrap &&
	      vhx_ring_get_base(&e.d.r) == 0x000b000b,
	      "packed: 16-bit base 0x000b is avail = used = 11, lap 0");
	nerr = 0;
	vhx_ring_set_base(&e.d.r, 0x00000010);
	CHECK(vhx_ring_start(&e.d.r) == -EINVAL && nerr == 1,
	      "packed: a 16-bit base at position 16 of 16 is -EINVAL (%s)",
	      last_err);
	nerr = 0;
	vhx_ring_set_base(&e.d.r, 0x80108000);
	CHECK(vhx_ring_start(&e.d.r) == -EINVAL && nerr == 1,
	      "packed: starting at used position 16 of 16 is -EINVAL (%s)",
	      last_err);
	vhx_ring_set_base(&e.d.r, 0x80008000);
	vhx_ring_start(&e.d.r);

	pslot(&e, 0, buf_gpa(&e, 8), 8, 5, PA);
	pslot(&e, 2, buf_gpa(&e, 8), 8, 9, PA);
	pslot(&e, 1, buf_gpa(&e, 8), 8, 9, PA | VRING_DESC_F_NEXT);
	ok = vhx_ring_get(&e.d.r, &c[0]) == 1 && vhx_ring_get(&e.d.r, &c[1]) == 1 &&
	     c[0].id == 5 && c[1].id == 9 && e.d.ids[9] == 2 &&
	     e.d.r.last_avail_idx == 3;
	vhx_ring_unget(&e.d.r, c, 2);
	ok &= !e.d.ids[5] && !e.d.ids[9] && e.d.r.last_avail_idx == 0 &&
	      e.d.r.avail_wrap;
	ok &= vhx_ring_get(&e.d.r, &c[0]) == 1 && c[0].id == 5;
	CHECK(ok, "packed: two chains given back are taken again, ids free");

	nerr = 0;
	e.d.used[0] = vhx_used_elem(7, 0);
	base = vhx_ring_get_base(&e.d.r);
	CHECK(vhx_ring_add_used(&e.d.r, e.d.used, 1) == -EINVAL && nerr == 1 &&
	      vhx_ring_get_base(&e.d.r) == base,
	      "packed: a used entry for an id not in flight is -EINVAL (%s)",
	      last_err);
	e.d.used[0] = vhx_used_elem(5, 8);
	ok = vhx_ring_add_used(&e.d.r, e.d.used, 1) == 0 &&
	     e.p->desc[0].id == 5 && e.p->desc[0].len == 8 &&
	     e.p->desc[0].flags == (PA | PU) && e.d.r.last_used_idx == 1 &&
	     !e.d.ids[5];
	CHECK(ok, "packed: a used entry lands in slot 0 with both bits of lap 1");
	nerr = 0;
	env_fini(&e);
}

/*
 * IN_ORDER: a run of buffers the device wrote nothing into comes back as
 * one used entry (the run's last), at the run's first slot; a buffer with
 * data gets its own.  Eight chains: 0-4 empty, 5 with 7 bytes, 6-7 empty.
 */
static void in_order_runs(bool packed)
{
	struct vhx_chain c;
	struct ring_env e;
	unsigned int i, got = 0;
	int ok = 1;

	env_init(&e, packed, 16, 1, 1024 * 1024, false);
	e.d.r.in_order = true;
	for (i = 0; i < 8; i++) {
		if (packed)
			pslot(&e, i, buf_gpa(&e, 8), 8, i, PA);
		else {
			*D(&e, i) = (struct vring_desc){ buf_gpa(&e, 8), 8, 0, 0 };
			offer(&e, i);
		}
	}
	for (i = 0; i < 8; i++) {
		ok &= vhx_ring_get(&e.d.r, &c) == 1 && c.id == i;
		e.d.used[i] = vhx_used_elem(i, i == 5 ? 7 : 0);
	}
	ok &= vhx_ring_add_used(&e.d.r, e.d.used, 8) == 0;
	if (packed) {
		struct vring_packed_desc *d = e.p->desc;

		/* Used slots 0, 5, 6 (ids 4, 5, 7); the rest as offered. */
		for (i = 0; i < 8; i++)
			got += d[i].flags == (PA | PU);
		ok &= got == 3 && d[0].id == 4 && d[0].len == 0 &&
		      d[5].id == 5 && d[5].len == 7 && d[6].id == 7 &&
		      e.d.r.last_used_idx == 8;
	} else {
		struct vring_used *u = e.v->used;

		ok &= u->idx == 8 && u->ring[0].id == 4 && u->ring[0].len == 0 &&
		      u->ring[5].id == 5 && u->ring[5].len == 7 &&
		      u->ring[6].id == 7 && u->ring[1].id == 0 && u->ring[7].id == 0;
		got = 3;
	}
	CHECK(ok && !nerr, "%s: 8 buffers come back in %u used entries (runs of empty ones as one)",
	      layout(packed, true), got);
	nerr = 0;
	env_fini(&e);
}

/*
 * The driver side, IN_ORDER: one used entry may stand for a run of
 * buffers the device wrote into, as Linux's vhost_net (6.17 on) does for
 * a frame spread over mergeable RX buffers.  Every buffer of the run but
 * the named last was filled whole; the last has the entry's length.  Four
 * 256-byte buffers (two of them as 100 + 156), a frame of 3 x 256 + 40
 * bytes: one used entry naming the fourth, length 40.
 */
static void in_order_rx_run(bool packed)
{
	static const uint32_t want[] = { 256, 256, 256, 40 };
	void *tok[4] = { (void *)1, (void *)2, (void *)3, (void *)4 }, *t;
	struct ring_env e;
	unsigned int i, n = 0;
	uint16_t last_id = 0;
	uint32_t len;
	int ok = 1;

	env_init(&e, packed, 8, 1, 1024 * 1024, false);
	vdrv_set_in_order(&e.q, true);
	for (i = 0; i < 4; i++) {
		struct vdrv_buf b[2] = { { guestmem_alloc(&e.g, 100, 8, false), 100 },
					 { guestmem_alloc(&e.g, 156, 8, false), 156 } };
		struct vdrv_buf one = { guestmem_alloc(&e.g, 256, 8, false), 256 };

		ok &= vdrv_add(&e.q, NULL, 0, i & 1 ? b : &one, i & 1 ? 2 : 1,
			       tok[i], false) == 0;
	}
	vdrv_publish(&e.q);
	if (packed) {
		/* Buffer ids 0..3; the used descriptor goes in slot 0. */
		struct vring_packed_desc *d = e.p->desc;

		last_id = d[5].id;
		d[0].id = last_id;
		d[0].len = 40;
		d[0].flags = PA | PU;
	} else {
		last_id = e.v->avail->ring[3];
		e.v->used->ring[0] = (struct vring_used_elem){ last_id, 40 };
		e.v->used->idx = 4;
	}
	while (vdrv_get_used(&e.q, &t, &len) == 1) {
		ok &= n < 4 && t == tok[n] && len == want[n];
		n++;
	}
	CHECK(ok && n == 4,
	      "%s driver: one used entry for a run of 4 RX buffers: 256, 256, 256, then its own 40 bytes",
	      layout(packed, true));
	env_fini(&e);
}

/*
 * RX short of buffers: two chains taken, the ring dry, both given back.
 * The two are still available but were not enough: only a new buffer is
 * news, or a worker waiting for one (kicks, busy polling) would spin.
 */
static void short_of_buffers(bool packed)
{
	struct vhx_chain c[2], x;
	struct ring_env e;
	unsigned int i;
	int ok = 1;

	env_init(&e, packed, 16, 1, 1024 * 1024, false);
	for (i = 0; i < 3; i++) {
		if (i == 2)
			break;
		if (packed) {
			pslot(&e, i, buf_gpa(&e, 8), 8, i, PA | VRING_DESC_F_WRITE);
		} else {
			*D(&e, i) = (struct vring_desc){ buf_gpa(&e, 8), 8,
							 VRING_DESC_F_WRITE, 0 };
			offer(&e, i);
		}
	}
	vhx_ring_disable_notify(&e.d.r);
	ok &= vhx_ring_get(&e.d.r, &c[0]) == 1 && vhx_ring_get(&e.d.r, &c[1]) == 1 &&
	      vhx_ring_get(&e.d.r, &x) == 0;
	vhx_ring_unget(&e.d.r, c, 2);
	ok &= !vhx_ring_avail_pending(&e.d.r) && vhx_ring_enable_notify(&e.d.r) == 0;
	vhx_ring_disable_notify(&e.d.r);
	if (packed) {
		pslot(&e, 2, buf_gpa(&e, 8), 8, 2, PA | VRING_DESC_F_WRITE);
	} else {
		*D(&e, 2) = (struct vring_desc){ buf_gpa(&e, 8), 8, VRING_DESC_F_WRITE, 0 };
		offer(&e, 2);
	}
	ok &= vhx_ring_avail_pending(&e.d.r) && vhx_ring_enable_notify(&e.d.r) == 1;
	CHECK(ok && !nerr, "%s: buffers given back are not news; a new one is",
	      layout(packed, false));
	nerr = 0;
	env_fini(&e);
}

/* Packed EVENT_IDX: the driver names a slot and a lap. */
static void packed_event_idx(void)
{
	struct vring_packed_desc_event *ev;
	struct ring_env e;
	int ok = 1;

	env_init(&e, true, 16, 1, 1024 * 1024, true);
	ev = e.area[1];
	ev->flags = VRING_PACKED_EVENT_FLAG_DESC;
	e.d.r.signalled_used_valid = true;
#define AT(used, wrap, since, off)					\
	(e.d.r.last_used_idx = (used), e.d.r.used_wrap = (wrap),	\
	 e.d.r.used_since_signal = (since), ev->off_wrap = (off),	\
	 vhx_ring_should_signal(&e.d.r))
	ok &= AT(12, 1, 2, 11 | 0x8000);	/* 10..12 covers 11 */
	ok &= !AT(14, 1, 2, 11 | 0x8000);	/* 12..14 does not */
	ok &= AT(3, 0, 5, 15 | 0x8000);		/* 14 (lap 1) .. 3 (lap 0) */
	ok &= AT(3, 0, 5, 0);			/* slot 0 of lap 0 */
	ok &= !AT(3, 0, 5, 5);			/* slot 5 of lap 0: ahead */
	ok &= !AT(3, 0, 5, 12 | 0x8000);	/* slot 12 of lap 1: behind */
	ev->flags = VRING_PACKED_EVENT_FLAG_DISABLE;
	ok &= !AT(3, 0, 5, 0);
	ev->flags = VRING_PACKED_EVENT_FLAG_ENABLE;
	ok &= AT(3, 0, 5, 5);
	ev->flags = VRING_PACKED_EVENT_FLAG_DESC;
	e.d.r.signalled_used_valid = false;
	ok &= AT(3, 0, 5, 5);			/* first check: always */
#undef AT
	CHECK(ok, "packed event_idx: signals exactly when the named slot and lap is used");
	env_fini(&e);
}

/* Packed dirty logging: buffers, the used slot, our event structure. */
static void packed_logging(void)
{
	struct ring_env e;
	struct traffic t;
	int ret = log_run(&e, &t, true);

	CHECK(!ret && t.completed == 1 && t.slot[0].nin &&
	      !unlogged_pages(&e, &t.slot[0]) &&
	      dirty(guestmem_gpa(&e.g, e.area[0])) && dirty(e.d.r.log_addr),
	      "packed log: written pages, the used slot and the event structure are dirty%s%s",
	      nerr ? ": " : "", nerr ? last_err : "");
	nerr = 0;
	traffic_fini(&t);
	env_fini(&e);
}

int main(void)
{
	static const unsigned int sizes[] = { 1, 2, 8, 256, 1024, 32768 };
	unsigned int i, packed;

	uenv_access_ok = host_ok;
	ring_areas();
	mem_rules();
	mem_many();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned int num = sizes[i];
		unsigned int len = num >= 1024 ? 64 : 3000;
		unsigned int chains = num >= 1024 ? 2 * num + 17 : 600;

		for (packed = 0; packed < 2; packed++) {
			integrity(packed, num, 1, false, false, len, chains);
			integrity(packed, num, 8, true, true, len, chains);
			integrity(packed, num, 4, false, true, len, chains);
			integrity(packed, num, 2, true, false, len, chains);
			integrity_io(packed, true, num, 4, false, true, len, 4,
				     chains);
			integrity_io(packed, true, num, 2, true, false, len, 0,
				     chains);
		}
	}
	for (i = 0; i < ARRAY_SIZE(hostiles); i++)
		hostile(&hostiles[i]);
	logging();
	log_off();
	event_idx();
	packed_state();
	packed_dpdk_tx_table();
	short_of_buffers(false);
	short_of_buffers(true);
	in_order_runs(false);
	in_order_runs(true);
	in_order_rx_run(false);
	in_order_rx_run(true);
	packed_event_idx();
	packed_logging();
	return failures ? 1 : 0;
}
