// SPDX-License-Identifier: GPL-2.0
/*
 * The device side of a virtqueue: what both ring layouts share, and the
 * calls the backends use, whichever layout the driver chose.
 *
 * Two layouts exist.  The split ring (ring_split.c) keeps the buffers in a
 * descriptor table and passes heads through two separate rings, one each
 * way.  The packed ring (ring_packed.c) has one ring of descriptors that
 * both sides write, with wrap counters telling whose turn each slot is.
 * A backend sees neither: it takes chains (iovecs into guest memory) and
 * gives them back with how much it wrote.
 *
 * The guest may change its rings under us at any time, maliciously or by
 * bug.  So the rules are: read every guest value exactly once, into a
 * local; bound it before use; treat a fault like any other bad value; and
 * on any error say why (vhx_ring_error) and return a negative errno, never
 * crash, loop or over-run.  A chain can never take more than num steps, an
 * indirect table never more than its length, and the iovecs never more
 * than VHX_IOV_MAX.
 */
#include "ring_priv.h"

int vhx_log_range(struct vhx_ring *r, u64 gpa, u64 len)
{
	u64 page, last;

	vhx_ring_assert_held(r);
	if (!len || !r->log_base)
		return 0;
	if (gpa > ~0ULL - (len - 1))
		goto fault;
	last = (gpa + len - 1) >> VHX_LOG_PAGE_SHIFT;
	for (page = gpa >> VHX_LOG_PAGE_SHIFT; page <= last; page++) {
		if (vhx_log_set(r->log_base, page))
			goto fault;
	}
	r->logged = true;
	return 0;
fault:
	vhx_ring_error(r, "cannot log %#llx+%llu in the dirty bitmap at %p",
		       (unsigned long long)gpa, (unsigned long long)len,
		       r->log_base);
	return -EFAULT;
}

/*
 * Log a write at byte @off of the area the device writes (split: the used
 * ring; packed: our event suppression structure), whose guest address the
 * launcher gave (log_guest_addr), if the ring is logged.
 */
int vhx_log_device_area(struct vhx_ring *r, u64 off, u64 len)
{
	if (!r->log_used || !r->log_base)
		return 0;
	return vhx_log_range(r, r->log_addr + off, len);
}

/*
 * The indirect descriptor @ind, of either layout: how many descriptors its
 * table holds, or a negative errno after saying why it is refused (a
 * length of 0 or not a multiple of a descriptor, or too many of them).
 */
int vhx_indirect_count(struct vhx_ring *r, const struct vhx_chain *c,
		       const struct vhx_desc *ind)
{
	u32 count = ind->len / VHX_DESC_SIZE;

	if (!ind->len || ind->len % VHX_DESC_SIZE) {
		vhx_ring_error(r, "chain %u: indirect table length %u is not a multiple of %d",
			       c->id, ind->len, VHX_DESC_SIZE);
		return -EINVAL;
	}
	if (count > VHX_INDIRECT_MAX) {
		vhx_ring_error(r, "chain %u: indirect table of %u entries (max %d)",
			       c->id, count, VHX_INDIRECT_MAX);
		return -E2BIG;
	}
	return count;
}

/* Copy entry @i of @ind's table (below its count) into @raw. */
int vhx_indirect_read(struct vhx_ring *r, const struct vhx_chain *c,
		      const struct vhx_desc *ind, u32 i, void *raw)
{
	if (vhx_mem_read(r->mem, raw, ind->addr + (u64)i * VHX_DESC_SIZE,
			 VHX_DESC_SIZE)) {
		vhx_ring_error(r, "chain %u: indirect table %#llx+%u is outside guest memory",
			       c->id, (unsigned long long)ind->addr, ind->len);
		return -EFAULT;
	}
	return 0;
}

static void vhx_chain_begin(struct vhx_chain *c, unsigned int iov_off,
			    unsigned int log_off)
{
	/* Field by field: this runs for every buffer, a memset costs more. */
	c->iov_off = iov_off;
	c->log_off = log_off;
	c->out = 0;
	c->in = 0;
	c->out_len = 0;
	c->in_len = 0;
	c->nlog = 0;
}

/*
 * A ring with nothing set: no size, no areas, no features; both packed
 * wrap counters in lap 1, where a fresh packed ring starts on both sides.
 * The embedder's lock and buffers stay.
 */
void vhx_ring_reset(struct vhx_ring *r)
{
	struct vhx_log_span *log = r->log;
	bool device_reads = r->device_reads;
	struct iovec *iov = r->iov;
	struct mutex *lock = r->lock;

	memset(r, 0, sizeof(*r));
	r->lock = lock;
	r->iov = iov;
	r->log = log;
	r->device_reads = device_reads;
	r->avail_wrap = true;
	r->used_wrap = true;
}

