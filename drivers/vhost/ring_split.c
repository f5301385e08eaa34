// SPDX-License-Identifier: GPL-2.0
/*
 * The device side of a split virtqueue.
 *
 * A split ring is three areas the guest shares with us: the descriptor
 * table (buffers: guest address, length, flags, next), the avail ring (the
 * heads of chains the guest offers, and its index), and the used ring (the
 * heads we give back, with how much we wrote).  The guest owns the first
 * two and may change them under us at any time, maliciously or by bug.
 *
 * The rules of ring.c hold here: every guest value is read once, bounded
 * before use, and a chain never takes more than num steps.
 */
#include "ring_priv.h"

static void vhx_desc_decode(const struct vring_desc *raw, struct vhx_desc *d)
{
	d->addr = vhx64(raw->addr);
	d->len = vhx32(raw->len);
	d->flags = vhx16(raw->flags);
	d->next = vhx16(raw->next);
}

static int vhx_read_avail_idx(struct vhx_ring *r, u16 *idx)
{
	__virtio16 v;

	if (vhx_ring_get_user(r, v, &r->avail->idx))
		return -EFAULT;
	*idx = vhx16(v);
	return 0;
}

static int vhx_put_used_flags(struct vhx_ring *r)
{
	if (vhx_ring_put_user(r, cpu_to_vhx16(r->used_flags), &r->used->flags)) {
		vhx_ring_error(r, "cannot write used flags at %p", &r->used->flags);
		return -EFAULT;
	}
	return vhx_log_device_area(r, offsetof(struct vring_used, flags),
				   sizeof(r->used->flags));
}

/*
 * The backend was attached: publish our notification flags, and take the
 * used index from the ring itself, so that a ring handed over (after a
 * migration, or a detach and re-attach) carries on where it stood.
 */
int vhx_split_start(struct vhx_ring *r)
{
	__virtio16 v;

	r->avail_idx = r->last_avail_idx;
	if (vhx_put_used_flags(r))
		return -EFAULT;
	if (vhx_ring_get_user(r, v, &r->used->idx)) {
		vhx_ring_error(r, "cannot read used index at %p", &r->used->idx);
		return -EFAULT;
	}
	r->last_used_idx = vhx16(v);
	return 0;
}

/*
 * Walk an indirect table: a chain of its own in guest memory, linked by
 * next like the main table but indexed within the table.  It may not nest.
 */
static int vhx_walk_indirect(struct vhx_ring *r, struct vhx_chain *c,
			     const struct vhx_desc *ind)
{
	int ret = vhx_indirect_count(r, c, ind);
	u32 count, i = 0, steps = 0;

	if (ret < 0)
		return ret;
	count = ret;
	for (;;) {
		struct vring_desc raw;
		struct vhx_desc d;

		if (++steps > count) {
			vhx_ring_error(r, "chain %u: indirect chain loops", c->id);
			return -EINVAL;
		}
		if (vhx_indirect_read(r, c, ind, i, &raw))
			return -EFAULT;
		vhx_desc_decode(&raw, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			vhx_ring_error(r, "chain %u: nested indirect table", c->id);
			return -EINVAL;
		}
		ret = vhx_chain_add(r, c, &d);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= count) {
			vhx_ring_error(r, "chain %u: indirect next %u beyond a table of %u",
				       c->id, d.next, count);
			return -EINVAL;
		}
		i = d.next;
	}
}

