// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhx-net: the virtio-net data path.
 *
 * For now only the node: open and release succeed and hold no state.  The
 * socket backend (tap, macvtap, packet) arrives on top of the vhx core.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "vhx.h"

static int vhx_net_open(struct inode *inode, struct file *f)
{
	return stream_open(inode, f);
}

static int vhx_net_release(struct inode *inode, struct file *f)
{
	return 0;
}

static const struct file_operations vhx_net_fops = {
	.owner		= THIS_MODULE,
	.open		= vhx_net_open,
	.release	= vhx_net_release,
};

struct miscdevice vhx_net_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vhx-net",
	.fops	= &vhx_net_fops,
	.mode	= 0600,
};
