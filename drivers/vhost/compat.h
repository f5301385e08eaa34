/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels vhx builds for (6.1, 6.12).
 * This is the only place that tests the kernel version: the rest of vhx
 * calls these wrappers.
 */
#ifndef _VHX_COMPAT_H
#define _VHX_COMPAT_H

#include <linux/eventfd.h>
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

#endif /* _VHX_COMPAT_H */
