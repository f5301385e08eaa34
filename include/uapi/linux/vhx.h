/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhx userspace ABI.
 *
 * vhx speaks the vhost ABI: a launcher written for /dev/vhost-net works
 * unchanged with /dev/vhx-net.  The ioctls and structures are therefore
 * those of <linux/vhost.h>; this header only adds what is vhx's own.
 */
#ifndef _UAPI_LINUX_VHX_H
#define _UAPI_LINUX_VHX_H

/*
 * Device nodes.  Both are misc devices with dynamic minors, so that they
 * coexist with the kernel's own vhost-net (fixed minor 238).
 */
#define VHX_NET_DEVICE		"/dev/vhx-net"
#define VHX_TEST_DEVICE		"/dev/vhx-test"

#endif /* _UAPI_LINUX_VHX_H */
