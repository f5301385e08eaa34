// SPDX-License-Identifier: GPL-2.0
/*
 * A dirty-log bitmap laid out to catch a device that sets a bit outside
 * the page it pinned.
 *
 * A device that addresses the bitmap by u64 words, pins the page of a
 * word's first byte and sets a bit through the kernel's mapping of that
 * page, lands in the page that follows it *physically* whenever the word
 * straddles a page end: memory the launcher never handed over.  Here the
 * base is 4 bytes past a page start less 8 (so a word straddles every page
 * end of the bitmap), and each page of the bitmap is a page of ours whose
 * physical successor is another page of ours, kept mapped elsewhere and
 * never written: its shadow.  A right device sets the bit in the next
 * virtual page of the bitmap; a wrong one in the shadow.  Both are seen.
 *
 * Physical neighbours are found through /proc/self/pagemap, which shows
 * page frame numbers to root only: without them, logedge_alloc() says so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "logedge.h"

#define PG		4096UL
#define POOL_PAGES	4096	/* where neighbours are looked for */

/* The page frame number behind @p, 0 if unknown. */
static uint64_t pfn_of(int pm, const void *p)
{
	uint64_t e;

	if (pread(pm, &e, sizeof(e), (uintptr_t)p / PG * sizeof(e)) != sizeof(e))
		return 0;
	if (!(e & (1ULL << 63)))
		return 0;
	return e & ((1ULL << 55) - 1);
}

struct pool_page {
	uint64_t pfn;
	unsigned int idx;
};

static int by_pfn(const void *a, const void *b)
{
	const struct pool_page *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

int logedge_alloc(struct logedge *e, size_t size)
{
	struct pool_page *pp = NULL;
	uint8_t *pool = MAP_FAILED;
	unsigned int i, k, n;
	int pm, ret = -ENOMEM;

	memset(e, 0, sizeof(*e));
	e->npages = (LOGEDGE_SKEW + size + PG - 1) / PG;
	if (e->npages > LOGEDGE_MAX_PAGES)
		return -E2BIG;
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm < 0)
		return -errno;
	e->area = mmap(NULL, e->npages * PG, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pool = mmap(NULL, POOL_PAGES * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pp = calloc(POOL_PAGES, sizeof(*pp));
	if (e->area == MAP_FAILED || pool == MAP_FAILED || !pp)
		goto out;
	/* Small pages that stay put: no huge page to split or collapse. */
	madvise(pool, POOL_PAGES * PG, MADV_NOHUGEPAGE);
	for (i = 0; i < POOL_PAGES; i++) {
		pool[i * PG] = 1;	/* a page of its own, not the zero page */
		pool[i * PG] = 0;
	}
	for (i = 0; i < POOL_PAGES; i++) {
		pp[i].pfn = pfn_of(pm, pool + i * PG);
		pp[i].idx = i;
		if (!pp[i].pfn) {
			ret = -EPERM;	/* pagemap hides frame numbers */
			goto out;
		}
	}
	qsort(pp, POOL_PAGES, sizeof(*pp), by_pfn);
	/* Pairs (a, a + 1) of frames, each used once; a's page moves. */
	for (i = 0, n = 0; i + 1 < POOL_PAGES && n < e->npages; i++) {
		uint8_t *src = pool + (size_t)pp[i].idx * PG;
		uint8_t *dst = e->area + (size_t)n * PG;

		if (pp[i + 1].pfn != pp[i].pfn + 1)
			continue;
		if (mremap(src, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst) != dst) {
			ret = -errno;
			goto out;
		}
		e->shadow[n] = pool + (size_t)pp[i + 1].idx * PG;
		e->shadow_pfn[n] = pp[i + 1].pfn;
		if (pfn_of(pm, dst) + 1 != e->shadow_pfn[n] ||
		    pfn_of(pm, e->shadow[n]) != e->shadow_pfn[n]) {
			ret = -EAGAIN;	/* moved under us */
			goto out;
		}
		n++;
		i++;
	}
	if (n < e->npages) {
		ret = -EAGAIN;
		goto out;
	}
	/* The rest of the pool goes, the shadows stay. */
	for (i = 0; i < POOL_PAGES; i++) {
		bool keep = false;

		for (k = 0; k < n; k++)
			keep |= pool + i * PG == e->shadow[k];
		if (!keep)
			munmap(pool + i * PG, PG);
	}
	pool = MAP_FAILED;
	e->base = e->area + LOGEDGE_SKEW;
	e->size = size;
	ret = 0;
out:
	if (pool != MAP_FAILED)
		munmap(pool, POOL_PAGES * PG);
	if (ret && e->area != MAP_FAILED && e->area)
		munmap(e->area, e->npages * PG);
	if (ret)
		e->area = NULL;
	free(pp);
	close(pm);
	return ret;
}

/*
 * Was a bit set just past a page end of the bitmap, in the half of a
 * straddling word that a word-addressing device would misplace?  A run
 * that set none did not test the edge.
 */
bool logedge_crossed(const struct logedge *e)
{
	size_t end, i;

	for (end = PG - LOGEDGE_SKEW; end < e->size; end += PG)
		for (i = end; i < end + 4 && i < e->size; i++)
			if (e->base[i])
				return true;
	return false;
}

/* Nothing may have been written to any shadow page. */
bool logedge_shadows_clean(const struct logedge *e)
{
	unsigned int k;
	size_t i;

	for (k = 0; k < e->npages; k++)
		for (i = 0; i < PG; i++)
			if (e->shadow[k][i])
				return false;
	return true;
}

void logedge_free(struct logedge *e)
{
	unsigned int k;

	if (!e->area)
		return;
	munmap(e->area, e->npages * PG);
	for (k = 0; k < e->npages; k++)
		munmap(e->shadow[k], PG);
	e->area = NULL;
}
