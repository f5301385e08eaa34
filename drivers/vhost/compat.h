/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels vhx builds for (6.1, 6.12,
 * 7.3).  This is the only place that tests the kernel version: the rest of
 * vhx calls these wrappers.  Past 6.12 three things changed for vhx: how
 * the worker's creation fails (6.14), the layout of a batched tap frame
 * (6.17) and what taking frames from a tap's ring entails (7.2), all
 * below.
 */
#ifndef _VHX_COMPAT_H
#define _VHX_COMPAT_H

#include <linux/eventfd.h>
#include <linux/if_tun.h>
#include <linux/ptr_ring.h>
#include <linux/version.h>

/* 6.8 dropped the counter argument: every signal adds 1. */
static inline void vhx_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * Batched TX to a tap (net_batch.c): tun and macvtap read each frame's
 * virtio-net header from the start of its buffer.  Until 6.17 the header
 * sat in a struct tun_xdp_hdr, after the buffer's length; from 6.17 it
 * stands alone, and the length is the xdp_buff's frame_sz.
 * vhx_tun_xdp_hdr() stores what the kernel wants besides the header and
 * returns where the header goes; VHX_TUN_XDP_HDR_ROOM is what that takes.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
#define VHX_TUN_XDP_HDR_ROOM	sizeof(struct tun_xdp_hdr)

static inline struct virtio_net_hdr *vhx_tun_xdp_hdr(void *buf,
						     unsigned int buflen)
{
	struct tun_xdp_hdr *h = buf;

	h->buflen = buflen;
	return &h->gso;
}
#else
#define VHX_TUN_XDP_HDR_ROOM	sizeof(struct virtio_net_hdr)

static inline struct virtio_net_hdr *vhx_tun_xdp_hdr(void *buf,
						     unsigned int buflen)
{
	return buf;
}
#endif

/*
 * Batched RX from a tap (net_batch.c): take up to @n frames from the
 * ring behind @file at once.  In 7.2 tun learned to stop its queue when
 * the ring is full rather than drop (with IFF_BACKPRESSURE), and whoever
 * takes frames from the ring must then wake it: tun_wake_queue(), under
 * the ring's consumer lock (it does nothing for other files, macvtap
 * among them).  Read in Debian's 7.3 source; on a 7.2 without it the
 * build fails on the missing symbol rather than stalling.  Before 7.2
 * nothing stops the queue.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
static inline int vhx_tap_ring_consume(struct file *file, struct ptr_ring *r,
				       void **frames, int n)
{
	spin_lock(&r->consumer_lock);
	n = __ptr_ring_consume_batched(r, frames, n);
	if (n)
		tun_wake_queue(file, n);
	spin_unlock(&r->consumer_lock);
	return n;
}
#else
static inline int vhx_tap_ring_consume(struct file *file, struct ptr_ring *r,
				       void **frames, int n)
{
	return ptr_ring_consume_batched(r, frames, n);
}
#endif

/*
 * The worker's task (task.c): from 6.10 the kernel's vhost_task, a thread
 * of the owner process; before, a kthread of our own.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define VHX_HAVE_VHOST_TASK
#endif

#endif /* _VHX_COMPAT_H */
