/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batched TX towards a tap (net_batch.c): frames copied out of the guest
 * into page fragments and handed to tun or macvtap many at a time.
 */
#ifndef _VHX_NET_BATCH_H
#define _VHX_NET_BATCH_H

#include <linux/mm_types.h>
#include <linux/net.h>
#include <linux/uio.h>
#include <net/xdp.h>

/* Frames per sendmsg(); a run of the TX handler may send several. */
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

#endif /* _VHX_NET_BATCH_H */