/*
 * Give the ring its lock and the buffers it works in (VHX_IOV_MAX iovecs
 * and log spans), and reset it.
 */
void vhx_ring_init(struct vhx_ring *r, struct mutex *lock, struct iovec *iov,
		   struct vhx_log_span *log)
{
	r->lock = lock;
	r->iov = iov;
	r->log = log;
	r->device_reads = false;
	vhx_ring_reset(r);
}

/*
 * What the acked features, the memory table and the dirty log make of the
 * ring: its layout and notification rules, where guest addresses lead,
 * and where dirty pages are marked (NULL: not logging).
 */
void vhx_ring_configure(struct vhx_ring *r, u64 features,
			const struct vhx_mem *mem, void __user *log_base)
{
	vhx_ring_assert_held(r);
	r->event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	r->notify_on_empty = features & (1ULL << VIRTIO_F_NOTIFY_ON_EMPTY);
	r->packed = features & (1ULL << VIRTIO_F_RING_PACKED);
	r->in_order = features & (1ULL << VIRTIO_F_IN_ORDER);
	r->mem = mem;
	r->log_base = log_base;
}

/*
 * The backend was attached: publish our notification state and pick up
 * where the ring stood (after a migration, or a detach and re-attach).
 */
int vhx_ring_start(struct vhx_ring *r)
{
	vhx_ring_assert_held(r);
	r->signalled_used_valid = false;
	return r->packed ? vhx_packed_start(r) : vhx_split_start(r);
}

/*
 * Take the next chain the guest offers.  Returns 1 and fills @c (iovecs in
 * r->iov, dirty spans in r->log), 0 if the ring is empty, or a negative
 * errno after reporting what was wrong.  On error nothing is consumed.
 */
int vhx_ring_get(struct vhx_ring *r, struct vhx_chain *c)
{
	return vhx_ring_get_at(r, c, 0, 0);
}

/*
 * The same, with the chain's iovecs and spans placed after those of chains
 * taken before (receive buffers merged for one packet): at r->iov[iov_off]
 * and r->log[log_off].  The caller keeps log_off <= iov_off.
 */
int vhx_ring_get_at(struct vhx_ring *r, struct vhx_chain *c,
		    unsigned int iov_off, unsigned int log_off)
{
	vhx_ring_assert_held(r);
	if (iov_off >= VHX_IOV_MAX || log_off > iov_off)
		return -ENOBUFS;
	vhx_chain_begin(c, iov_off, log_off);
	return r->packed ? vhx_packed_get(r, c) : vhx_split_get(r, c);
}

/*
 * Give back the @n chains at @c, the last ones taken, in the order they
 * were taken, unused: they will be taken again.
 */
void vhx_ring_unget(struct vhx_ring *r, const struct vhx_chain *c,
		    unsigned int n)
{
	vhx_ring_assert_held(r);
	if (!n)
		return;
	if (r->packed)
		vhx_packed_unget(r, c, n);
	else
		r->last_avail_idx = c->pos;
}

/* Return @n chains to the guest, in one publication. */
int vhx_ring_add_used(struct vhx_ring *r, const struct vring_used_elem *e,
		      unsigned int n)
{
	vhx_ring_assert_held(r);
	if (!n)
		return 0;
	if (n > r->num)
		return -EINVAL;
	return r->packed ? vhx_packed_add_used(r, e, n) :
			   vhx_split_add_used(r, e, n);
}

/*
 * Write the used entries gathered by vhx_ring_push_used*() in one
 * publication, and call the guest if it wants that; then tell the log's
 * reader if pages were marked dirty.  0, or the error of the write (said
 * already; the entries are dropped, as a bad ring stops the queue anyway).
 */
int vhx_ring_flush(struct vhx_ring *r)
{
	int ret = 0;

	vhx_ring_assert_held(r);
	if (r->npending) {
		ret = vhx_ring_add_used(r, r->pending, r->npending);
		r->npending = 0;
		if (!ret && vhx_ring_should_signal(r))
			vhx_ring_call(r);
	}
	if (r->logged) {
		r->logged = false;
		vhx_ring_logged(r);
	}
	return ret;
}

/* The ring ran dry: publish what was used, then rearm. */
bool vhx_ring_idle(struct vhx_ring *r)
{
	vhx_ring_flush(r);
	return vhx_ring_rearm(r);
}

/* Does the guest want an interrupt for what we just used? */
bool vhx_ring_should_signal(struct vhx_ring *r)
{
	vhx_ring_assert_held(r);
	/* Our used entries must be visible before we read its wishes. */
	smp_mb();
	return r->packed ? vhx_packed_should_signal(r) :
			   vhx_split_should_signal(r);
}

/* Ask the guest not to kick us: we are going to look at the ring anyway. */
void vhx_ring_disable_notify(struct vhx_ring *r)
{
	vhx_ring_assert_held(r);
	if (r->packed)
		vhx_packed_disable_notify(r);
	else
		vhx_split_disable_notify(r);
}

