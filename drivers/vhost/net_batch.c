// SPDX-License-Identifier: GPL-2.0
/*
 * Batched I/O with a tap: TX first, RX at the end.
 *
 * A small frame costs the tap little to carry and a sendmsg() a lot to
 * start: the socket lookup, the locks, one trip into the stack each.  tun
 * and macvtap can instead take an array of frames in one sendmsg()
 * (TUN_MSG_PTR), each already laid out as the skb it will become: the
 * virtio-net header at the front of the buffer, headroom, the frame, and
 * room for the skb_shared_info at the end.  The stack then builds each skb
 * around that buffer with no further copy.  So for those frames we do the
 * one copy out of the guest ourselves, into page fragments, and hand them
 * over VHX_NET_BATCH at a time.
 *
 * Each frame holds one reference on its fragment's page, which the stack
 * drops when it is done with the skb (or the frame); we only ever drop
 * the ones the stack never took.
 *
 * The catch: a batch succeeds or fails as a whole, and the stack drops a
 * frame of the batch it does not like without saying which.  vhx counts
 * every frame (stats.c), so only frames the stack will take go into a
 * batch; whatever could be refused is sent on its own, where the refusal
 * comes back as an error (vhx_net_batch_add() says which).
 */
#include <linux/if_ether.h>
#include <linux/if_tap.h>
#include <linux/skb_array.h>
#include <linux/skbuff.h>
#include <linux/virtio_net.h>
#include <net/sock.h>

#include "compat.h"
#include "vhx.h"
#include "net_batch.h"

/*
 * A frame the stack takes in a batch: no segmentation, and a checksum to
 * fill in, if any, that lies inside the frame.  Segmentation requests
 * are checked against the packet's own headers, which only the stack
 * reads, and a TSO frame rarely fits in a page anyway.
 */
static bool vhx_net_hdr_plain(const struct virtio_net_hdr *h, size_t frame)
{
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return false;
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return true;
	return (size_t)vhx16(h->csum_start) + vhx16(h->csum_offset) +
	       sizeof(__sum16) <= frame;
}

/*
 * Copy the frame @from holds (the socket's header of @sock_hlen bytes,
 * then the Ethernet frame) into the batch.  0: it is in.  -ENOSPC: send
 * the batch first, then add the frame again (@from is untouched).
 * -EINVAL: the stack could refuse it, -E2BIG: it does not fit in a page,
 * -ENOMEM, -EFAULT: send it on its own (which reports why); @from is
 * consumed in part.
 */
int vhx_net_batch_add(struct vhx_net_batch *b, struct socket *sock,
		      struct iov_iter *from, size_t sock_hlen)
{
	size_t len = iov_iter_count(from), frame, size;
	struct virtio_net_hdr h = {};
	struct xdp_buff *xdp;
	unsigned int pad;
	void *buf;

	/*
	 * Never a runt: tun's batched path once took them unchecked, and
	 * then leaked their page.
	 */
	if (len < sock_hlen + ETH_HLEN)
		return -EINVAL;
	frame = len - sock_hlen;
	/*
	 * The header in front, then the headroom every skb gets, more if an
	 * XDP program may want to push headers.
	 */
	pad = SKB_DATA_ALIGN(VHX_TUN_XDP_HDR_ROOM + NET_SKB_PAD + NET_IP_ALIGN +
			     (sock_flag(sock->sk, SOCK_XDP) ?
			      XDP_PACKET_HEADROOM : 0));
	size = SKB_DATA_ALIGN(pad + frame) +
	       SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	if (size > PAGE_SIZE)
		return -E2BIG;
	/*
	 * A batch ends where its page does.  The stack is usually done with
	 * a batch's frames by the time sendmsg() returns, so the page comes
	 * back whole and the next batch reuses it, still in the cache; a
	 * batch spread over pages would have the page allocator make and
	 * free one every few frames instead.
	 */
	if (b->n && b->frag.offset + size > b->frag.size)
		return -ENOSPC;