/* Take the next chain: see vhx_ring_get_at(). */
int vhx_split_get(struct vhx_ring *r, struct vhx_chain *c)
{
	unsigned int steps = 0;
	__virtio16 raw_head;
	u16 head, i;
	int ret;

	if (r->avail_idx == r->last_avail_idx) {
		u16 idx;

		if (vhx_read_avail_idx(r, &idx)) {
			vhx_ring_error(r, "cannot read avail index at %p",
				       &r->avail->idx);
			return -EFAULT;
		}
		if ((u16)(idx - r->last_avail_idx) > r->num) {
			vhx_ring_error(r, "avail index moved from %u to %u in a ring of %u",
				       r->last_avail_idx, idx, r->num);
			return -EINVAL;
		}
		r->avail_idx = idx;
		if (idx == r->last_avail_idx)
			return 0;
		/* Read the entries only after the index that publishes them. */
		smp_rmb();
	}

	if (vhx_ring_get_user(r, raw_head,
			      &r->avail->ring[r->last_avail_idx & (r->num - 1)])) {
		vhx_ring_error(r, "cannot read avail entry %u", r->last_avail_idx);
		return -EFAULT;
	}
	head = vhx16(raw_head);
	if (head >= r->num) {
		vhx_ring_error(r, "avail entry %u: head %u in a ring of %u",
			       r->last_avail_idx, head, r->num);
		return -EINVAL;
	}

	c->id = head;
	c->pos = r->last_avail_idx;
	i = head;
	for (;;) {
		struct vring_desc raw;
		struct vhx_desc d;

		if (++steps > r->num) {
			vhx_ring_error(r, "chain %u: longer than the ring (%u), it loops",
				       head, r->num);
			return -EINVAL;
		}
		if (vhx_ring_read_desc(r, &raw, r->desc + i)) {
			vhx_ring_error(r, "cannot read descriptor %u at %p", i,
				       r->desc + i);
			return -EFAULT;
		}
		vhx_desc_decode(&raw, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (d.flags & VRING_DESC_F_NEXT) {
				vhx_ring_error(r, "chain %u: indirect descriptor %u also has NEXT",
					       head, i);
				return -EINVAL;
			}
			ret = vhx_walk_indirect(r, c, &d);
			if (ret)
				return ret;
			break;
		}
		ret = vhx_chain_add(r, c, &d);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= r->num) {
			vhx_ring_error(r, "chain %u: next %u in a ring of %u",
				       head, d.next, r->num);
			return -EINVAL;
		}
		i = d.next;
	}

	r->last_avail_idx++;
	return 1;
}

static int vhx_put_used(struct vhx_ring *r, u16 start,
			const struct vring_used_elem *e, unsigned int n)
{
	u64 off = offsetof(struct vring_used, ring[start]);

	if (vhx_ring_copy_to_user(r, &r->used->ring[start], e, n * sizeof(*e))) {
		vhx_ring_error(r, "cannot write used entries at %p",
			       &r->used->ring[start]);
		return -EFAULT;
	}
	return vhx_log_device_area(r, off, n * sizeof(*e));
}

/* Write @n entries from used index @idx on, wrapping at the ring's end. */
static int vhx_put_used_span(struct vhx_ring *r, u16 idx,
			     const struct vring_used_elem *e, unsigned int n)
{
	u16 start = idx & (r->num - 1);
	unsigned int first = min(n, r->num - start);
	int ret;

	ret = vhx_put_used(r, start, e, first);
	if (!ret && n > first)
		ret = vhx_put_used(r, 0, e + first, n - first);
	return ret;
}

/*
 * In order: one entry per run of buffers (vhx_used_run()), at the ring
 * slot of the run's first buffer; the index still counts every buffer.
 * Entries that stand for themselves go out together, in one copy.
 */
static int vhx_split_put_in_order(struct vhx_ring *r,
				  const struct vring_used_elem *e,
				  unsigned int n)
{
	u16 idx = r->last_used_idx;
	unsigned int i = 0, j, run = 1;
	int ret;

	while (i < n) {
		for (j = i; j < n; j++) {
			run = vhx_used_run(r, e + j, n - j);
			if (run > 1)
				break;
		}
		if (j > i) {
			ret = vhx_put_used_span(r, idx, e + i, j - i);
			if (ret)
				return ret;
			idx += j - i;
			i = j;
			continue;
		}
		ret = vhx_put_used_span(r, idx, e + i + run - 1, 1);
		if (ret)
			return ret;
		idx += run;
		i += run;
	}
	return 0;
}

/*
 * Return @n chains to the guest: write the entries (wrapping at the end of
 * the ring), then, after a write barrier, the index that publishes them.
 */
