/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest memory table: how guest-physical addresses (what descriptors
 * hold) map to the owner's user addresses (what the kernel can copy from).
 */
#ifndef _VHX_MEM_H
#define _VHX_MEM_H

#include "env.h"

struct vhx_mem_region {
	u64 gpa;		/* first guest-physical address */
	u64 size;		/* bytes; never 0 */
	u64 hva;		/* owner's user address of gpa */
};

/*
 * A table never changes once published: SET_MEM_TABLE builds a new one and
 * swaps the pointer in each virtqueue, so a lookup needs no lock beyond the
 * one its virtqueue already holds.
 */
struct vhx_mem {
	unsigned int nregions;
	struct vhx_mem_region regions[];	/* sorted by gpa, disjoint */
};

int vhx_mem_check(struct vhx_mem *mem);
const struct vhx_mem_region *vhx_mem_find(const struct vhx_mem *mem, u64 gpa);
int vhx_mem_translate(const struct vhx_mem *mem, u64 gpa, u64 len,
		      struct iovec *iov, unsigned int iov_max,
		      unsigned int *hint);
int vhx_mem_read(const struct vhx_mem *mem, void *dst, u64 gpa, size_t len);
int vhx_mem_hva_to_gpa(const struct vhx_mem *mem, u64 hva, u64 len, u64 *gpa);

#endif /* _VHX_MEM_H */
