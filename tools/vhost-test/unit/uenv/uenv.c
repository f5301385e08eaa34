// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>

#include "ring.h"

bool (*uenv_access_ok)(const void *p, size_t n);

/*
 * The dirty bitmap is plain memory here; set the bit as the kernel would:
 * through its byte, whatever the alignment of the base.
 */
int vhx_log_set(void *log_base, u64 page)
{
	u8 *byte = (u8 *)log_base + page / 8;

	if (uenv_ok(byte, 1))
		return -EFAULT;
	__atomic_fetch_or(byte, (u8)(1u << (page % 8)), __ATOMIC_RELAXED);
	return 0;
}

/*
 * An access by a ring-area accessor must lie in one of the ring's areas,
 * whatever the guest wrote: in the kernel nothing else stops it.
 */
void uenv_ring_check(const struct vhx_ring *r, const void *p, size_t n)
{
	struct vhx_ring_area a[VHX_RING_AREAS];
	uintptr_t b = (uintptr_t)p;
	unsigned int i;

	vhx_ring_areas(r, a);
	for (i = 0; i < VHX_RING_AREAS; i++) {
		uintptr_t lo = (uintptr_t)a[i].base;

		if (b >= lo && n <= a[i].len && b - lo <= a[i].len - n)
			return;
	}
	fprintf(stderr, "ring code: %zu bytes at %p outside the ring's areas\n",
		n, p);
	abort();
}