/*
 * Ask for kicks again, before going idle.  Returns 1 if the guest added
 * buffers meanwhile (the caller should disable again and keep going: a
 * kick for them may have been suppressed), 0 if the ring is still empty,
 * or -EFAULT.
 */
int vhx_ring_enable_notify(struct vhx_ring *r)
{
	vhx_ring_assert_held(r);
	return r->packed ? vhx_packed_enable_notify(r) :
			   vhx_split_enable_notify(r);
}

/*
 * Are there buffers the driver made available that we have not taken?  One
 * read, for busy polling; vhx_ring_get() orders its own reads when it then
 * takes them.  A fault reads as "no": the get reports it.
 */
bool vhx_ring_avail_pending(struct vhx_ring *r)
{
	vhx_ring_assert_held(r);
	return r->packed ? vhx_packed_avail_pending(r) :
			   vhx_split_avail_pending(r);
}

/*
 * Mark dirty the first @written bytes of the chain's writable buffers.
 * Nothing to do (and no span array to look at) unless logging is on.
 */
int vhx_ring_log_chain(struct vhx_ring *r, const struct vhx_chain *c,
		       u64 written)
{
	const struct vhx_log_span *span;
	unsigned int i;

	vhx_ring_assert_held(r);
	if (!r->log || !r->log_base)
		return 0;
	span = r->log + c->log_off;
	for (i = 0; i < c->nlog && written; i++) {
		u64 len = min(written, span[i].len);

		if (vhx_log_range(r, span[i].gpa, len))
			return -EFAULT;
		written -= len;
	}
	return 0;
}

/*
 * The three areas of the ring, in the order the vring address ioctl gives
 * them.  The backend's attach checks them with access_ok() as a whole, and
 * so does a move of a running ring; the ring's size and layout cannot
 * change while it runs.  That is what lets the accessors of ring_split.c
 * and ring_packed.c skip the range check on every access (see env.h).
 */
void vhx_ring_areas(const struct vhx_ring *r,
		    struct vhx_ring_area a[VHX_RING_AREAS])
{
	size_t num = r->num;

	a[0].base = r->desc;
	a[0].len = num * VHX_DESC_SIZE;
	a[1].base = r->avail;
	a[2].base = r->used;
	if (r->packed) {
		a[1].len = sizeof(*r->driver_event);
		a[2].len = sizeof(*r->device_event);
		return;
	}
	/* avail: flags, idx, the ring, used_event after it. */
	a[1].len = offsetof(struct vring_avail, ring) +
		   (num + 1) * sizeof(__virtio16);
	/* used: flags, idx, the ring, avail_event after it. */
	a[2].len = offsetof(struct vring_used, ring) +
		   num * sizeof(struct vring_used_elem) + sizeof(__virtio16);
}

/*
 * The ring base, as VHOST_GET/SET_VRING_BASE carry it.  Split: the next
 * avail index (the used index lives in the ring).  Packed: the next avail
 * position in bits 0-14 with its wrap counter in bit 15, the next used
 * position and its wrap counter in bits 16-31, as QEMU and vDPA encode it
 * (a fresh ring is 0x80008000).  GET always answers in that form.
 */
u32 vhx_ring_get_base(const struct vhx_ring *r)
{
	vhx_ring_assert_held(r);
	if (!r->packed)
		return r->last_avail_idx;
	return r->last_avail_idx | (u32)r->avail_wrap << 15 |
	       ((u32)r->last_used_idx | (u32)r->used_wrap << 15) << 16;
}

/*
 * SET also takes the vhost-user form, which DPDK's virtio-user sends to a
 * kernel backend too: 16 bits, one state for both sides (a fresh ring is
 * 0x00008000).  Read as the 32-bit form, that would start the used side
 * in lap 0 of a ring whose driver is in lap 1, and the driver would never
 * see a used descriptor.  So an upper half of zero means used = avail.
 * That reading differs from the 32-bit one only for a ring stopped with
 * its used side at position 0 of an even lap and descriptors in flight,
 * which no client hands a kernel backend: they stop a ring with nothing
 * in flight, used = avail, and then both readings agree.
 *
 * Positions are checked against the ring size when the ring starts.
 */
int vhx_ring_set_base(struct vhx_ring *r, u32 base)
{
	vhx_ring_assert_held(r);
	if (!r->packed) {
		if (base > 0xffff)
			return -EINVAL;
		r->last_avail_idx = base;
		r->avail_idx = base;
		return 0;
	}
	if (!(base >> 16))
		base |= base << 16;
	r->last_avail_idx = base & 0x7fff;
	r->avail_wrap = base & 0x8000;
	r->last_used_idx = (base >> 16) & 0x7fff;
	r->used_wrap = base & 0x80000000;
	return 0;
}
