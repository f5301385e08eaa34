/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PCI bus (pci.c) and what a device on it provides: its 256 bytes of
 * configuration space, one memory BAR, and hooks for the registers that
 * are its own (capabilities, the BAR's contents).
 */
#ifndef _VHX_LAUNCHER_PCI_H
#define _VHX_LAUNCHER_PCI_H

#include <string.h>
#include <linux/pci_regs.h>

#include "launcher.h"

#define PCI_SLOTS	32

struct pci_dev {
	uint8_t cfg[256];		/* configuration space, little endian */
	uint32_t bar_size;		/* BAR0: a power of two */
	uint32_t bar_addr;		/* where the guest has it now */
	unsigned int slot, bar_range;	/* bar_range: its vm->io[] entry */
	uint8_t next_cap;

	/* A read or write at @off into BAR0. */
	void (*bar_access)(struct vm *vm, struct pci_dev *d, uint32_t off,
			   bool write, uint8_t *data, unsigned int len);
	/* BAR0 moved from @old to d->bar_addr (ioeventfds move with it). */
	void (*bar_moved)(struct vm *vm, struct pci_dev *d, uint32_t old);
	/* A configuration write the bus does not handle (capabilities). */
	void (*config_write)(struct vm *vm, struct pci_dev *d, unsigned int off,
			     const uint8_t *data, unsigned int len);
};

static inline void pci_set16(struct pci_dev *d, unsigned int off, uint16_t v)
{
	memcpy(d->cfg + off, &v, 2);
}

static inline void pci_set32(struct pci_dev *d, unsigned int off, uint32_t v)
{
	memcpy(d->cfg + off, &v, 4);
}

static inline uint16_t pci_get16(const struct pci_dev *d, unsigned int off)
{
	uint16_t v;

	memcpy(&v, d->cfg + off, 2);
	return v;
}

static inline uint32_t pci_get32(const struct pci_dev *d, unsigned int off)
{
	uint32_t v;

	memcpy(&v, d->cfg + off, 4);
	return v;
}

int pci_init(struct vm *vm);
/* Put @d in the first free slot, its BAR assigned and decoding. */
int pci_add(struct vm *vm, struct pci_dev *d);
/* Append a capability (its bytes, next pointer filled in); its offset. */
uint8_t pci_add_cap(struct pci_dev *d, const void *cap, unsigned int len);

#endif /* _VHX_LAUNCHER_PCI_H */
