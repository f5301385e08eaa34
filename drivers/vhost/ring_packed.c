// SPDX-License-Identifier: GPL-2.0
/*
 * The device side of a packed virtqueue (VIRTIO_F_RING_PACKED).
 *
 * One ring of descriptors carries buffers both ways.  The driver writes a
 * chain into consecutive slots and makes it available by flipping the
 * AVAIL and USED bits of its first descriptor to match its wrap counter;
 * we walk the slots in order, and give buffers back by writing a used
 * descriptor (buffer id, length, both bits equal to our wrap counter) in
 * the next slot of our own, then stepping over as many slots as the
 * chain took.  Each side's wrap counter flips whenever its position wraps
 * around the ring, which is what tells this lap's descriptors from the
 * last one's.  Notifications are suppressed through two small structures
 * instead of flags in the rings: the driver's (which we read) and ours.
 *
 * Compared with the split ring, the guest controls more of what we walk:
 * every slot's flags, the buffer ids, and where chains end.  So beyond the
 * rules of ring.c: every descriptor of a chain must be available in the
 * current lap (a slot of the last lap means the driver lost its wrap
 * counter), a chain takes at most num slots, a buffer id must be below num
 * and not already in flight (ids[]), and the driver cannot make us write a
 * used entry for anything we did not take.
 */
#include "ring_priv.h"

#define VHX_PF_AVAIL	(1 << VRING_PACKED_DESC_F_AVAIL)
#define VHX_PF_USED	(1 << VRING_PACKED_DESC_F_USED)
#define VHX_PF_WRAP	(1 << VRING_PACKED_EVENT_F_WRAP_CTR)

/* Did the driver make a slot with @flags available in lap @wrap? */
static bool vhx_packed_is_avail(u16 flags, bool wrap)
{
	return !!(flags & VHX_PF_AVAIL) == wrap &&
	       !!(flags & VHX_PF_USED) != wrap;
}

static int vhx_packed_flags(struct vhx_ring *r, u16 pos, u16 *flags)
{
	__le16 v;

	if (vhx_ring_get_user(r, v, &r->pdesc[pos].flags)) {
		vhx_ring_error(r, "cannot read descriptor %u at %p", pos,
			       &r->pdesc[pos]);
		return -EFAULT;
	}
	*flags = le16_to_cpu(v);
	return 0;
}

/*
 * Log a used descriptor we wrote.  The launcher gives us the guest address
 * of our event structure only (log_guest_addr, QEMU's used_phys), but
 * used entries land in the descriptor ring: its guest address comes from
 * the memory table, by its user address.
 */
static int vhx_packed_log_desc(struct vhx_ring *r, u16 pos)
{
	u64 hva = (unsigned long)(r->pdesc + pos), gpa;

	if (vhx_mem_hva_to_gpa(r->mem, hva, sizeof(*r->pdesc), &gpa)) {
		vhx_ring_error(r, "descriptor %u at %p is not in guest memory: cannot log it",
			       pos, &r->pdesc[pos]);
		return -EFAULT;
	}
	return vhx_log_range(r, gpa, sizeof(*r->pdesc));
}

static int vhx_packed_put_event(struct vhx_ring *r, u16 flags)
{
	struct vring_packed_desc_event __user *ev = r->device_event;

	if (vhx_ring_put_user(r, cpu_to_le16(flags), &ev->flags)) {
		vhx_ring_error(r, "cannot write event flags at %p", &ev->flags);
		return -EFAULT;
	}
	return vhx_log_device_area(r, offsetof(typeof(*ev), flags),
				   sizeof(ev->flags));
}

/*
 * With EVENT_IDX, we ask for a kick when the driver makes our next slot
 * available (descriptor mode), not for every kick (enable mode).  That
 * also makes disabling free: once we move past that slot, the driver's
 * later buffers are not where we asked to hear about.
 */
