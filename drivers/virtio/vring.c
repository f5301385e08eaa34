// SPDX-License-Identifier: GPL-2.0
/*
 * A driver-side virtqueue of either layout, in userspace: one call each
 * for the tools, dispatched to vring_split.c or vring_packed.c.
 */
#include "vring.h"

size_t vdrv_desc_size(bool packed, unsigned int num)
{
	return packed ? vdrv_packed_desc_size(num) : vdrv_split_desc_size(num);
}

size_t vdrv_driver_size(bool packed, unsigned int num)
{
	return packed ? vdrv_packed_event_size() : vdrv_split_avail_size(num);
}

size_t vdrv_device_size(bool packed, unsigned int num)
{
	return packed ? vdrv_packed_event_size() : vdrv_split_used_size(num);
}

/* Area 0: descriptors (16); 1: avail or driver events; 2: used or device. */
size_t vdrv_area_align(bool packed, unsigned int area)
{
	static const size_t split[] = { 16, 2, 4 }, pk[] = { 16, 4, 4 };

	return packed ? pk[area] : split[area];
}

/* Packed: where the next chain goes, as both positions. */
uint32_t vdrv_stopped_base(const struct vdrv_vq *q)
{
	uint32_t at;

	if (!q->packed)
		return q->s.published;
	at = q->p.next_avail | (q->p.avail_wrap ? 0x8000 : 0);
	return at | at << 16;
}

int vdrv_init(struct vdrv_vq *q, bool packed, unsigned int num, void *desc,
	      void *driver, void *device, bool event_idx,
	      const struct vdrv_mem_ops *ops, void *opaque)
{
	q->packed = packed;
	if (packed)
		return vdrv_packed_init(&q->p, num, desc, driver, device,
					event_idx, ops, opaque);
	return vdrv_split_init(&q->s, num, desc, driver, device, event_idx,
			       ops, opaque);
}

/* VIRTIO_F_IN_ORDER negotiated: before the first chain is added. */
void vdrv_set_in_order(struct vdrv_vq *q, bool on)
{
	if (q->packed)
		vdrv_packed_set_in_order(&q->p, on);
	else
		vdrv_split_set_in_order(&q->s, on);
}

void vdrv_fini(struct vdrv_vq *q)
{
	if (q->packed)
		vdrv_packed_fini(&q->p);
	else
		vdrv_split_fini(&q->s);
}

int vdrv_add(struct vdrv_vq *q, const struct vdrv_buf *out, unsigned int nout,
	     const struct vdrv_buf *in, unsigned int nin, void *token,
	     bool indirect)
{
	if (q->packed)
		return vdrv_packed_add(&q->p, out, nout, in, nin, token,
				       indirect);
	return vdrv_split_add(&q->s, out, nout, in, nin, token, indirect);
}

bool vdrv_publish(struct vdrv_vq *q)
{
	return q->packed ? vdrv_packed_publish(&q->p) :
			   vdrv_split_publish(&q->s);
}

int vdrv_get_used(struct vdrv_vq *q, void **token, uint32_t *len)
{
	return q->packed ? vdrv_packed_get_used(&q->p, token, len) :
			   vdrv_split_get_used(&q->s, token, len);
}

bool vdrv_enable_cb(struct vdrv_vq *q)
{
	return q->packed ? vdrv_packed_enable_cb(&q->p) :
			   vdrv_split_enable_cb(&q->s);
}

void vdrv_disable_cb(struct vdrv_vq *q)
{
	if (q->packed)
		vdrv_packed_disable_cb(&q->p);
	else
		vdrv_split_disable_cb(&q->s);
}

unsigned int vdrv_num(const struct vdrv_vq *q)
{
	return q->packed ? q->p.num : q->s.num;
}

unsigned int vdrv_num_free(const struct vdrv_vq *q)
{
	return q->packed ? q->p.num_free : q->s.num_free;
}
