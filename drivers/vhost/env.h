/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The environment of the ring code.
 *
 * mem.c and ring.c parse what the guest wrote: they are vhx's attack
 * surface.  So they are written against this small set of primitives, and
 * compile both in the kernel and in userspace, where they are unit tested
 * under ASan/UBSan and fuzzed.  This header is the only place that knows
 * which of the two it is in; the userspace half lives with the tests, in
 * tools/vhost-test/unit/uenv/.
 *
 * Guest ring memory is reached through the owner's user addresses (HVAs):
 * every access may fault, so every accessor returns 0 or -EFAULT and the
 * callers treat a fault like any other bad input from the guest.
 */
#ifndef _VHX_ENV_H
#define _VHX_ENV_H

#ifdef __KERNEL__

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <asm/barrier.h>
#include <uapi/linux/vhost_types.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ring.h>

/* A long copy gives the CPU away where it should. */
#define vhx_cond_resched()	cond_resched()

/* Lockdep's check that the caller holds the ring's lock (ring.h). */
#define vhx_ring_assert_held(r)	lockdep_assert_held((r)->lock)

#define vhx_get_user(x, ptr)	(get_user(x, ptr) ? -EFAULT : 0)
#define vhx_put_user(x, ptr)	(put_user(x, ptr) ? -EFAULT : 0)

static inline int vhx_copy_from_user(void *dst, const void __user *src,
				     size_t n)
{
	return copy_from_user(dst, src, n) ? -EFAULT : 0;
}

static inline int vhx_copy_to_user(void __user *dst, const void *src,
				   size_t n)
{
	return copy_to_user(dst, src, n) ? -EFAULT : 0;
}

/*
 * The same inside a ring's own areas (vhx_ring_areas()), which were
 * checked with access_ok() as a whole before the ring ran and whenever it
 * moved: so each access skips the range check, as upstream vhost's do,
 * and still fails cleanly on a fault.  Nothing else may use these.  @r is
 * the ring: the userspace build checks that the access lies in its areas.
 */
#define vhx_ring_get_user(r, x, ptr)	(__get_user(x, ptr) ? -EFAULT : 0)
#define vhx_ring_put_user(r, x, ptr)	(__put_user(x, ptr) ? -EFAULT : 0)
#define vhx_ring_copy_to_user(r, dst, src, n)				\
	(__copy_to_user(dst, src, n) ? -EFAULT : 0)

/*
 * A 16-byte descriptor out of a ring area: two words in one user access
 * window.  A descriptor is read for every buffer, and a copy routine made
 * for any length costs several times the two loads.
 */
static __always_inline int vhx_read_desc(void *dst, const void __user *src)
{
	const u64 __user *p = src;
	u64 lo, hi;

	if (!user_access_begin(p, 2 * sizeof(u64)))
		return -EFAULT;
	unsafe_get_user(lo, p, fault);
	unsafe_get_user(hi, p + 1, fault);
	user_access_end();
	memcpy(dst, &lo, sizeof(lo));
	memcpy((u8 *)dst + sizeof(lo), &hi, sizeof(hi));
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

#define vhx_ring_read_desc(r, dst, src)	vhx_read_desc(dst, src)

#define vhx_sort(base, n, size, cmp)	sort(base, n, size, cmp, NULL)

#else /* userspace: unit tests and fuzzing */

#include "uenv.h"

#endif /* __KERNEL__ */

/*
 * Mark guest page @page dirty in the migration bitmap at @log_base (one
 * bit per 4 KiB page, in u64 words, set atomically: the launcher harvests
 * words with an atomic exchange while we write).  0 or -EFAULT.
 */
int vhx_log_set(void __user *log_base, u64 page);

#endif /* _VHX_ENV_H */
