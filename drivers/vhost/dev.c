// SPDX-License-Identifier: GPL-2.0
/*
 * The vhx device core: the ioctls every vhx device shares.
 *
 * These follow upstream vhost's ABI and error codes exactly, because
 * launchers depend on them: QEMU, kvmtool and crosvm each issue the calls
 * in their own order, change the call eventfd and the memory table while
 * the rings run, and stop a queue (GET_VRING_BASE) to restart it later on
 * the same file without RESET_OWNER.  Nothing here may assume an order
 * beyond "SET_OWNER first".
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/vhx.h>

#include "vhx.h"

unsigned int vhx_max_mem_regions = 509;
module_param_named(max_mem_regions, vhx_max_mem_regions, uint, 0444);
MODULE_PARM_DESC(max_mem_regions,
		 "Most regions in a memory table (default 509, as many as KVM slots)");

static void vhx_dev_cleanup(struct vhx_dev *dev);

int vhx_dev_init(struct vhx_dev *dev, const struct vhx_dev_ops *ops,
		 struct vhx_vq **vqs, unsigned int nvqs, u64 features,
		 unsigned int weight, unsigned int byte_weight)
{
	unsigned int i;

	dev->ops = ops;
	mutex_init(&dev->mutex);
	init_llist_head(&dev->work_list);
	dev->vqs = vqs;
	dev->nvqs = nvqs;
	dev->features = features;
	dev->weight = weight;
	dev->byte_weight = byte_weight;
	for (i = 0; i < nvqs; i++) {
		struct vhx_vq *vq = vqs[i];

		if (vhx_vq_init(vq, dev, i)) {
			dev->nvqs = i + 1;
			vhx_dev_cleanup(dev);
			return -ENOMEM;
		}
		if (vq->handle_kick)
			vhx_poll_init(&vq->poll, vq->handle_kick, EPOLLIN, dev);
	}
	vhx_stats_add_dev(dev, ops->name);
	return 0;
}

static void vhx_replace_ctx(struct eventfd_ctx **slot, struct eventfd_ctx *ctx)
{
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = ctx;
}

/* Drop everything a queue holds; its backend must be stopped. */
static void vhx_vq_release(struct vhx_vq *vq)
{
	vhx_poll_stop(&vq->poll);
	if (vq->kick)
		fput(vq->kick);
	vq->kick = NULL;
	vhx_replace_ctx(&vq->call_ctx, NULL);
	vhx_replace_ctx(&vq->error_ctx, NULL);
}

/*
 * Make @file (an eventfd, or NULL) the device's log eventfd, taking over
 * the caller's reference.  Each queue gets its own reference to the
 * context, swapped in under the queue's lock, which the worker holds
 * while it signals: once a queue's swap is done the worker cannot see the
 * old context there, and only then is that queue's reference dropped.
 */
static void vhx_dev_set_log_file(struct vhx_dev *dev, struct file *file)
{
	unsigned int i;

	might_sleep();
	for (i = 0; i < dev->nvqs; i++) {
		struct vhx_vq *vq = dev->vqs[i];
		struct eventfd_ctx *ctx = file ? eventfd_ctx_fileget(file) : NULL;
		struct eventfd_ctx *old;

		vhx_vq_lock(vq);
		old = vq->log_ctx;
		vq->log_ctx = ctx;
		vhx_vq_unlock(vq);
		if (old)
			eventfd_ctx_put(old);
	}
	if (dev->log_file)
		fput(dev->log_file);
	dev->log_file = file;
}

/* Everything but the virtqueues' memory; the device may be owned again. */
static void vhx_dev_release_owner(struct vhx_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++)
		vhx_vq_release(dev->vqs[i]);
	vhx_worker_stop(dev);
	vhx_dev_set_log_file(dev, NULL);
	dev->log_base = NULL;
	kvfree(dev->mem);
	dev->mem = NULL;
	dev->acked_features = 0;
	dev->backend_features = 0;
	for (i = 0; i < dev->nvqs; i++)
		vhx_vq_reset(dev->vqs[i]);
	if (dev->mm)
		mmput(dev->mm);
	dev->mm = NULL;
	WRITE_ONCE(dev->owner_tgid, 0);
}

/* Free what the device core holds; backends must be stopped. */
static void vhx_dev_cleanup(struct vhx_dev *dev)
{
	unsigned int i;

	vhx_dev_release_owner(dev);
	for (i = 0; i < dev->nvqs; i++)
		vhx_vq_free(dev->vqs[i]);
}

