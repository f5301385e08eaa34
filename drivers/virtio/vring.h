/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A driver-side virtqueue of either layout: what the tools call, so that
 * every test runs on split and packed rings alike.  See vring.c.
 */
#ifndef _VDRV_VRING_H
#define _VDRV_VRING_H

#include "vring_packed.h"
#include "vring_split.h"

struct vdrv_vq {
	bool packed;
	union {
		struct vdrv_split s;
		struct vdrv_packed p;
	};
};

/* The three areas, in the order the vring address ioctl takes them. */
size_t vdrv_desc_size(bool packed, unsigned int num);
size_t vdrv_driver_size(bool packed, unsigned int num);
size_t vdrv_device_size(bool packed, unsigned int num);
size_t vdrv_area_align(bool packed, unsigned int area);
/*
 * What VHOST_GET_VRING_BASE must say once the device stopped, having taken
 * and used everything published.
 */
uint32_t vdrv_stopped_base(const struct vdrv_vq *q);

int vdrv_init(struct vdrv_vq *q, bool packed, unsigned int num, void *desc,
	      void *driver, void *device, bool event_idx,
	      const struct vdrv_mem_ops *ops, void *opaque);
void vdrv_fini(struct vdrv_vq *q);
void vdrv_set_in_order(struct vdrv_vq *q, bool on);
int vdrv_add(struct vdrv_vq *q, const struct vdrv_buf *out, unsigned int nout,
	     const struct vdrv_buf *in, unsigned int nin, void *token,
	     bool indirect);
bool vdrv_publish(struct vdrv_vq *q);
int vdrv_get_used(struct vdrv_vq *q, void **token, uint32_t *len);
bool vdrv_enable_cb(struct vdrv_vq *q);
void vdrv_disable_cb(struct vdrv_vq *q);
unsigned int vdrv_num(const struct vdrv_vq *q);
unsigned int vdrv_num_free(const struct vdrv_vq *q);

#endif /* _VDRV_VRING_H */
