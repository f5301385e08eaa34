// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhx-test: a virtio device with no network behind it.
 *
 * It exists so that userspace can drive the vhx core alone and check every
 * byte that crosses a ring: for each chain it checksums what the guest
 * gave and fills what the guest left writable (test_data.c; the protocol
 * is in uapi/linux/vhx.h).  It speaks the same ioctls as vhx-net, plus
 * upstream vhost-test's two: TEST_RUN starts or stops every queue,
 * TEST_SET_BACKEND one of them.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <uapi/linux/vhx.h>

#include "ring_serve.h"
#include "test_data.h"
#include "vhx.h"

#define VHX_TEST_NVQS	2

/* What upstream's vhost-test offers: 0x13d000000. */
#define VHX_TEST_FEATURES ((1ULL << VIRTIO_F_NOTIFY_ON_EMPTY) |	\
			   (1ULL << VHX_F_LOG_ALL) |			\
			   (1ULL << VIRTIO_F_ANY_LAYOUT) |		\
			   (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |	\
			   (1ULL << VIRTIO_RING_F_EVENT_IDX) |		\
			   (1ULL << VIRTIO_F_VERSION_1) |		\
			   (1ULL << VIRTIO_F_RING_PACKED) |		\
			   (1ULL << VIRTIO_F_IN_ORDER))

/* Chains and bytes per worker run before yielding to other queues. */
#define VHX_TEST_WEIGHT		256
#define VHX_TEST_BYTE_WEIGHT	0x80000

struct vhx_test {
	struct vhx_dev dev;
	struct vhx_vq vqs[VHX_TEST_NVQS];
	struct vhx_vq *vqp[VHX_TEST_NVQS];
};

/* The backend pointer of a running queue: any non-NULL value will do. */
static void *vhx_test_backend(struct vhx_vq *vq)
{
	return vq;
}

static int vhx_test_chain(void *arg, const struct vhx_chain *c, u32 *written)
{
	struct vhx_vq *vq = arg;

	return vhx_test_process(&vq->ring, c, written);
}

static bool vhx_test_idle(void *arg)
{
	/* No busy polling here: the timeout is only stored. */
	return vhx_vq_idle(arg, NULL);
}

static bool vhx_test_enough(void *arg, unsigned int chains, u64 bytes)
{
	return vhx_vq_over_weight(arg, chains, bytes);
}

static const struct vhx_ring_server vhx_test_server = {
	.chain = vhx_test_chain,
	.idle = vhx_test_idle,
	.enough = vhx_test_enough,
};

static void vhx_test_handle_vq(struct vhx_vq *vq)
{
	struct vhx_ring_served done;

	mutex_lock(&vq->mutex);
	if (vhx_vq_backend(vq)) {
		vhx_ring_serve(&vq->ring, &vhx_test_server, vq, &done);
		vq->stats.packets += done.chains;
		vq->stats.bytes += done.bytes;
	}
	mutex_unlock(&vq->mutex);
}

static void vhx_test_handle_kick(struct vhx_work *work)
{
	struct vhx_vq *vq = container_of(work, struct vhx_vq, poll.work);

	vhx_test_handle_vq(vq);
}

static void vhx_test_stop(struct vhx_test *t)
{
	unsigned int i;

	for (i = 0; i < VHX_TEST_NVQS; i++)
		vhx_vq_stop(&t->vqs[i]);
}

static long vhx_test_run(struct vhx_test *t, int __user *argp)
{
	unsigned int i;
	int run, ret;

	if (get_user(run, argp))
		return -EFAULT;
	if (run != 0 && run != 1)
		return -EINVAL;
	if (!run) {
		vhx_test_stop(t);
		return 0;
	}
	for (i = 0; i < VHX_TEST_NVQS; i++) {
		ret = vhx_vq_start(&t->vqs[i], vhx_test_backend(&t->vqs[i]));
		if (ret) {
			vhx_test_stop(t);
			return ret;
		}
	}
	return 0;
}

static long vhx_test_set_backend(struct vhx_test *t,
				 struct vhx_vring_file __user *argp)
{
	struct vhx_vring_file f;
	struct vhx_vq *vq;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.index >= VHX_TEST_NVQS)
		return -ENOBUFS;
	vq = &t->vqs[array_index_nospec(f.index, VHX_TEST_NVQS)];
	if (f.fd == VHX_FILE_UNBIND) {
		vhx_vq_stop(vq);
		return 0;
	}
	return vhx_vq_start(vq, vhx_test_backend(vq));
}

static long vhx_test_own_ioctl(struct vhx_dev *dev, unsigned int ioctl,
			       void __user *argp)
{
	struct vhx_test *t = container_of(dev, struct vhx_test, dev);

	switch (ioctl) {
	case VHX_TEST_RUN:
		return vhx_test_run(t, argp);
	case VHX_TEST_SET_BACKEND:
		return vhx_test_set_backend(t, argp);
	}
	return -ENOIOCTLCMD;
}

static void vhx_test_stop_dev(struct vhx_dev *dev)
{
	vhx_test_stop(container_of(dev, struct vhx_test, dev));
}

static const struct vhx_dev_ops vhx_test_ops = {
	.name	= "test",
	.ioctl	= vhx_test_own_ioctl,
	.stop	= vhx_test_stop_dev,
};

static int vhx_test_open(struct inode *inode, struct file *f)
{
	struct vhx_test *t;
	unsigned int i;
	int ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < VHX_TEST_NVQS; i++) {
		t->vqs[i].handle_kick = vhx_test_handle_kick;
		t->vqp[i] = &t->vqs[i];
	}
	ret = vhx_dev_init(&t->dev, &vhx_test_ops, t->vqp, VHX_TEST_NVQS,
			   VHX_TEST_FEATURES, VHX_TEST_WEIGHT,
			   VHX_TEST_BYTE_WEIGHT);
	if (ret) {
		kfree(t);
		return ret;
	}
	f->private_data = &t->dev;
	return stream_open(inode, f);
}

static int vhx_test_release(struct inode *inode, struct file *f)
{
	struct vhx_test *t = container_of(f->private_data, struct vhx_test,
					  dev);

	vhx_dev_release(&t->dev);
	kfree(t);
	return 0;
}

static const struct file_operations vhx_test_fops = {
	.owner		= THIS_MODULE,
	.open		= vhx_test_open,
	.release	= vhx_test_release,
	.unlocked_ioctl	= vhx_dev_unlocked_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

struct miscdevice vhx_test_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vhx-test",
	.fops	= &vhx_test_fops,
	.mode	= 0600,
};
