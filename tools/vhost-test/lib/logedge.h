/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A dirty-log bitmap whose words straddle its page ends, each page watched
 * by the page that follows it physically.  See logedge.c.
 */
#ifndef _VHX_LOGEDGE_H
#define _VHX_LOGEDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The bitmap starts this far into its first page: 4 bytes short of a
 * page end, so that every u64 word of it at a multiple of 4096 bytes has
 * 4 bytes on each side of a page end.
 */
#define LOGEDGE_SKEW		4092
#define LOGEDGE_MAX_PAGES	16

struct logedge {
	uint8_t *base;		/* the bitmap: not 8-byte aligned */
	size_t size;
	uint8_t *area;		/* its pages, from the first */
	unsigned int npages;
	uint8_t *shadow[LOGEDGE_MAX_PAGES];	/* physically after area page k */
	uint64_t shadow_pfn[LOGEDGE_MAX_PAGES];
};

/* 0, -EPERM if pagemap hides frame numbers (not root), or -errno. */
int logedge_alloc(struct logedge *e, size_t size);
bool logedge_crossed(const struct logedge *e);
bool logedge_shadows_clean(const struct logedge *e);
void logedge_free(struct logedge *e);

#endif /* _VHX_LOGEDGE_H */
