// SPDX-License-Identifier: GPL-2.0
/*
 * vhx module entry points.
 *
 * One module carries every vhx device: /dev/vhx-net (net.c) and
 * /dev/vhx-test (test.c).  The nodes take dynamic misc minors on purpose:
 * Debian's vhost_net owns the fixed minor 238 and the name "vhost-net";
 * vhx must load next to it in the same kernel so that the two can be
 * compared, so it claims neither... unless asked to: vhost_net_alias=1
 * also registers /dev/vhost-net on minor 238, for launchers that hard-code
 * that path, provided vhost_net has not taken it.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "vhx.h"

static bool vhost_net_alias;
module_param(vhost_net_alias, bool, 0444);
MODULE_PARM_DESC(vhost_net_alias,
		 "Also register /dev/vhost-net (minor 238) if vhost_net has not (default off)");
static bool vhx_alias_registered;

static struct miscdevice *vhx_devices[] = {
	&vhx_net_misc,
	&vhx_test_misc,
};

static void vhx_unregister(unsigned int n)
{
	while (n--)
		misc_deregister(vhx_devices[n]);
}

/*
 * Each device must come up whole or not at all: if a later registration
 * fails we unwind the earlier ones, so a failed insmod never leaves a
 * half-registered node behind.
 */
static int __init vhx_init(void)
{
	unsigned int i;
	int ret;

	vhx_stats_init();
	for (i = 0; i < ARRAY_SIZE(vhx_devices); i++) {
		ret = misc_register(vhx_devices[i]);
		if (ret) {
			pr_err("vhx: cannot register /dev/%s: %d\n",
			       vhx_devices[i]->name, ret);
			vhx_unregister(i);
			vhx_stats_exit();
			return ret;
		}
	}
	if (vhost_net_alias) {
		/* Not fatal: vhx works without the alias. */
		ret = misc_register(&vhx_net_alias_misc);
		if (ret)
			pr_warn("vhx: /dev/vhost-net not registered (%d): vhost_net loaded?\n",
				ret);
		vhx_alias_registered = !ret;
	}
	return 0;
}

static void __exit vhx_exit(void)
{
	if (vhx_alias_registered)
		misc_deregister(&vhx_net_alias_misc);
	vhx_unregister(ARRAY_SIZE(vhx_devices));
	vhx_stats_exit();
}

module_init(vhx_init);
module_exit(vhx_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The vhx developers");
MODULE_DESCRIPTION("vhx: in-kernel virtio data path, vhost ABI compatible");
