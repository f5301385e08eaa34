// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging for live migration.
 *
 * While a guest migrates, the launcher copies its memory in rounds and
 * needs to know which pages changed since the last copy.  Pages the device
 * writes never fault in the guest's page tables, so we report them: one
 * bit per 4 KiB guest page in a bitmap in the launcher's memory, bit
 * (page % 8) of the byte at base + page / 8.  The launcher harvests words
 * with an atomic exchange while we set bits, so we set them atomically
 * too, on the pinned page, never with a read-modify-write through
 * copy_to_user.
 *
 * The launcher chooses the base, and may choose any alignment.  So the bit
 * is addressed through its byte: the page we pin is the one that holds
 * that byte, and the bit we set lies inside it.  Addressing it through its
 * u64 word instead would, for a base that is not 8-byte aligned, let the
 * word straddle the end of the pinned page and put the bit in whatever
 * page follows it physically: memory the owner never handed over.
 */
#include <linux/highmem.h>
#include <linux/mm.h>

#include "env.h"

int vhx_log_set(void __user *log_base, u64 page)
{
	unsigned long base = (unsigned long)log_base;
	unsigned long addr = base + page / BITS_PER_BYTE;
	struct page *pg;
	void *kaddr;

	might_sleep();
	if (page / BITS_PER_BYTE > ULONG_MAX - base ||
	    !access_ok((void __user *)addr, 1))
		return -EFAULT;
	if (pin_user_pages_fast(addr, 1, FOLL_WRITE, &pg) != 1)
		return -EFAULT;
	kaddr = kmap_local_page(pg);
	/*
	 * kaddr is page aligned, so set_bit() works on the aligned long of
	 * this page that holds the byte: it cannot leave the page.
	 */
	set_bit((addr & ~PAGE_MASK) * BITS_PER_BYTE + page % BITS_PER_BYTE,
		kaddr);
	kunmap_local(kaddr);
	unpin_user_pages_dirty_lock(&pg, 1, true);
	return 0;
}