static int vhx_dev_check_owner(struct vhx_dev *dev)
{
	return dev->mm && dev->mm == current->mm ? 0 : -EPERM;
}

static long vhx_dev_set_owner(struct vhx_dev *dev)
{
	int ret;

	lockdep_assert_held(&dev->mutex);
	if (dev->mm)
		return -EBUSY;
	dev->mm = get_task_mm(current);
	if (!dev->mm)
		return -EINVAL;
	ret = vhx_worker_start(dev);
	if (ret) {
		mmput(dev->mm);
		dev->mm = NULL;
		return ret;
	}
	WRITE_ONCE(dev->owner_tgid, current->tgid);
	return 0;
}

/* Bitmap bytes needed to log every page of the memory table. */
static u64 vhx_log_size(const struct vhx_mem *mem)
{
	u64 end = 0;
	unsigned int i;

	for (i = 0; mem && i < mem->nregions; i++)
		end = max(end, mem->regions[i].gpa + mem->regions[i].size);
	return DIV_ROUND_UP(end >> VHX_LOG_PAGE_SHIFT, 8);
}

static bool vhx_log_access_ok(void __user *base, const struct vhx_mem *mem)
{
	return access_ok(base, vhx_log_size(mem));
}

static void vhx_dev_sync(struct vhx_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		vhx_vq_lock(dev->vqs[i]);
		vhx_vq_sync(dev->vqs[i]);
		vhx_vq_unlock(dev->vqs[i]);
	}
}

/* Is any queue running?  Its ring layout may not change under it. */
static bool vhx_dev_running(struct vhx_dev *dev)
{
	bool running = false;
	unsigned int i;

	for (i = 0; i < dev->nvqs && !running; i++) {
		vhx_vq_lock(dev->vqs[i]);
		running = dev->vqs[i]->backend;
		vhx_vq_unlock(dev->vqs[i]);
	}
	return running;
}

static long vhx_set_features(struct vhx_dev *dev, u64 features)
{
	lockdep_assert_held(&dev->mutex);
	if (features & ~dev->features)
		return -EOPNOTSUPP;
	if (((features ^ dev->acked_features) & (1ULL << VIRTIO_F_RING_PACKED)) &&
	    vhx_dev_running(dev))
		return -EBUSY;
	if ((features & (1ULL << VHX_F_LOG_ALL)) &&
	    !vhx_log_access_ok(dev->log_base, dev->mem))
		return -EFAULT;
	dev->acked_features = features;
	vhx_dev_sync(dev);
	return 0;
}

/*
 * The feature ioctls.  Like upstream's net device, these answer without
 * the owner check: a launcher may probe before it owns the device.
 * Returns -ENOIOCTLCMD for anything else.
 */
