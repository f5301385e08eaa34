/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IN_ORDER bookkeeping of the driver side, the same for both ring layouts.
 *
 * With VIRTIO_F_IN_ORDER the device uses buffers in the order they were
 * offered, and may say so for a whole run of them with one used entry: the
 * one naming the run's last buffer.  So the driver keeps the ids it
 * offered in a FIFO; a used entry opens a run, and buffers leave the FIFO
 * one at a time until the named one has.
 *
 * The used length is written for the named buffer only.  The others were
 * used whole: every device-writable byte of them (nothing, for a buffer
 * the device only reads).  That is what lets a device batch received
 * frames that span several buffers (mergeable RX: each buffer but the
 * last is full), as Linux's vhost_net does from 6.17 and Linux's driver
 * reads it.
 */
#ifndef _VDRV_ORDER_H
#define _VDRV_ORDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct vdrv_order {
	unsigned int num;
	uint16_t *fifo;		/* ids as offered */
	unsigned int head, n;
	uint32_t *in_len;	/* per id: its device-writable bytes */
	bool run;		/* a used entry is being collected */
	uint16_t run_id;	/* ...naming this id */
	uint32_t run_len;	/* ...with this used length */
};

static inline int vdrv_order_init(struct vdrv_order *o, unsigned int num)
{
	o->num = num;
	o->head = 0;
	o->n = 0;
	o->run = false;
	o->fifo = calloc(num, sizeof(*o->fifo));
	o->in_len = calloc(num, sizeof(*o->in_len));
	return o->fifo && o->in_len ? 0 : -1;
}

static inline void vdrv_order_fini(struct vdrv_order *o)
{
	free(o->fifo);
	free(o->in_len);
	o->fifo = NULL;
	o->in_len = NULL;
}

/* A buffer offered: id, with in_len bytes the device may write. */
static inline void vdrv_order_push(struct vdrv_order *o, uint16_t id,
				   uint32_t in_len)
{
	o->fifo[(o->head + o->n++) % o->num] = id;
	o->in_len[id] = in_len;
}

/* Is a run open, or must the next used entry be read first? */
static inline bool vdrv_order_in_run(const struct vdrv_order *o)
{
	return o->run;
}

/* The used entry just read names id, with used length len. */
static inline void vdrv_order_open(struct vdrv_order *o, uint16_t id,
				   uint32_t len)
{
	o->run = true;
	o->run_id = id;
	o->run_len = len;
}

/* The next buffer of the run, and its used length. */
static inline uint16_t vdrv_order_pop(struct vdrv_order *o, uint32_t *len)
{
	uint16_t id = o->fifo[o->head];

	o->head = (o->head + 1) % o->num;
	o->n--;
	*len = o->in_len[id];
	if (id == o->run_id) {
		*len = o->run_len;
		o->run = false;
	}
	return id;
}

#endif /* _VDRV_ORDER_H */
