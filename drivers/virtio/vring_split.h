/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver side of a split virtqueue, for userspace tools that play the
 * guest.  See vring_split.c.
 */
#ifndef _VDRV_SPLIT_H
#define _VDRV_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_ring.h>

#include "vring_order.h"

struct vdrv_buf {
	void *addr;		/* where the driver sees it */
	uint32_t len;
};

/* The sum of a chain's device-writable lengths. */
static inline uint32_t vdrv_in_len(const struct vdrv_buf *in, unsigned int nin)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < nin; i++)
		sum += in[i].len;
	return sum;
}

/* How the driver reaches the guest's memory. */
struct vdrv_mem_ops {
	/* Guest-physical address of a driver pointer. */
	uint64_t (*gpa)(void *opaque, const void *addr);
	/* Memory for indirect tables, inside guest memory. */
	void *(*alloc)(void *opaque, size_t size);
	void (*free)(void *opaque, void *addr);
};

struct vdrv_split {
	unsigned int num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool event_idx;

	uint16_t free_head;	/* free descriptors, linked through next */
	uint16_t num_free;
	uint16_t avail_idx;	/* next avail entry (not yet published) */
	uint16_t published;	/* avail->idx as we last wrote it */
	uint16_t last_used;	/* next used entry to collect */

	/* Per head: the caller's token, descriptors taken, indirect table. */
	void **token;
	uint16_t *ndesc;
	void **indirect;

	/*
	 * IN_ORDER: descriptors are handed out in ring order (freed chains
	 * join the tail of the free list), and one used entry may complete
	 * a run of heads (vring_order.h).
	 */
	bool in_order;
	uint16_t free_tail;
	struct vdrv_order order;

	const struct vdrv_mem_ops *ops;
	void *opaque;
};

size_t vdrv_split_desc_size(unsigned int num);
size_t vdrv_split_avail_size(unsigned int num);
size_t vdrv_split_used_size(unsigned int num);

int vdrv_split_init(struct vdrv_split *v, unsigned int num, void *desc,
		    void *avail, void *used, bool event_idx,
		    const struct vdrv_mem_ops *ops, void *opaque);
void vdrv_split_fini(struct vdrv_split *v);
int vdrv_split_add(struct vdrv_split *v, const struct vdrv_buf *out,
		   unsigned int nout, const struct vdrv_buf *in,
		   unsigned int nin, void *token, bool indirect);
bool vdrv_split_publish(struct vdrv_split *v);
int vdrv_split_get_used(struct vdrv_split *v, void **token, uint32_t *len);
bool vdrv_split_enable_cb(struct vdrv_split *v);
void vdrv_split_set_in_order(struct vdrv_split *v, bool on);
void vdrv_split_disable_cb(struct vdrv_split *v);

#endif /* _VDRV_SPLIT_H */