static long vhx_dev_features_ioctl(struct vhx_dev *dev, unsigned int ioctl,
				   void __user *argp)
{
	u64 __user *words = argp + sizeof(u64);
	u64 features, count, i;

	switch (ioctl) {
	case VHX_GET_FEATURES:
		return put_user(dev->features, (u64 __user *)argp) ? -EFAULT : 0;
	case VHX_SET_FEATURES:
		if (get_user(features, (u64 __user *)argp))
			return -EFAULT;
		return vhx_set_features(dev, features);
	case VHX_GET_FEATURES_ARRAY:
		/* One word of features; the rest of what was asked is 0. */
		if (get_user(count, (u64 __user *)argp))
			return -EFAULT;
		for (i = 0; i < count; i++) {
			if (put_user(i ? 0 : dev->features, words + i))
				return -EFAULT;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		return 0;
	case VHX_SET_FEATURES_ARRAY:
		if (get_user(count, (u64 __user *)argp))
			return -EFAULT;
		features = 0;
		for (i = 0; i < count; i++) {
			u64 w;

			if (get_user(w, words + i))
				return -EFAULT;
			if (i == 0)
				features = w;
			else if (w)
				return -EOPNOTSUPP;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		return vhx_set_features(dev, features);
	case VHX_GET_BACKEND_FEATURES:
		features = 1ULL << VHX_BACKEND_F_IOTLB_MSG_V2;
		return put_user(features, (u64 __user *)argp) ? -EFAULT : 0;
	case VHX_SET_BACKEND_FEATURES:
		if (get_user(features, (u64 __user *)argp))
			return -EFAULT;
		if (features & ~(1ULL << VHX_BACKEND_F_IOTLB_MSG_V2))
			return -EOPNOTSUPP;
		dev->backend_features = features;
		return 0;
	}
	return -ENOIOCTLCMD;
}

static long vhx_set_mem_table(struct vhx_dev *dev,
			      struct vhx_memory __user *argp)
{
	struct vhx_memory hdr;
	struct vhx_mem *mem, *old;
	unsigned int i;
	int ret;

	lockdep_assert_held(&dev->mutex);
	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.padding)
		return -EOPNOTSUPP;
	if (hdr.nregions > vhx_max_mem_regions)
		return -E2BIG;
	mem = kvzalloc(struct_size(mem, regions, hdr.nregions), GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	mem->nregions = hdr.nregions;
	for (i = 0; i < hdr.nregions; i++) {
		struct vhx_memory_region r;

		if (copy_from_user(&r, &argp->regions[i], sizeof(r))) {
			ret = -EFAULT;
			goto err;
		}
		mem->regions[i].gpa = r.guest_phys_addr;
		mem->regions[i].size = r.memory_size;
		mem->regions[i].hva = r.userspace_addr;
	}
	ret = vhx_mem_check(mem);
	if (ret)
		goto err;
	for (i = 0; i < mem->nregions; i++) {
		const struct vhx_mem_region *r = &mem->regions[i];

		if (!access_ok(u64_to_user_ptr(r->hva), r->size)) {
			ret = -EFAULT;
			goto err;
		}
	}
	if ((dev->acked_features & (1ULL << VHX_F_LOG_ALL)) &&
	    !vhx_log_access_ok(dev->log_base, mem)) {
		ret = -EFAULT;
		goto err;
	}

	/*
	 * Swap it into each queue under that queue's lock only: a queue in
	 * the middle of a chain finishes it with the table it started with.
	 * Once every queue has the new one, nobody can hold the old.
	 */
	old = dev->mem;
	dev->mem = mem;
	vhx_dev_sync(dev);
	kvfree(old);
	return 0;
err:
	kvfree(mem);
	return ret;
}

static long vhx_set_log_base(struct vhx_dev *dev, u64 __user *argp)
{
	void __user *base;
	u64 addr;

	lockdep_assert_held(&dev->mutex);
	if (get_user(addr, argp))
		return -EFAULT;
	if ((unsigned long)addr != addr)
		return -EFAULT;
	base = u64_to_user_ptr(addr);
	if ((dev->acked_features & (1ULL << VHX_F_LOG_ALL)) &&
	    !vhx_log_access_ok(base, dev->mem))
		return -EFAULT;
	dev->log_base = base;
	vhx_dev_sync(dev);
	return 0;
}

/* An eventfd from @fd, NULL for -1, or an ERR_PTR. */
static struct eventfd_ctx *vhx_eventfd(int fd)
{
	return fd == VHX_FILE_UNBIND ? NULL : eventfd_ctx_fdget(fd);
}

static long vhx_set_log_fd(struct vhx_dev *dev, int __user *argp)
{
	struct file *file = NULL;
	int fd;

	lockdep_assert_held(&dev->mutex);
	if (get_user(fd, argp))
		return -EFAULT;
	if (fd != VHX_FILE_UNBIND) {
		file = eventfd_fget(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	vhx_dev_set_log_file(dev, file);
	return 0;
}

static long vhx_set_vring_addr(struct vhx_vq *vq,
			       struct vhx_vring_addr __user *argp)
{
	struct vhx_vring_addr a;
	struct vhx_ring *r = &vq->ring;
	void __user *old[3] = { r->desc, r->avail, r->used };

	lockdep_assert_held(&vq->mutex);
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~(1U << VHX_VRING_F_LOG))
		return -EOPNOTSUPP;
	if ((unsigned long)a.desc_user_addr != a.desc_user_addr ||
	    (unsigned long)a.used_user_addr != a.used_user_addr ||
	    (unsigned long)a.avail_user_addr != a.avail_user_addr)
		return -EFAULT;
	if ((a.avail_user_addr & 1) || (a.used_user_addr & 3) ||
	    (a.log_guest_addr & 3))
		return -EINVAL;

	/*
	 * A running queue may move (to turn logging on): check it there
	 * first, and stay put if it cannot go.  The worker waits on
	 * vq->mutex, held here, and sees only the outcome.
	 */
	r->desc = u64_to_user_ptr(a.desc_user_addr);
	r->avail = u64_to_user_ptr(a.avail_user_addr);
	r->used = u64_to_user_ptr(a.used_user_addr);
	if (vq->backend && !vhx_vq_rings_ok(r)) {
		r->desc = old[0];
		r->avail = old[1];
		r->used = old[2];
		return -EINVAL;
	}
	vq->ring.log_used = a.flags & (1U << VHX_VRING_F_LOG);
	vq->ring.log_addr = a.log_guest_addr;
	return 0;
}

static long vhx_set_vring_kick(struct vhx_vq *vq, int fd, bool *flush)
{
	struct file *file = NULL, *old;
	int ret = 0;

	lockdep_assert_held(&vq->mutex);
	if (fd != VHX_FILE_UNBIND) {
		file = eventfd_fget(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	old = vq->kick;
	if (file == old) {
		if (file)
			fput(file);
		return 0;
	}
	vhx_poll_stop(&vq->poll);
	vq->kick = file;
	if (file && vq->handle_kick)
		ret = vhx_poll_start(&vq->poll, file);
	if (old)
		fput(old);
	*flush = true;
	return ret;
}

/* The size and the base of a ring may change only while it is stopped. */
static long vhx_get_stopped_state(struct vhx_vq *vq,
				  struct vhx_vring_state __user *argp,
				  struct vhx_vring_state *s)
{
	lockdep_assert_held(&vq->mutex);
	if (copy_from_user(s, argp, sizeof(*s)))
		return -EFAULT;
	return vq->backend ? -EBUSY : 0;
}

/*
 * A power of 2: the split ring code masks indices with num - 1.  (A packed
 * ring could be any size; QEMU never asks for one that is not.)  The
 * packed ring's buffer id table is sized here, whichever layout comes.
 */
static long vhx_set_vring_num(struct vhx_vq *vq,
			      struct vhx_vring_state __user *argp)
{
	struct vhx_vring_state s;
	long ret = vhx_get_stopped_state(vq, argp, &s);
	u16 *ids;

	if (ret)
		return ret;
	if (!s.num || s.num > 32768 || (s.num & (s.num - 1)))
		return -EINVAL;
	if (s.num != vq->ring.num || !vq->ring.ids) {
		ids = kvcalloc(s.num, sizeof(*ids), GFP_KERNEL_ACCOUNT);
		if (!ids)
			return -ENOMEM;
		kvfree(vq->ring.ids);
		vq->ring.ids = ids;
	}
	vq->ring.num = s.num;
	return 0;
}

static long vhx_set_vring_base(struct vhx_vq *vq,
			       struct vhx_vring_state __user *argp)
{
	struct vhx_vring_state s;
	long ret = vhx_get_stopped_state(vq, argp, &s);

	if (ret)
		return ret;
	return vhx_ring_set_base(&vq->ring, s.num);
}

static long vhx_vring_ioctl(struct vhx_dev *dev, unsigned int ioctl,
			    void __user *argp)
{
	struct vhx_vring_state s;
	struct eventfd_ctx *ctx;
	struct vhx_vring_file f;
	bool flush = false;
	struct vhx_vq *vq;
	u32 idx;
	long ret = 0;

	lockdep_assert_held(&dev->mutex);
	switch (ioctl) {
	case VHX_SET_VRING_NUM:
	case VHX_SET_VRING_ADDR:
	case VHX_SET_VRING_BASE:
	case VHX_GET_VRING_BASE:
	case VHX_SET_VRING_KICK:
	case VHX_SET_VRING_CALL:
	case VHX_SET_VRING_ERR:
	case VHX_SET_VRING_BUSYLOOP_TIMEOUT:
	case VHX_GET_VRING_BUSYLOOP_TIMEOUT:
		break;
	default:
		/* Not ours: do not even read the argument. */
		return -ENOIOCTLCMD;
	}
	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= dev->nvqs)
		return -ENOBUFS;
	idx = array_index_nospec(idx, dev->nvqs);
	vq = dev->vqs[idx];

	vhx_vq_lock(vq);
	switch (ioctl) {
	case VHX_SET_VRING_NUM:
		ret = vhx_set_vring_num(vq, argp);
		break;
	case VHX_SET_VRING_ADDR:
		ret = vhx_set_vring_addr(vq, argp);
		break;
	case VHX_SET_VRING_BASE:
		ret = vhx_set_vring_base(vq, argp);
		break;
	case VHX_GET_VRING_BASE:
		s.index = idx;
		s.num = vhx_ring_get_base(&vq->ring);
		if (copy_to_user(argp, &s, sizeof(s)))
			ret = -EFAULT;
		break;
	case VHX_SET_VRING_KICK:
	case VHX_SET_VRING_CALL:
	case VHX_SET_VRING_ERR:
		if (copy_from_user(&f, argp, sizeof(f))) {
			ret = -EFAULT;
			break;
		}
		if (ioctl == VHX_SET_VRING_KICK) {
			ret = vhx_set_vring_kick(vq, f.fd, &flush);
			break;
		}
		ctx = vhx_eventfd(f.fd);
		if (IS_ERR(ctx)) {
			ret = PTR_ERR(ctx);
			break;
		}
		vhx_replace_ctx(ioctl == VHX_SET_VRING_CALL ? &vq->call_ctx :
				&vq->error_ctx, ctx);
		break;
	case VHX_SET_VRING_BUSYLOOP_TIMEOUT:
		if (copy_from_user(&s, argp, sizeof(s)))
			ret = -EFAULT;
		else
			vq->busyloop_timeout = s.num;
		break;
	case VHX_GET_VRING_BUSYLOOP_TIMEOUT:
		s.index = idx;
		s.num = vq->busyloop_timeout;
		if (copy_to_user(argp, &s, sizeof(s)))
			ret = -EFAULT;
		break;
	}
	vhx_vq_unlock(vq);
	if (flush)
		vhx_dev_flush(dev);
	return ret;
}

/* The owner's ioctls every device shares; -ENOIOCTLCMD for others. */
static long vhx_dev_ioctl(struct vhx_dev *dev, unsigned int ioctl,
			  void __user *argp)
{
	switch (ioctl) {
	case VHX_SET_MEM_TABLE:
		return vhx_set_mem_table(dev, argp);
	case VHX_SET_LOG_BASE:
		return vhx_set_log_base(dev, argp);
	case VHX_SET_LOG_FD:
		return vhx_set_log_fd(dev, argp);
	}
	return vhx_vring_ioctl(dev, ioctl, argp);
}

static void vhx_features_changed(struct vhx_dev *dev)
{
	if (dev->ops->features_changed)
		dev->ops->features_changed(dev);
}

/*
 * Every vhx device's ioctl entry point (file->private_data is its
 * vhx_dev).  Feature ioctls answer anyone, as upstream's net device does;
 * everything else is the owner's.  The device's own ioctls come before the
 * shared ones; what neither knows is -ENOTTY.
 */
long vhx_dev_unlocked_ioctl(struct file *f, unsigned int ioctl,
			    unsigned long arg)
{
	struct vhx_dev *dev = f->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	mutex_lock(&dev->mutex);
	ret = vhx_dev_features_ioctl(dev, ioctl, argp);
	if (ret != -ENOIOCTLCMD) {
		if (!ret && (ioctl == VHX_SET_FEATURES ||
			     ioctl == VHX_SET_FEATURES_ARRAY))
			vhx_features_changed(dev);
		goto out;
	}
	if (ioctl == VHX_SET_OWNER) {
		ret = vhx_dev_set_owner(dev);
		goto out;
	}
	ret = vhx_dev_check_owner(dev);
	if (ret)
		goto out;
	if (ioctl == VHX_RESET_OWNER) {
		dev->ops->stop(dev);
		vhx_dev_release_owner(dev);
		vhx_features_changed(dev);
		goto out;
	}
	ret = dev->ops->ioctl(dev, ioctl, argp);
	if (ret != -ENOIOCTLCMD)
		goto out;
	ret = vhx_dev_ioctl(dev, ioctl, argp);
	if (ret == -ENOIOCTLCMD)
		ret = -ENOTTY;
	else
		vhx_dev_flush(dev);
out:
	mutex_unlock(&dev->mutex);
	return ret;
}

/* On the last close: stop the backends and free the core's state. */
void vhx_dev_release(struct vhx_dev *dev)
{
	vhx_stats_remove_dev(dev);
	dev->ops->stop(dev);
	vhx_dev_cleanup(dev);
}

