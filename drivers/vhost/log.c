// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging for live migration.
 *
 * While a guest migrates, the launcher copies its memory in rounds and
 * needs to know which pages changed since the last copy.  Pages the device
 * writes never fault in the guest's page tables, so we report them: one
 * bit per 4 KiB guest page in a bitmap in the launcher's memory.  The
 * launcher harvests words with an atomic exchange while we set bits, so we
 * set them atomically too, on the pinned page, never with a
 * read-modify-write through copy_to_user.
 */
#include <linux/highmem.h>
#include <linux/mm.h>

#include "env.h"

int vhx_log_set(void __user *log_base, u64 page)
{
	unsigned long base = (unsigned long)log_base;
	unsigned long off = (page / 64) * sizeof(u64);
	unsigned long addr = base + off;
	struct page *pg;
	void *kaddr;
	unsigned int bit;

	if (page / 64 > ULONG_MAX / sizeof(u64) || addr < base ||
	    !access_ok((void __user *)addr, sizeof(u64)))
		return -EFAULT;
	if (pin_user_pages_fast(addr, 1, FOLL_WRITE, &pg) != 1)
		return -EFAULT;
	kaddr = kmap_local_page(pg);
	bit = (addr & ~PAGE_MASK) * BITS_PER_BYTE + page % 64;
	set_bit(bit, kaddr);
	kunmap_local(kaddr);
	unpin_user_pages_dirty_lock(&pg, 1, true);
	return 0;
}
