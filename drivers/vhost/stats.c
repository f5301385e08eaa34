// SPDX-License-Identifier: GPL-2.0
/*
 * Per-queue counters, shown in debugfs.
 *
 * Each open device gets /sys/kernel/debug/vhx/<kind>-<n>/stats:
 *
 *	owner 1234
 *	features 0x...		(acked)
 *	vq0 packets=... bytes=... dropped=... signals=... errors=... batched=... busy_polls=... layout=split in_order=0
 *
 * The worker counts under vq->mutex, which the reader takes too, so a
 * line is one consistent snapshot of its queue.  The point is proof and
 * diagnosis: that the packets of a guest really went through vhx (and
 * not QEMU's userspace fallback), and where they were lost if they were.
 * debugfs may be absent or off: then the device works, uncounted in
 * public.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "vhx.h"

static struct dentry *vhx_debugfs_root;
static atomic_t vhx_debugfs_seq = ATOMIC_INIT(0);

static int vhx_stats_show(struct seq_file *m, void *unused)
{
	struct vhx_dev *dev = m->private;
	struct vhx_vq_stats s;
	bool packed, in_order;
	unsigned int i;

	seq_printf(m, "owner %d\n", READ_ONCE(dev->owner_tgid));
	seq_printf(m, "features 0x%llx\n", READ_ONCE(dev->acked_features));
	for (i = 0; i < dev->nvqs; i++) {
		vhx_vq_lock(dev->vqs[i]);
		s = dev->vqs[i]->stats;
		packed = dev->vqs[i]->ring.packed;
		in_order = dev->vqs[i]->ring.in_order;
		vhx_vq_unlock(dev->vqs[i]);
		seq_printf(m, "vq%u packets=%llu bytes=%llu dropped=%llu signals=%llu errors=%llu batched=%llu busy_polls=%llu layout=%s in_order=%d\n",
			   i, s.packets, s.bytes, s.dropped, s.signals,
			   s.errors, s.batched, s.busy_polls,
			   packed ? "packed" : "split", in_order);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vhx_stats);

void vhx_stats_add_dev(struct vhx_dev *dev, const char *kind)
{
	char name[32];

	snprintf(name, sizeof(name), "%s-%d", kind,
		 atomic_inc_return(&vhx_debugfs_seq));
	dev->debugfs = debugfs_create_dir(name, vhx_debugfs_root);
	debugfs_create_file("stats", 0444, dev->debugfs, dev, &vhx_stats_fops);
}

void vhx_stats_remove_dev(struct vhx_dev *dev)
{
	debugfs_remove_recursive(dev->debugfs);
	dev->debugfs = NULL;
}

void vhx_stats_init(void)
{
	vhx_debugfs_root = debugfs_create_dir("vhx", NULL);
}

void vhx_stats_exit(void)
{
	debugfs_remove_recursive(vhx_debugfs_root);
}
