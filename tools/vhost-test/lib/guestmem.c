// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory for tools that play the guest.
 *
 * One memfd, mapped twice.  The guest's view maps it linearly: the driver
 * code works there, and guest-physical address = gpa_base + offset.  The
 * host's view maps the same pages region by region in a shuffled order:
 * those are the user addresses the memory table gives the device.  So a
 * buffer that is contiguous for the guest really is split across regions
 * (and across non-adjacent host pages) for the device, as with a real VM
 * whose RAM is in several slots, and what one side writes the other reads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guestmem.h"

int guestmem_init(struct guestmem *g, size_t size, unsigned int nregions,
		  uint64_t gpa_base, unsigned int seed)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int k;

	memset(g, 0, sizeof(*g));
	g->fd = -1;
	if (!nregions || size % nregions || (size / nregions) % page)
		return -EINVAL;
	g->size = size;
	g->nregions = nregions;
	g->piece = size / nregions;
	g->gpa_base = gpa_base;
	g->slot = calloc(nregions, sizeof(*g->slot));
	if (!g->slot)
		return -ENOMEM;
	/* A seeded shuffle: region k goes to host slot slot[k]. */
	for (k = 0; k < nregions; k++)
		g->slot[k] = k;
	srandom(seed);
	for (k = nregions - 1; k > 0; k--) {
		unsigned int j = random() % (k + 1), t = g->slot[k];

		g->slot[k] = g->slot[j];
		g->slot[j] = t;
	}

	g->fd = memfd_create("vhx-guest", MFD_CLOEXEC);
	if (g->fd < 0 || ftruncate(g->fd, size))
		goto fail;
	g->gview = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			g->fd, 0);
	if (g->gview == MAP_FAILED)
		goto fail;
	g->hview = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (g->hview == MAP_FAILED)
		goto fail;
	for (k = 0; k < nregions; k++) {
		void *at = g->hview + (size_t)g->slot[k] * g->piece;

		if (mmap(at, g->piece, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, g->fd,
			 (off_t)k * g->piece) == MAP_FAILED)
			goto fail;
	}
	return 0;
fail:
	guestmem_fini(g);
	return -errno;
}

void guestmem_fini(struct guestmem *g)
{
	if (g->gview && g->gview != MAP_FAILED)
		munmap(g->gview, g->size);
	if (g->hview && g->hview != MAP_FAILED)
		munmap(g->hview, g->size);
	if (g->fd >= 0)
		close(g->fd);
	free(g->slot);
	memset(g, 0, sizeof(*g));
	g->fd = -1;
}

/*
 * Carve guest memory.  @within_region keeps the block inside one region,
 * as rings must be (the device reaches them by a single user address).
 */
void *guestmem_alloc(struct guestmem *g, size_t size, size_t align,
		     bool within_region)
{
	size_t at = (g->brk + align - 1) & ~(align - 1);

	if (within_region && size <= g->piece &&
	    at / g->piece != (at + size - 1) / g->piece)
		at = (at / g->piece + 1) * g->piece;
	if (at + size > g->size || at + size < at)
		return NULL;
	g->brk = at + size;
	return g->gview + at;
}

uint64_t guestmem_gpa(const struct guestmem *g, const void *p)
{
	return g->gpa_base + (uint64_t)((const uint8_t *)p - g->gview);
}

/* Where the device sees guest pointer @p. */
void *guestmem_hva(const struct guestmem *g, const void *p)
{
	size_t off = (const uint8_t *)p - g->gview;

	return g->hview + (size_t)g->slot[off / g->piece] * g->piece +
	       off % g->piece;
}

bool guestmem_host_ok(const struct guestmem *g, const void *p, size_t n)
{
	const uint8_t *b = p;

	return b >= g->hview && n <= g->size &&
	       (size_t)(b - g->hview) <= g->size - n;
}

/* The table for VHOST_SET_MEM_TABLE; free() it. */
struct vhost_memory *guestmem_table(const struct guestmem *g)
{
	struct vhost_memory *m;
	unsigned int k;

	m = calloc(1, sizeof(*m) + g->nregions * sizeof(m->regions[0]));
	if (!m)
		return NULL;
	m->nregions = g->nregions;
	for (k = 0; k < g->nregions; k++) {
		m->regions[k].guest_phys_addr = g->gpa_base + k * g->piece;
		m->regions[k].memory_size = g->piece;
		m->regions[k].userspace_addr =
			(uint64_t)(uintptr_t)(g->hview + (size_t)g->slot[k] * g->piece);
	}
	return m;
}

void guestmem_block_size(struct guestmem *g, size_t size)
{
	g->block = (size + 15) & ~(size_t)15;
	g->free_list = NULL;
}

void *guestmem_block_alloc(struct guestmem *g)
{
	void *p = g->free_list;

	if (p) {
		memcpy(&g->free_list, p, sizeof(void *));
		return p;
	}
	return guestmem_alloc(g, g->block, 16, false);
}

void guestmem_block_free(struct guestmem *g, void *p)
{
	memcpy(p, &g->free_list, sizeof(void *));
	g->free_list = p;
}
