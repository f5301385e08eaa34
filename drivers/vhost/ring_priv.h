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

int vhx_log_range(struct vhx_ring *r, u64 gpa, u64 len);
unsigned int vhx_used_run(const struct vhx_ring *r,
			  const struct vring_used_elem *e, unsigned int n);
void vhx_chain_begin(struct vhx_chain *c, u16 avail, unsigned int iov_off,
		     unsigned int log_off);
int vhx_chain_add(struct vhx_ring *r, struct vhx_chain *c,
		  const struct vhx_desc *d);

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
