// SPDX-License-Identifier: GPL-2.0
/*
 * A virtqueue in the kernel: what the ring layer (ring.c) leaves to its
 * embedder.  Its lifecycle (buffers, reset, the device's state copied in,
 * a backend attached and detached), the three things the ring reports
 * (bad input, an interrupt for the guest, dirty pages) turned into
 * eventfd signals, and what only a kernel worker does between chains:
 * fairness between queues and busy polling.
 *
 * Everything here runs under vq->mutex but the start and stop of a
 * backend, which take it.
 */
#include <linux/eventfd.h>
#include <linux/ratelimit.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <uapi/linux/vhx.h>

#include "compat.h"
#include "vhx.h"

static struct vhx_vq *vhx_ring_vq(struct vhx_ring *r)
{
	return container_of(r, struct vhx_vq, ring);
}

/*
 * Bad input from the guest (or a fault on its memory): say so, rate
 * limited, and signal the queue's error eventfd so the launcher can tell.
 * error_ctx is guarded by vq->mutex, held here.
 */
void vhx_ring_error(struct vhx_ring *r, const char *fmt, ...)
{
	struct vhx_vq *vq = vhx_ring_vq(r);
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 10);
	struct va_format vaf;
	va_list args;

	lockdep_assert_held(&vq->mutex);
	if (__ratelimit(&rs)) {
		va_start(args, fmt);
		vaf.fmt = fmt;
		vaf.va = &args;
		pr_warn("vhx: vq %u: %pV\n", vq->index, &vaf);
		va_end(args);
	}
	vq->stats.errors++;
	if (vq->error_ctx)
		vhx_eventfd_signal(vq->error_ctx);
}

/* The guest wants an interrupt: signal the call eventfd (KVM's irqfd). */
void vhx_ring_call(struct vhx_ring *r)
{
	struct vhx_vq *vq = vhx_ring_vq(r);

	lockdep_assert_held(&vq->mutex);
	if (vq->call_ctx) {
		vhx_eventfd_signal(vq->call_ctx);
		vq->stats.signals++;
	}
}

/*
 * Pages were marked dirty: tell the launcher, through this queue's own
 * reference to the log eventfd (SET_LOG_FD swaps it under vq->mutex).
 */
void vhx_ring_logged(struct vhx_ring *r)
{
	struct vhx_vq *vq = vhx_ring_vq(r);

	lockdep_assert_held(&vq->mutex);
	if (vq->log_ctx)
		vhx_eventfd_signal(vq->log_ctx);
}

/* A queue's buffers and lock, once per open device.  0 or -ENOMEM. */
int vhx_vq_init(struct vhx_vq *vq, struct vhx_dev *dev, unsigned int index)
{
	struct vhx_log_span *log;
	struct iovec *iov;

	vq->dev = dev;
	vq->index = index;
	mutex_init(&vq->mutex);
	atomic_set(&vq->lockers, 0);
	iov = kmalloc_array(VHX_IOV_MAX, sizeof(*iov), GFP_KERNEL);
	log = kmalloc_array(VHX_IOV_MAX, sizeof(*log), GFP_KERNEL);
	vhx_ring_init(&vq->ring, &vq->mutex, iov, log);
	if (!iov || !log)
		return -ENOMEM;
	vhx_vq_reset(vq);
	return 0;
}

/* Free what vhx_vq_init() allocated (some of it, if it failed). */
void vhx_vq_free(struct vhx_vq *vq)
{
	kvfree(vq->ring.ids);
	kfree(vq->ring.iov);
	kfree(vq->ring.log);
	vq->ring.ids = NULL;
	vq->ring.iov = NULL;
	vq->ring.log = NULL;
}

/* Back to the state of a fresh open: no ring, no backend. */
void vhx_vq_reset(struct vhx_vq *vq)
{
	kvfree(vq->ring.ids);
	vhx_ring_reset(&vq->ring);
	vq->ring.device_reads = vq->device_reads;
	vq->ring.mem = vq->dev->mem;
	vq->backend = NULL;
	vq->busyloop_timeout = 0;
}

/* The queue's view of the device: features, log, memory. */
void vhx_vq_sync(struct vhx_vq *vq)
{
	struct vhx_dev *dev = vq->dev;
	bool log = dev->acked_features & (1ULL << VHX_F_LOG_ALL);

	lockdep_assert_held(&vq->mutex);
	vhx_ring_configure(&vq->ring, dev->acked_features, dev->mem,
			   log ? dev->log_base : NULL);
}

