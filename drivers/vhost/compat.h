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

#include <linux/err.h>
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
 * The worker task: vhx_task_create(fn, kill, arg, name) makes a task that
 * calls fn(arg) in a loop, in the caller's address space and cgroups.  fn
 * is entered in TASK_INTERRUPTIBLE and returns whether it found work; when
 * it did not, the task sleeps until vhx_task_wake().  vhx_task_stop()
 * ends the loop and frees the task.
 *
 * From 6.10 this is the kernel's vhost_task: a thread of the owner
 * process, so its mm, cgroups, rlimits and CPU accounting are the owner's
 * by construction.  Being a thread, it dies with the process: on SIGKILL
 * it calls kill(arg) in its own context before exiting, and the caller
 * must then stop waking it, since the task may be gone.  kill and
 * vhx_task_stop() exclude each other; after kill has run, stop only
 * waits and frees.
 *
 * Before that, a kthread that borrows the owner's mm and joins its
 * cgroups (as vhost did for years).  A kthread ignores signals: kill is
 * never called.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#include <linux/sched/vhost_task.h>

#define vhx_task vhost_task

static inline struct vhost_task *
vhx_task_create(bool (*fn)(void *), void (*kill)(void *), void *arg,
		const char *name)
{
	struct vhost_task *t = vhost_task_create(fn, kill, arg, name);

	/* NULL until 6.14 (and its stable backports), ERR_PTR after. */
	return t ? t : ERR_PTR(-ENOMEM);
}

static inline void vhx_task_start(struct vhost_task *t)
{
	vhost_task_start(t);
}

static inline void vhx_task_wake(struct vhost_task *t)
{
	vhost_task_wake(t);
}

static inline void vhx_task_stop(struct vhost_task *t)
{
	vhost_task_stop(t);
}

#else
#include <linux/cgroup.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

struct vhx_task {
	struct task_struct *task;
	struct mm_struct *mm;
	bool (*fn)(void *arg);
	void *arg;
};

static inline int vhx_task_kthread(void *data)
{
	struct vhx_task *t = data;

	kthread_use_mm(t->mm);
	for (;;) {
		/* Paired with the wake-up: no work queued before it is lost. */
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (!t->fn(t->arg))
			schedule();
	}
	kthread_unuse_mm(t->mm);
	return 0;
}

static inline struct vhx_task *
vhx_task_create(bool (*fn)(void *), void (*kill)(void *), void *arg,
		const char *name)
{
	struct vhx_task *t = kzalloc(sizeof(*t), GFP_KERNEL);
	int ret;

	if (!t)
		return ERR_PTR(-ENOMEM);
	t->fn = fn;
	t->arg = arg;
	t->mm = current->mm;
	mmgrab(t->mm);
	t->task = kthread_create(vhx_task_kthread, t, "%s", name);
	if (IS_ERR(t->task)) {
		ret = PTR_ERR(t->task);
		goto fail;
	}
	ret = cgroup_attach_task_all(current, t->task);
	if (ret) {
		kthread_stop(t->task);
		goto fail;
	}
	return t;
fail:
	mmdrop(t->mm);
	kfree(t);
	return ERR_PTR(ret);
}

static inline void vhx_task_start(struct vhx_task *t)
{
	wake_up_process(t->task);
}

static inline void vhx_task_wake(struct vhx_task *t)
{
	wake_up_process(t->task);
}

static inline void vhx_task_stop(struct vhx_task *t)
{
	kthread_stop(t->task);
	mmdrop(t->mm);
	kfree(t);
}
#endif

#endif /* _VHX_COMPAT_H */
