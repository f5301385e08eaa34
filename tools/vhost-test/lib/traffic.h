/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Verified traffic over a ring of either layout to a vhx-test device.  See traffic.c.
 */
#ifndef _VHX_TRAFFIC_H
#define _VHX_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

#include "guestmem.h"
#include "../../../drivers/virtio/vring.h"

#define TRAFFIC_MAX_BUFS	16

struct traffic_params {
	unsigned int max_out;	/* readable buffers per chain, 0..16 */
	unsigned int max_in;	/* writable buffers per chain, 0..16 */
	uint32_t min_len;	/* bytes per buffer */
	uint32_t max_len;
	bool indirect;		/* use indirect tables */
	bool no_verify;		/* benchmarks: fixed shape, no data checks */
	unsigned int seed;
};

struct traffic_slot {
	struct vdrv_buf out[TRAFFIC_MAX_BUFS];
	struct vdrv_buf in[TRAFFIC_MAX_BUFS];
	uint8_t *out_mem, *in_mem;	/* max_len per buffer */
	unsigned int nout, nin;
	uint32_t out_len, out_csum, in_len;
	bool busy;
};

struct traffic {
	struct traffic_params p;
	struct guestmem *g;
	struct vdrv_vq *v;
	struct traffic_slot *slot;	/* v->num of them */
	unsigned int next_slot;
	uint64_t added, completed, bytes_out, bytes_in;
	unsigned int rnd;
	/*
	 * If set: every page of every writable buffer must be dirty here
	 * (bit page % 8 of byte page / 8: any alignment).
	 */
	const uint8_t *log_bitmap;
};

uint32_t traffic_adler32(const uint8_t *p, size_t n, uint32_t adler);
int traffic_init(struct traffic *t, struct guestmem *g, struct vdrv_vq *v,
		 const struct traffic_params *p);
void traffic_fini(struct traffic *t);
int traffic_add(struct traffic *t, unsigned int max);
int traffic_collect(struct traffic *t, unsigned int *n);
unsigned int traffic_in_flight(const struct traffic *t);

/* The vdrv_mem_ops for a guestmem (indirect tables as guestmem blocks). */
extern const struct vdrv_mem_ops traffic_mem_ops;

#endif /* _VHX_TRAFFIC_H */
