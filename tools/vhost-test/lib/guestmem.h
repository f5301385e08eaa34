/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory for tools that play the guest.  See guestmem.c.
 */
#ifndef _VHX_GUESTMEM_H
#define _VHX_GUESTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vhost_types.h>

struct guestmem {
	int fd;
	size_t size;		/* bytes of guest memory */
	size_t piece;		/* bytes per region */
	unsigned int nregions;
	uint64_t gpa_base;	/* guest-physical address of gview[0] */
	uint8_t *gview;		/* the guest's view: linear in gpa */
	uint8_t *hview;		/* the host's view: regions shuffled */
	unsigned int *slot;	/* region k lives at hview + slot[k] * piece */
	size_t brk;		/* bump allocator, in gview */
	void *free_list;	/* freed small blocks (indirect tables) */
	size_t block;		/* their size */
};

int guestmem_init(struct guestmem *g, size_t size, unsigned int nregions,
		  uint64_t gpa_base, unsigned int seed);
void guestmem_fini(struct guestmem *g);
void *guestmem_alloc(struct guestmem *g, size_t size, size_t align,
		     bool within_region);
uint64_t guestmem_gpa(const struct guestmem *g, const void *p);
void *guestmem_hva(const struct guestmem *g, const void *p);
bool guestmem_host_ok(const struct guestmem *g, const void *p, size_t n);
struct vhost_memory *guestmem_table(const struct guestmem *g);

/* Small blocks that come and go (indirect tables): all of one size. */
void guestmem_block_size(struct guestmem *g, size_t size);
void *guestmem_block_alloc(struct guestmem *g);
void guestmem_block_free(struct guestmem *g, void *p);

#endif /* _VHX_GUESTMEM_H */
