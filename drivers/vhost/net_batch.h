/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batched I/O with a tap (net_batch.c).  TX: frames copied out of the
 * guest into page fragments and handed to tun or macvtap many at a time.
 * RX: frames taken from the tap's ring many at a time, then received one
 * by one.
 */
#ifndef _VHX_NET_BATCH_H
#define _VHX_NET_BATCH_H

#include <linux/mm_types.h>
#include <linux/net.h>
#include <linux/ptr_ring.h>
#include <linux/uio.h>
#include <net/xdp.h>

/* Frames per sendmsg() (TX) or per take from the ring (RX). */
#define VHX_NET_BATCH	64

struct vhx_net_batch {
	struct xdp_buff xdp[VHX_NET_BATCH];
	unsigned int n;			/* frames waiting in xdp[] */
	u64 bytes;			/* their bytes, as the guest gave them */
	struct page_frag frag;		/* where the next frame is copied */
};

int vhx_net_batch_add(struct vhx_net_batch *b, struct socket *sock,
		      struct iov_iter *from, size_t sock_hlen);
int vhx_net_batch_send(struct vhx_net_batch *b, struct socket *sock);
void vhx_net_batch_free(struct vhx_net_batch *b);

static inline bool vhx_net_batch_full(const struct vhx_net_batch *b)
{
	return b->n == VHX_NET_BATCH;
}

/* RX: frames taken from the tap's ring, not yet received by the guest. */
struct vhx_net_rxq {
	void *frames[VHX_NET_BATCH];	/* skbs, or tun's xdp_frames */
	unsigned int head, tail;	/* frames[head..tail) are ours */
	struct ptr_ring *ring;		/* NULL: no ring (a packet socket) */
	struct file *file;		/* the tap the ring belongs to */
};

void vhx_net_rxq_attach(struct vhx_net_rxq *q, struct file *file);
void vhx_net_rxq_detach(struct vhx_net_rxq *q);
int vhx_net_rxq_peek(struct vhx_net_rxq *q);

/* The next frame, for recvmsg()'s msg_control: it is the socket's now. */
static inline void *vhx_net_rxq_take(struct vhx_net_rxq *q)
{
	return q->frames[q->head++];
}

#endif /* _VHX_NET_BATCH_H */
