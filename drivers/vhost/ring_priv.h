/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the ring code: what ring.c shares with the two layouts, and the
 * layouts' entry points, which ring.c's public calls dispatch to.
 */
#ifndef _VHX_RING_PRIV_H
#define _VHX_RING_PRIV_H

#include "ring.h"

/* A descriptor in host byte order, from either layout. */
struct vhx_desc {
	u64 addr;
	u32 len;
	u16 flags;		/* VRING_DESC_F_*: same bits in both */
	u16 next;		/* split: next in chain; packed: buffer id */
};

/* Descriptors are 16 bytes in both layouts, in rings and indirect tables. */
#define VHX_DESC_SIZE	16
_Static_assert(sizeof(struct vring_desc) == VHX_DESC_SIZE &&
	       sizeof(struct vring_packed_desc) == VHX_DESC_SIZE,
	       "virtio descriptors are 16 bytes");

int vhx_log_range(struct vhx_ring *r, u64 gpa, u64 len);
int vhx_indirect_count(struct vhx_ring *r, const struct vhx_chain *c,
		       const struct vhx_desc *ind);
int vhx_indirect_read(struct vhx_ring *r, const struct vhx_chain *c,
		      const struct vhx_desc *ind, u32 i, void *raw);
int vhx_log_device_area(struct vhx_ring *r, u64 off, u64 len);

/*
 * The per-descriptor and per-used-entry helpers are inline: each layout
 * calls them in its innermost loop.
 */

/* Append the guest buffer @d to the chain's iovecs. */
static inline int vhx_chain_add(struct vhx_ring *r, struct vhx_chain *c,
				const struct vhx_desc *d)
{
	bool writable = d->flags & VRING_DESC_F_WRITE;
	unsigned int used = c->iov_off + c->out + c->in;
	int n;

	if (!writable && c->in) {
		vhx_ring_error(r, "chain %u: readable descriptor after a writable one",
			       c->id);
		return -EINVAL;
	}
	n = vhx_mem_translate(r->mem, d->addr, d->len, r->iov + used,
			      VHX_IOV_MAX - used, &r->mem_hint);
	if (n == -ENOBUFS) {
		vhx_ring_error(r, "chain %u: more than %d iovecs", c->id,
			       VHX_IOV_MAX);
		return n;
	}
	if (n < 0) {
		vhx_ring_error(r, "chain %u: buffer %#llx+%u is outside guest memory",
			       c->id, (unsigned long long)d->addr, d->len);
		return n;
	}
	if (!writable) {
		c->out += n;
		c->out_len += d->len;
		return 0;
	}
	c->in += n;
	c->in_len += d->len;
	if (r->log && d->len) {
		/*
		 * At most one span per descriptor, and each gave an iovec:
		 * spans never outrun iovecs, so log[] cannot overflow.
		 */
		r->log[c->log_off + c->nlog].gpa = d->addr;
		r->log[c->log_off + c->nlog].len = d->len;
		c->nlog++;
	}
	return 0;
}

/*
 * With IN_ORDER the driver knows that buffers come back in the order it
 * made them available, so one used entry (the last buffer's) may stand for
 * a run of them.  It then learns the length of the last one only: a run
 * may only cover entries of length 0 (transmit buffers, say).  Returns
 * how many of the @n entries at @e the next used entry stands for.
 */
static inline unsigned int vhx_used_run(const struct vhx_ring *r,
					const struct vring_used_elem *e,
					unsigned int n)
{
	unsigned int i = 1;

	if (!r->in_order || vhx32(e[0].len))
		return 1;
	while (i < n && !vhx32(e[i].len))
		i++;
	return i;
}


int vhx_split_start(struct vhx_ring *r);
int vhx_split_get(struct vhx_ring *r, struct vhx_chain *c);
int vhx_split_add_used(struct vhx_ring *r, const struct vring_used_elem *e,
		       unsigned int n);
bool vhx_split_should_signal(struct vhx_ring *r);
void vhx_split_disable_notify(struct vhx_ring *r);
int vhx_split_enable_notify(struct vhx_ring *r);
bool vhx_split_avail_pending(struct vhx_ring *r);

int vhx_packed_start(struct vhx_ring *r);
int vhx_packed_get(struct vhx_ring *r, struct vhx_chain *c);
void vhx_packed_unget(struct vhx_ring *r, const struct vhx_chain *c,
		      unsigned int n);
int vhx_packed_add_used(struct vhx_ring *r, const struct vring_used_elem *e,
			unsigned int n);
bool vhx_packed_should_signal(struct vhx_ring *r);
void vhx_packed_disable_notify(struct vhx_ring *r);
int vhx_packed_enable_notify(struct vhx_ring *r);
bool vhx_packed_avail_pending(struct vhx_ring *r);

#endif /* _VHX_RING_PRIV_H */