static int vhx_packed_want_kick(struct vhx_ring *r)
{
	struct vring_packed_desc_event __user *ev = r->device_event;
	u16 off = r->probe_idx | (r->probe_wrap ? VHX_PF_WRAP : 0);

	if (!r->event_idx)
		return vhx_packed_put_event(r, VRING_PACKED_EVENT_FLAG_ENABLE);
	if (vhx_ring_put_user(r, cpu_to_le16(off), &ev->off_wrap)) {
		vhx_ring_error(r, "cannot write event offset at %p",
			       &ev->off_wrap);
		return -EFAULT;
	}
	if (vhx_log_device_area(r, offsetof(typeof(*ev), off_wrap),
				sizeof(ev->off_wrap)))
		return -EFAULT;
	/* The offset must be in place before the flags that point to it. */
	smp_wmb();
	return vhx_packed_put_event(r, VRING_PACKED_EVENT_FLAG_DESC);
}

int vhx_packed_start(struct vhx_ring *r)
{
	if (r->last_avail_idx >= r->num || r->last_used_idx >= r->num) {
		vhx_ring_error(r, "ring base: avail %u, used %u in a ring of %u",
			       r->last_avail_idx, r->last_used_idx, r->num);
		return -EINVAL;
	}
	if (!r->ids)
		return -ENOMEM;
	/* Nothing is in flight when a backend attaches. */
	memset(r->ids, 0, r->num * sizeof(*r->ids));
	r->probe_idx = r->last_avail_idx;
	r->probe_wrap = r->avail_wrap;
	r->used_since_signal = 0;
	if (!r->event_idx && r->kicks_off)
		return vhx_packed_put_event(r, VRING_PACKED_EVENT_FLAG_DISABLE);
	return vhx_packed_want_kick(r);
}

static void vhx_packed_decode(const struct vring_packed_desc *raw,
			      struct vhx_desc *d)
{
	d->addr = le64_to_cpu(raw->addr);
	d->len = le32_to_cpu(raw->len);
	d->flags = le16_to_cpu(raw->flags);
	d->next = le16_to_cpu(raw->id);
}

/*
 * An indirect table: descriptors in a row, as many as its length says.
 * Only the WRITE flag means anything there; the spec has the device
 * ignore the others (and the ids).
 *
 * On a queue whose buffers the device only reads (net TX), WRITE is
 * ignored too.  DPDK's virtio PMD (all versions since 20.11) builds its
 * packed TX tables with the virtio-net header's entry flagged WRITE and
 * the frame's entries after it readable; its own vhost library ignores
 * the flag on TX, and every DPDK frame with more than one segment would
 * otherwise be refused.  Reading memory the driver called writable gives
 * the device nothing it may not have: it is the driver's memory, found in
 * the memory table like any other buffer.
 */
