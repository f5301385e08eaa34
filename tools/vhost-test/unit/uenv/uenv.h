/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uenv.h: the kernel primitives the vhx ring code uses, for userspace.
 *
 * drivers/vhost/env.h includes this outside the kernel.  User accesses
 * (get_user and friends) go through uenv_access_ok(), which a test or the
 * fuzzer points at its own arena, so a stray pointer becomes -EFAULT as it
 * would in the kernel, not a wild read.
 */
#ifndef _VHX_UENV_H
#define _VHX_UENV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <linux/types.h>
#include <linux/vhost_types.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define __user
#define __force
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#ifndef __always_inline
#define __always_inline	inline __attribute__((always_inline))
#endif
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)

/* x86 and every host vhx targets are little endian. */
#define le16_to_cpu(x)	((u16)(x))
#define le32_to_cpu(x)	((u32)(x))
#define le64_to_cpu(x)	((u64)(x))
#define cpu_to_le16(x)	((__le16)(x))
#define cpu_to_le32(x)	((__le32)(x))
#define cpu_to_le64(x)	((__le64)(x))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define min(a, b)	((a) < (b) ? (a) : (b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))

/*
 * Set by the test: may [p, p + n) be touched?  NULL means "all of it".
 */
extern bool (*uenv_access_ok)(const void *p, size_t n);

static inline int uenv_ok(const void *p, size_t n)
{
	return !uenv_access_ok || uenv_access_ok(p, n) ? 0 : -EFAULT;
}

#define vhx_get_user(x, ptr) ({						\
	int __e = uenv_ok((ptr), sizeof(*(ptr)));			\
	if (!__e)							\
		(x) = READ_ONCE(*(ptr));				\
	__e;								\
})

#define vhx_put_user(x, ptr) ({						\
	int __e = uenv_ok((ptr), sizeof(*(ptr)));			\
	if (!__e)							\
		WRITE_ONCE(*(ptr), (x));				\
	__e;								\
})

static inline int vhx_copy_from_user(void *dst, const void *src, size_t n)
{
	int e = uenv_ok(src, n);

	if (!e)
		memcpy(dst, src, n);
	return e;
}

static inline int vhx_copy_to_user(void *dst, const void *src, size_t n)
{
	int e = uenv_ok(dst, n);

	if (!e)
		memcpy(dst, src, n);
	return e;
}

/*
 * The ring-area accessors: in the kernel they skip the range check, so
 * here an access outside the ring's areas (vhx_ring_areas()) is a bug in
 * the ring code, whatever the guest wrote: abort, for the fuzzer to find.
 */
struct vhx_ring;
void uenv_ring_check(const struct vhx_ring *r, const void *p, size_t n);

#define vhx_ring_get_user(r, x, ptr) ({					\
	uenv_ring_check((r), (ptr), sizeof(*(ptr)));			\
	vhx_get_user(x, ptr);						\
})

#define vhx_ring_put_user(r, x, ptr) ({					\
	uenv_ring_check((r), (ptr), sizeof(*(ptr)));			\
	vhx_put_user(x, ptr);						\
})

#define vhx_ring_copy_to_user(r, dst, src, n) ({			\
	uenv_ring_check((r), (dst), (n));				\
	vhx_copy_to_user(dst, src, n);					\
})

#define vhx_ring_read_desc(r, dst, src) ({				\
	uenv_ring_check((r), (src), 16);				\
	vhx_copy_from_user(dst, src, 16);				\
})

#define vhx_sort(base, n, size, cmp)	qsort(base, n, size, cmp)

#define vhx_cond_resched()	do { } while (0)

/* The tests drive a ring from one thread: there is no lock to hold. */
#define vhx_ring_assert_held(r)	((void)(r))

#endif /* _VHX_UENV_H */