	if (sock_hlen) {
		if (copy_from_iter(&h, sizeof(h), from) != sizeof(h))
			return -EFAULT;
		/* num_buffers, if there: meaningless on TX. */
		iov_iter_advance(from, sock_hlen - sizeof(h));
		if (!vhx_net_hdr_plain(&h, frame))
			return -EINVAL;
	}
	if (!skb_page_frag_refill(size, &b->frag, GFP_KERNEL))
		return -ENOMEM;
	buf = page_address(b->frag.page) + b->frag.offset;
	if (copy_from_iter(buf + pad, frame, from) != frame)
		return -EFAULT;
	*vhx_tun_xdp_hdr(buf, size) = h;

	xdp = &b->xdp[b->n++];
	xdp_init_buff(xdp, size, NULL);
	xdp_prepare_buff(xdp, buf, pad, frame, true);
	get_page(b->frag.page);
	/* Sizes are cache-line multiples: the next buffer stays aligned. */
	b->frag.offset += size;
	b->bytes += len;
	return 0;
}

/*
 * Hand the batch to the tap.  Returns 0 or the socket's error, in which
 * case it took none of the frames (the tap was detached meanwhile, say)
 * and their pages are ours to drop.
 */
int vhx_net_batch_send(struct vhx_net_batch *b, struct socket *sock)
{
	struct tun_msg_ctl ctl = {
		.type = TUN_MSG_PTR,
		.num = b->n,
		.ptr = b->xdp,
	};
	struct msghdr msg = {
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
		.msg_flags = MSG_DONTWAIT,
	};
	unsigned int i;
	int ret;

	ret = sock->ops->sendmsg(sock, &msg, 0);
	if (ret < 0)
		for (i = 0; i < b->n; i++)
			put_page(virt_to_head_page(b->xdp[i].data));
	b->n = 0;
	b->bytes = 0;
	return ret < 0 ? ret : 0;
}

/* The page the next frames would have gone to (the batch is empty). */
void vhx_net_batch_free(struct vhx_net_batch *b)
{
	if (b->frag.page)
		put_page(b->frag.page);
	b->frag.page = NULL;
}

/*
 * RX.  A tap queues what it has for the guest in a ptr_ring, and its
 * recvmsg() takes one frame from the ring per call, locking the ring each
 * time, after a peek that locks it too.  Instead we take up to
 * VHX_NET_BATCH frames in one go, peek at our own copy, and hand each
 * frame to recvmsg() in msg_control, which then receives that frame and
 * no other.  Frames we took and the guest has not received (its buffers
 * ran out, the backend is detached) are ours until they go back to the
 * front of the ring, in order, at detach.
 */
void vhx_net_rxq_attach(struct vhx_net_rxq *q, struct file *file)
{
	struct ptr_ring *ring = tun_get_tx_ring(file);

	if (IS_ERR(ring))
		ring = tap_get_ptr_ring(file);
	q->ring = IS_ERR(ring) ? NULL : ring;
	q->file = file;
	q->head = 0;
	q->tail = 0;
}

/*
 * Give back what the guest did not take; frames the ring has no room for
 * any more are freed (dropped), as the tap would have.
 */
void vhx_net_rxq_detach(struct vhx_net_rxq *q)
{
	if (q->ring && q->head != q->tail)
		ptr_ring_unconsume(q->ring, q->frames + q->head,
				   q->tail - q->head, tun_ptr_free);
	q->head = 0;
	q->tail = 0;
	q->ring = NULL;
	q->file = NULL;
}

/* The length of the next frame (with a VLAN tag, if it has one); 0: none. */
int vhx_net_rxq_peek(struct vhx_net_rxq *q)
{
	void *f;

	if (q->head == q->tail) {
		q->head = 0;
		q->tail = vhx_tap_ring_consume(q->file, q->ring, q->frames,
					       VHX_NET_BATCH);
		if (!q->tail)
			return 0;
	}
	f = q->frames[q->head];
	if (tun_is_xdp_frame(f))
		return tun_ptr_to_xdp(f)->len;
	return __skb_array_len_with_tag(f);
}