static int vhx_packed_walk_indirect(struct vhx_ring *r, struct vhx_chain *c,
				    const struct vhx_desc *ind)
{
	int ret = vhx_indirect_count(r, c, ind);
	u32 count, i;

	if (ret < 0)
		return ret;
	count = ret;
	for (i = 0; i < count; i++) {
		struct vring_packed_desc raw;
		struct vhx_desc d;

		if (vhx_indirect_read(r, c, ind, i, &raw))
			return -EFAULT;
		vhx_packed_decode(&raw, &d);
		d.flags &= r->device_reads ? 0 : VRING_DESC_F_WRITE;
		ret = vhx_chain_add(r, c, &d);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Take the next chain: see vhx_ring_get_at().  c->id is the chain's
 * first slot while we walk it (for messages), its buffer id once taken.
 */
int vhx_packed_get(struct vhx_ring *r, struct vhx_chain *c)
{
	u16 pos = r->last_avail_idx, id = 0, flags;
	bool wrap = r->avail_wrap;
	unsigned int steps = 0;
	int ret;

	if (vhx_packed_flags(r, pos, &flags))
		return -EFAULT;
	if (!vhx_packed_is_avail(flags, wrap)) {
		r->probe_idx = pos;
		r->probe_wrap = wrap;
		return 0;
	}
	/* Read the chain only after the flags that publish it. */
	smp_rmb();

	c->id = pos;
	c->pos = pos | (wrap ? VHX_PF_WRAP : 0);
	for (;;) {
		struct vring_packed_desc raw;
		struct vhx_desc d;

		if (++steps > r->num) {
			vhx_ring_error(r, "chain %u: longer than the ring (%u)",
				       c->id, r->num);
			return -EINVAL;
		}
		if (vhx_ring_read_desc(r, &raw, r->pdesc + pos)) {
			vhx_ring_error(r, "cannot read descriptor %u at %p", pos,
				       r->pdesc + pos);
			return -EFAULT;
		}
		vhx_packed_decode(&raw, &d);
		if (!vhx_packed_is_avail(d.flags, wrap)) {
			vhx_ring_error(r, "chain %u: descriptor %u is not available in lap %u (flags %#x)",
				       c->id, pos, wrap, d.flags);
			return -EINVAL;
		}
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (d.flags & VRING_DESC_F_NEXT) {
				vhx_ring_error(r, "chain %u: indirect descriptor %u also has NEXT",
					       c->id, pos);
				return -EINVAL;
			}
			ret = vhx_packed_walk_indirect(r, c, &d);
		} else {
			ret = vhx_chain_add(r, c, &d);
		}
		if (ret)
			return ret;
		/* The buffer id is the one in the chain's last descriptor. */
		id = d.next;
		if (++pos == r->num) {
			pos = 0;
			wrap = !wrap;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
	}

	if (id >= r->num) {
		vhx_ring_error(r, "chain %u: buffer id %u in a ring of %u",
			       c->id, id, r->num);
		return -EINVAL;
	}
	if (r->ids[id]) {
		vhx_ring_error(r, "chain %u: buffer id %u is already in flight",
			       c->id, id);
		return -EINVAL;
	}
	r->ids[id] = steps;
	c->id = id;
	r->last_avail_idx = pos;
	r->avail_wrap = wrap;
	return 1;
}

void vhx_packed_unget(struct vhx_ring *r, const struct vhx_chain *c,
		      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		r->ids[c[i].id] = 0;
	r->last_avail_idx = c->pos & ~VHX_PF_WRAP;
	r->avail_wrap = c->pos & VHX_PF_WRAP;
}

/*
 * The slots taken by the buffers of @e[0 .. n), which must be in flight:
 * how far the used position moves past them.  They are no longer in
 * flight after this.  0 for an id we never took (our bug, not the guest's).
 */
static unsigned int vhx_packed_retire(struct vhx_ring *r,
				      const struct vring_used_elem *e,
				      unsigned int n)
{
	unsigned int i, slots = 0;

	for (i = 0; i < n; i++) {
		u32 id = vhx32(e[i].id);

		if (id >= r->num || !r->ids[id]) {
			vhx_ring_error(r, "used buffer id %u was not in flight", id);
			return 0;
		}
		slots += r->ids[id];
		r->ids[id] = 0;
	}
	return slots;
}

/*
 * A used descriptor's length, id and flags are its last 8 bytes: one
 * store, in the ring's byte order.
 */
static __le64 vhx_packed_used_word(u32 len, u16 id, u16 flags)
{
	return cpu_to_le64((u64)len | (u64)id << 32 | (u64)flags << 48);
}

/*
 * Return @n buffers: one used descriptor each, in our next slots (with
 * IN_ORDER, one per run: vhx_used_run()).  The driver reads them in order
 * and stops at the first that is not yet used in its lap.  So the first
 * one's flags are written last, after a write barrier: the batch appears
 * at once, and every other entry can be written whole, in one store.
 */
int vhx_packed_add_used(struct vhx_ring *r, const struct vring_used_elem *e,
			unsigned int n)
{
	u16 pos = r->last_used_idx, first = pos, first_flags = 0;
	bool wrap = r->used_wrap;
	unsigned int i, run;

	for (i = 0; i < n; i += run) {
		struct vring_packed_desc __user *d = r->pdesc + pos;
		u16 flags = wrap ? VHX_PF_AVAIL | VHX_PF_USED : 0;
		unsigned int ndesc;
		u32 id, len;
		int err;

		run = vhx_used_run(r, e + i, n - i);
		id = vhx32(e[i + run - 1].id);
		len = vhx32(e[i + run - 1].len);
		ndesc = vhx_packed_retire(r, e + i, run);
		if (!ndesc)
			return -EINVAL;
		if (i) {
			err = vhx_ring_put_user(r,
						vhx_packed_used_word(len, id, flags),
						(__le64 __user *)&d->len);
		} else {
			first_flags = flags;
			err = vhx_ring_put_user(r, cpu_to_le32(len), &d->len) ||
			      vhx_ring_put_user(r, cpu_to_le16(id), &d->id);
		}
		if (err) {
			vhx_ring_error(r, "cannot write used descriptor %u at %p",
				       pos, d);
			return -EFAULT;
		}
		if (unlikely(r->log_used && r->log_base) &&
		    vhx_packed_log_desc(r, pos))
			return -EFAULT;
		r->used_since_signal += ndesc;
		pos += ndesc;
		if (pos >= r->num) {
			pos -= r->num;
			wrap = !wrap;
		}
	}

	/* Every entry of the batch before the flags that publish them all. */
	smp_wmb();
	if (vhx_ring_put_user(r, cpu_to_le16(first_flags),
			      &r->pdesc[first].flags)) {
		vhx_ring_error(r, "cannot write used descriptor %u at %p",
			       first, &r->pdesc[first]);
		return -EFAULT;
	}
	r->last_used_idx = pos;
	r->used_wrap = wrap;
	return 0;
}

/*
 * Does the driver want an interrupt?  Its event structure says always,
 * never, or (with EVENT_IDX) when we use the slot at a given position and
 * lap: then signal if the slots we used since the last check cover it.
 * As for the split ring, a fault or anything unclear means signal.
 */
bool vhx_packed_should_signal(struct vhx_ring *r)
{
	u32 since = r->used_since_signal;
	bool valid = r->signalled_used_valid;
	u16 flags, off, event, old, new;
	__le16 v;

	r->used_since_signal = 0;
	r->signalled_used_valid = true;
	if (r->notify_on_empty && !vhx_packed_avail_pending(r))
		return true;
	if (vhx_ring_get_user(r, v, &r->driver_event->flags))
		return true;
	flags = le16_to_cpu(v);
	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE)
		return false;
	if (flags != VRING_PACKED_EVENT_FLAG_DESC || !r->event_idx)
		return true;
	if (!valid || since >= r->num)
		return true;
	/* The offset only after the flags that say it is meant. */
	smp_rmb();
	if (vhx_ring_get_user(r, v, &r->driver_event->off_wrap))
		return true;
	off = le16_to_cpu(v);
	/*
	 * Put everything on one line of 16-bit numbers ending at our position
	 * (new): a slot of the previous lap sits num before its position.
	 */
	event = off & ~VHX_PF_WRAP;
	if (!!(off & VHX_PF_WRAP) != r->used_wrap)
		event -= r->num;
	new = r->last_used_idx;
	old = new - since;
	return (u16)(new - event - 1) < (u16)(new - old);
}

void vhx_packed_disable_notify(struct vhx_ring *r)
{
	if (r->kicks_off)
		return;
	r->kicks_off = true;
	/* With EVENT_IDX, lazily: see vhx_packed_want_kick(). */
	if (!r->event_idx)
		vhx_packed_put_event(r, VRING_PACKED_EVENT_FLAG_DISABLE);
}

int vhx_packed_enable_notify(struct vhx_ring *r)
{
	u16 flags;

	if (!r->kicks_off)
		return 0;
	r->kicks_off = false;
	if (vhx_packed_want_kick(r))
		return -EFAULT;
	/* Publish the request before looking at the ring once more. */
	smp_mb();
	if (vhx_packed_flags(r, r->probe_idx, &flags))
		return -EFAULT;
	return vhx_packed_is_avail(flags, r->probe_wrap);
}

bool vhx_packed_avail_pending(struct vhx_ring *r)
{
	u16 pos = r->probe_idx;
	__le16 v;

	return !vhx_ring_get_user(r, v, &r->pdesc[pos].flags) &&
	       vhx_packed_is_avail(le16_to_cpu(v), r->probe_wrap);
}
