/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver side of a packed virtqueue, for userspace tools that play the
 * guest.  See vring_packed.c.
 */
#ifndef _VDRV_PACKED_H
#define _VDRV_PACKED_H

#include "vring_split.h"

struct vdrv_packed {
	unsigned int num;
	struct vring_packed_desc *desc;
	struct vring_packed_desc_event *driver;	/* ours: the device reads */
	struct vring_packed_desc_event *device;	/* the device's */
	bool event_idx;

	uint16_t next_avail;	/* slot the next chain starts in */
	bool avail_wrap;
	uint16_t last_used;	/* slot of the next used descriptor */
	bool used_wrap;
	uint16_t num_free;	/* free slots */
	uint16_t added;		/* slots added since the last publish */

	/* Free buffer ids, a stack. */
	uint16_t *free_ids;
	uint16_t nfree_ids;
	/* Per buffer id: the caller's token, slots taken, indirect table. */
	void **token;
	uint16_t *ndesc;
	void **indirect;
	/* IN_ORDER: ids in the order offered, and the run being collected. */
	bool in_order;
	struct vdrv_order order;
	/* Chains added, not published: their first slot and its flags. */
	uint16_t *pend_pos;
	uint16_t *pend_flags;
	unsigned int npend;

	const struct vdrv_mem_ops *ops;
	void *opaque;
};

size_t vdrv_packed_desc_size(unsigned int num);
size_t vdrv_packed_event_size(void);

int vdrv_packed_init(struct vdrv_packed *v, unsigned int num, void *desc,
		     void *driver, void *device, bool event_idx,
		     const struct vdrv_mem_ops *ops, void *opaque);
void vdrv_packed_fini(struct vdrv_packed *v);
int vdrv_packed_add(struct vdrv_packed *v, const struct vdrv_buf *out,
		    unsigned int nout, const struct vdrv_buf *in,
		    unsigned int nin, void *token, bool indirect);
bool vdrv_packed_publish(struct vdrv_packed *v);
int vdrv_packed_get_used(struct vdrv_packed *v, void **token, uint32_t *len);
bool vdrv_packed_enable_cb(struct vdrv_packed *v);
void vdrv_packed_set_in_order(struct vdrv_packed *v, bool on);
void vdrv_packed_disable_cb(struct vdrv_packed *v);

#endif /* _VDRV_PACKED_H */
