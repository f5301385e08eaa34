/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device's MSI-X table and the eventfds that interrupt through it
 * (msix.c): each source (a queue's call eventfd) is bound to a vector;
 * KVM delivers it while the vector is unmasked.
 */
#ifndef _VHX_LAUNCHER_MSIX_H
#define _VHX_LAUNCHER_MSIX_H

#include "launcher.h"

#define MSIX_MAX	8	/* vectors a device has */
#define MSIX_SOURCES	8	/* eventfds bound to them */
#define MSIX_NO_VECTOR	0xffff

/* The words of a table entry. */
enum { MSIX_ADDR_LO, MSIX_ADDR_HI, MSIX_DATA, MSIX_CTRL };

struct msix_source {
	int fd;			/* -1: none */
	unsigned int vec;	/* MSIX_NO_VECTOR: none */
	int attached;		/* the fd with an irqfd on gsi, or -1 */
	unsigned int gsi;
};

struct msix {
	struct vm *vm;
	unsigned int nvec, gsi_base;
	/* Each table entry as the guest sees it: four 32-bit words. */
	uint32_t vec[MSIX_MAX][4];
	bool enabled, fmask;	/* message control: enable, function mask */
	struct msix_source src[MSIX_SOURCES];
};

int msix_init(struct msix *m, struct vm *vm, unsigned int nvec);
void msix_table(struct msix *m, uint32_t off, bool write, uint8_t *data,
		unsigned int len);
void msix_pba(struct msix *m, uint32_t off, uint8_t *data, unsigned int len);
/* The capability's message control word, as the guest wrote it. */
int msix_control(struct msix *m, uint16_t ctrl);
int msix_bind(struct msix *m, unsigned int source, int fd, unsigned int vec);
void msix_unbind_all(struct msix *m);

#endif /* _VHX_LAUNCHER_MSIX_H */