/* Are the ring's areas, as its layout and size make them, user memory? */
bool vhx_vq_rings_ok(const struct vhx_ring *r)
{
	struct vhx_ring_area a[VHX_RING_AREAS];
	unsigned int i;

	vhx_ring_areas(r, a);
	for (i = 0; i < VHX_RING_AREAS; i++) {
		if (!access_ok(a[i].base, a[i].len))
			return false;
	}
	return true;
}

/*
 * Attach a backend: check the rings are in user space, take the used
 * index from the ring, and go.  A kick that came while we were stopped is
 * served at once.
 */
int vhx_vq_start(struct vhx_vq *vq, void *backend)
{
	int ret = 0;

	might_sleep();
	vhx_vq_lock(vq);
	if (vq->backend)
		goto out;
	if (!vq->ring.num) {
		ret = -EINVAL;
		goto out;
	}
	/* The layout comes with the features: check the areas it spans. */
	vhx_vq_sync(vq);
	if (!vhx_vq_rings_ok(&vq->ring)) {
		ret = -EFAULT;
		goto out;
	}
	ret = vhx_ring_start(&vq->ring);
	if (!ret)
		vq->backend = backend;
out:
	vhx_vq_unlock(vq);
	if (!ret)
		vhx_work_queue(vq->dev, &vq->poll.work);
	return ret;
}

/* Detach the backend; when this returns the worker has let go of it. */
void vhx_vq_stop(struct vhx_vq *vq)
{
	might_sleep();
	vhx_vq_lock(vq);
	vq->backend = NULL;
	vhx_vq_unlock(vq);
	vhx_dev_flush(vq->dev);
}

/*
 * Fairness: one queue may not keep the worker (and the CPU) to itself.
 * Past the device's weight we re-queue ourselves behind the others.
 */
bool vhx_vq_over_weight(struct vhx_vq *vq, unsigned int chains, u64 bytes)
{
	struct vhx_dev *dev = vq->dev;

	lockdep_assert_held(&vq->mutex);
	if (chains < dev->weight && bytes < dev->byte_weight)
		return false;
	vhx_work_queue(dev, &vq->poll.work);
	return true;
}

/*
 * Busy polling (SET_VRING_BUSYLOOP_TIMEOUT, QEMU's poll-us).  A queue that
 * runs dry would re-enable guest notifications and let the worker sleep;
 * with a timeout set, the handler first spins up to that many microseconds
 * waiting for @ready (new buffers, or data on the socket).  Notifications
 * stay off meanwhile, which is the point: a guest that sends steadily
 * finds the device awake and never exits to kick it.  The spin gives way
 * to anything that deserves the CPU more: other queued work, a reschedule
 * request, a signal (the owner being killed), and anyone waiting for this
 * queue's mutex (vhx_vq_lock(): an ioctl, a statistics reader), which we
 * hold while we spin.  Runs under vq->mutex.
 */
bool vhx_vq_busy_poll(struct vhx_vq *vq, bool (*ready)(struct vhx_vq *vq))
{
	u64 end;

	lockdep_assert_held(&vq->mutex);
	if (!vq->busyloop_timeout)
		return false;
	end = local_clock() + (u64)vq->busyloop_timeout * NSEC_PER_USEC;
	do {
		if (ready(vq))
			return true;
		if (need_resched() || signal_pending(current) ||
		    vhx_dev_has_work(vq->dev) || atomic_read(&vq->lockers))
			break;
		cpu_relax();
	} while (local_clock() < end);
	vq->stats.busy_polls++;
	return false;
}

/*
 * The ring ran dry (or the socket did): publish what was used, busy poll
 * for @ready if asked to (NULL: never), then ask for kicks again.  Returns
 * true if the handler should carry on (more came meanwhile), false if the
 * worker may sleep until the next kick.
 */
bool vhx_vq_idle(struct vhx_vq *vq, bool (*ready)(struct vhx_vq *vq))
{
	struct vhx_ring *r = &vq->ring;

	lockdep_assert_held(&vq->mutex);
	vhx_ring_flush(r);
	if (ready && vhx_vq_busy_poll(vq, ready))
		return true;
	return vhx_ring_rearm(r);
}

/* For busy polling: has the guest made buffers available we have not taken? */
bool vhx_vq_avail_pending(struct vhx_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	return vhx_ring_avail_pending(&vq->ring);
}
