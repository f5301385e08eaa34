// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory table: validation, lookup and translation.
 *
 * Launchers send up to a few hundred regions (QEMU merges RAM sections and
 * does not page-align them).  We keep them sorted by guest address, so a
 * lookup is a binary search: O(log n) per descriptor, whatever the table.
 * Upstream vhost accepts overlapping regions and picks one; we refuse them
 * at SET_MEM_TABLE time instead, so that every guest address has exactly
 * one meaning.
 */
#include "mem.h"

static int vhx_region_cmp(const void *a, const void *b)
{
	const struct vhx_mem_region *ra = a, *rb = b;

	if (ra->gpa < rb->gpa)
		return -1;
	return ra->gpa > rb->gpa;
}

/*
 * Sort the regions and refuse a table that cannot be meant: empty regions,
 * regions that wrap the guest or user address space, and overlaps.
 */
int vhx_mem_check(struct vhx_mem *mem)
{
	const struct vhx_mem_region *r;
	unsigned int i;

	for (i = 0; i < mem->nregions; i++) {
		r = &mem->regions[i];
		if (!r->size || r->gpa > ~0ULL - r->size ||
		    r->hva > ~0ULL - r->size)
			return -EINVAL;
	}
	vhx_sort(mem->regions, mem->nregions, sizeof(mem->regions[0]),
		 vhx_region_cmp);
	for (i = 1; i < mem->nregions; i++) {
		r = &mem->regions[i];
		if (r[-1].gpa + r[-1].size > r->gpa)
			return -EINVAL;
	}
	return 0;
}

/* The region holding gpa, or NULL. */
const struct vhx_mem_region *vhx_mem_find(const struct vhx_mem *mem, u64 gpa)
{
	unsigned int lo = 0, hi;

	if (!mem)
		return NULL;
	hi = mem->nregions;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct vhx_mem_region *r = &mem->regions[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/*
 * vhx_mem_find(), trying first the region @hint names (the one the last
 * lookup found), and remembering the answer there.  Buffers come from
 * few regions, mostly the one the previous buffer came from: the check is
 * a subtraction and a compare where the search is a loop.  A stale hint
 * (the table was replaced) costs nothing but the search.
 */
static const struct vhx_mem_region *
vhx_mem_lookup(const struct vhx_mem *mem, u64 gpa, unsigned int *hint)
{
	const struct vhx_mem_region *r;

	if (mem && *hint < mem->nregions) {
		r = &mem->regions[*hint];
		if (gpa - r->gpa < r->size)
			return r;
	}
	r = vhx_mem_find(mem, gpa);
	if (r)
		*hint = r - mem->regions;
	return r;
}

/*
 * Map [gpa, gpa + len) to at most iov_max user iovecs, one per region it
 * crosses.  Returns how many were used (0 for len 0), -EFAULT if any byte
 * lies outside the table, -ENOBUFS if iov_max is too small.  @hint is the
 * caller's lookup hint (see vhx_mem_lookup()), any value to begin with.
 */
int vhx_mem_translate(const struct vhx_mem *mem, u64 gpa, u64 len,
		      struct iovec *iov, unsigned int iov_max,
		      unsigned int *hint)
{
	unsigned int n = 0;

	while (len) {
		const struct vhx_mem_region *r = vhx_mem_lookup(mem, gpa, hint);
		u64 off, chunk;

		if (!r)
			return -EFAULT;
		if (n == iov_max)
			return -ENOBUFS;
		off = gpa - r->gpa;
		chunk = min(len, r->size - off);
		iov[n].iov_base = (void __user *)(unsigned long)(r->hva + off);
		iov[n].iov_len = chunk;
		n++;
		len -= chunk;
		gpa += chunk;
	}
	return n;
}

/* Copy len bytes of guest memory at gpa; -EFAULT on any hole. */
int vhx_mem_read(const struct vhx_mem *mem, void *dst, u64 gpa, size_t len)
{
	while (len) {
		const struct vhx_mem_region *r = vhx_mem_find(mem, gpa);
		u64 off, chunk;

		if (!r)
			return -EFAULT;
		off = gpa - r->gpa;
		chunk = min((u64)len, r->size - off);
		if (vhx_copy_from_user(dst,
				       (const void __user *)(unsigned long)(r->hva + off),
				       chunk))
			return -EFAULT;
		dst = (u8 *)dst + chunk;
		len -= chunk;
		gpa += chunk;
	}
	return 0;
}

/*
 * The reverse: the guest address of [hva, hva + len), which must lie in
 * one region.  For the few structures the launcher gives us by user
 * address only; not for the data path (a linear scan).  0 or -EFAULT.
 */
int vhx_mem_hva_to_gpa(const struct vhx_mem *mem, u64 hva, u64 len, u64 *gpa)
{
	unsigned int i;

	for (i = 0; mem && i < mem->nregions; i++) {
		const struct vhx_mem_region *r = &mem->regions[i];

		if (hva >= r->hva && hva - r->hva < r->size &&
		    len <= r->size - (hva - r->hva)) {
			*gpa = r->gpa + (hva - r->hva);
			return 0;
		}
	}
	return -EFAULT;
}