int vhx_split_add_used(struct vhx_ring *r, const struct vring_used_elem *e,
		       unsigned int n)
{
	u16 new = r->last_used_idx + n;
	int ret;

	if (r->in_order)
		ret = vhx_split_put_in_order(r, e, n);
	else
		ret = vhx_put_used_span(r, r->last_used_idx, e, n);
	if (ret)
		return ret;

	/* The entries must be visible before the index that publishes them. */
	smp_wmb();
	if (vhx_ring_put_user(r, cpu_to_vhx16(new), &r->used->idx)) {
		vhx_ring_error(r, "cannot write used index at %p", &r->used->idx);
		return -EFAULT;
	}
	ret = vhx_log_device_area(r, offsetof(struct vring_used, idx),
				  sizeof(r->used->idx));
	r->last_used_idx = new;
	/*
	 * If we went a whole 2^16 entries past our last signal, the index we
	 * remember is ambiguous: signal unconditionally next time.
	 */
	if (unlikely((u16)(new - r->signalled_used) < (u16)n))
		r->signalled_used_valid = false;
	return ret;
}

/*
 * Does the guest want an interrupt for what we just used?  Without
 * EVENT_IDX it says so with a flag; with it, with the used index it wants
 * to hear about (used_event, after the avail ring): signal if our last
 * batch crossed it.  A fault reading either makes us signal: a spurious
 * interrupt is harmless, a lost one hangs the guest.
 */
bool vhx_split_should_signal(struct vhx_ring *r)
{
	u16 old, new, event;
	__virtio16 v;
	bool valid;

	if (r->notify_on_empty && r->avail_idx == r->last_avail_idx) {
		u16 idx;

		if (vhx_read_avail_idx(r, &idx) || idx == r->last_avail_idx)
			return true;
	}

	if (!r->event_idx) {
		if (vhx_ring_get_user(r, v, &r->avail->flags))
			return true;
		return !(vhx16(v) & VRING_AVAIL_F_NO_INTERRUPT);
	}

	old = r->signalled_used;
	valid = r->signalled_used_valid;
	new = r->last_used_idx;
	r->signalled_used = new;
	r->signalled_used_valid = true;
	if (unlikely(!valid))
		return true;
	if (vhx_ring_get_user(r, v, &r->avail->ring[r->num]))
		return true;
	event = vhx16(v);
	/* Did [old, new) step over event?  All in 16-bit wrapping arithmetic. */
	return (u16)(new - event - 1) < (u16)(new - old);
}

/*
 * Ask the guest not to kick us: we are going to look at the ring anyway.
 * With EVENT_IDX this is lazy: the avail_event we published last time
 * already stops kicks until the guest passes it.
 */
void vhx_split_disable_notify(struct vhx_ring *r)
{
	if (r->used_flags & VRING_USED_F_NO_NOTIFY)
		return;
	r->used_flags |= VRING_USED_F_NO_NOTIFY;
	if (!r->event_idx)
		vhx_put_used_flags(r);
}

/* Ask for kicks again, before going idle: see vhx_ring_enable_notify(). */
int vhx_split_enable_notify(struct vhx_ring *r)
{
	__virtio16 __user *avail_event;
	u16 idx;

	if (!(r->used_flags & VRING_USED_F_NO_NOTIFY))
		return 0;
	r->used_flags &= ~VRING_USED_F_NO_NOTIFY;
	if (!r->event_idx) {
		if (vhx_put_used_flags(r))
			return -EFAULT;
	} else {
		avail_event = (__virtio16 __user *)&r->used->ring[r->num];
		if (vhx_ring_put_user(r, cpu_to_vhx16(r->avail_idx), avail_event)) {
			vhx_ring_error(r, "cannot write avail event at %p",
				       avail_event);
			return -EFAULT;
		}
		if (vhx_log_device_area(r,
					offsetof(struct vring_used, ring[r->num]),
					sizeof(*avail_event)))
			return -EFAULT;
	}
	/* Publish the request before looking at the index once more. */
	smp_mb();
	if (vhx_read_avail_idx(r, &idx)) {
		vhx_ring_error(r, "cannot read avail index at %p", &r->avail->idx);
		return -EFAULT;
	}
	return idx != r->avail_idx;
}

/* One read of avail->idx; a fault reads as "no": the get reports it. */
bool vhx_split_avail_pending(struct vhx_ring *r)
{
	u16 idx;

	/*
	 * Against the furthest index read, not last_avail_idx: after an
	 * unget (RX short of buffers) those entries are there but were not
	 * enough, and polling on them would spin.
	 */
	return !vhx_read_avail_idx(r, &idx) && idx != r->avail_idx;
}
