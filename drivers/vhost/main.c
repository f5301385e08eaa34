// SPDX-License-Identifier: GPL-2.0
/*
 * vhx module entry points.
 *
 * One module carries every vhx device: /dev/vhx-net (net.c) and
 * /dev/vhx-test (test.c).  The nodes take dynamic misc minors on purpose:
 * Debian's vhost_net owns the fixed minor 238 and the name "vhost-net";
 * vhx must load next to it in the same kernel so that the two can be
 * compared, so it claims neither.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "vhx.h"

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

	for (i = 0; i < ARRAY_SIZE(vhx_devices); i++) {
		ret = misc_register(vhx_devices[i]);
		if (ret) {
			pr_err("vhx: cannot register /dev/%s: %d\n",
			       vhx_devices[i]->name, ret);
			vhx_unregister(i);
			return ret;
		}
	}
	return 0;
}

static void __exit vhx_exit(void)
{
	vhx_unregister(ARRAY_SIZE(vhx_devices));
}

module_init(vhx_init);
module_exit(vhx_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The vhx developers");
MODULE_DESCRIPTION("vhx: in-kernel virtio data path, vhost ABI compatible");
