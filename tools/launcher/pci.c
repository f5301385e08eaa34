// SPDX-License-Identifier: GPL-2.0
/*
 * A PCI bus the guest finds the way a PC's BIOS-less kernel does: through
 * configuration mechanism #1, two I/O ports.  The guest writes the
 * address of a register (bus, device, function, offset) to 0xcf8 and
 * reads or writes the register through 0xcfc.  Every device here is
 * function 0 of a slot on bus 0; an empty slot reads as all ones.
 *
 * We play the firmware too: each device's memory BAR is assigned an
 * address in the hole below 4 GiB before the guest runs, and decoding is
 * on.  Linux keeps addresses it finds assigned, but it sizes every BAR
 * first (writes all ones, reads back the size mask, writes the address
 * back), and it may move one; both are handled.
 *
 * This is the slow path, as the 2008 debates wanted it: discovery and
 * configuration go through exits to us; with MSI-X, nothing on a device's
 * data path does.
 */
#include <string.h>

#include "launcher.h"
#include "pci.h"

#define CONFIG_ADDR	0xcf8
#define CONFIG_DATA	0xcfc
#define BAR_BASE	0xe0000000u	/* device registers, 1 MiB per slot */
#define BAR_SLOT	0x100000u

static struct pci_dev *slots[PCI_SLOTS];
static uint32_t config_addr;		/* last written to 0xcf8 */

/* The BAR's MMIO range goes where the guest put the BAR. */
static void bar_write(struct vm *vm, struct pci_dev *d, uint32_t v)
{
	uint32_t mask = ~(d->bar_size - 1), old = d->bar_addr;

	/*
	 * All ones: the guest is sizing the BAR.  It reads back the mask
	 * and then writes an address; until then the BAR stays where it is.
	 */
	if ((v & mask) == mask) {
		pci_set32(d, PCI_BASE_ADDRESS_0, mask);
		return;
	}
	d->bar_addr = v & mask;
	pci_set32(d, PCI_BASE_ADDRESS_0, d->bar_addr);
	if (d->bar_addr == old)
		return;
	vm->io[d->bar_range].start = d->bar_addr;
	if (d->bar_moved)
		d->bar_moved(vm, d, old);
}

static void config_write(struct vm *vm, struct pci_dev *d, unsigned int off,
			 const uint8_t *data, unsigned int len)
{
	uint32_t v = 0;

	memcpy(&v, data, len);
	if (off == PCI_BASE_ADDRESS_0 && len == 4) {
		if (d->bar_size)
			bar_write(vm, d, v);
		return;
	}
	if (off >= PCI_COMMAND && off + len <= PCI_COMMAND + 2) {
		/* The command register (decoding, bus mastering) keeps what is written. */
		memcpy(d->cfg + off, data, len);
		return;
	}
	if (off == PCI_INTERRUPT_LINE && len == 1) {
		d->cfg[off] = data[0];
		return;
	}
	if (d->config_write)
		d->config_write(vm, d, off, data, len);
}

static void config_io(struct vm *vm, uint16_t port, bool out, uint8_t *data,
		      unsigned int len, void *opaque)
{
	unsigned int slot = (config_addr >> 11) & 0x1f;
	unsigned int fn = (config_addr >> 8) & 0x7, bus = (config_addr >> 16) & 0xff;
	unsigned int off = (config_addr & 0xfc) + (port - CONFIG_DATA);
	struct pci_dev *d = NULL;

	(void)opaque;
	if (port < CONFIG_DATA) {	/* the address register itself */
		if (port == CONFIG_ADDR && len == 4) {
			if (out)
				memcpy(&config_addr, data, 4);
			else
				memcpy(data, &config_addr, 4);
		} else if (!out) {
			memset(data, 0xff, len);
		}
		return;
	}
	if ((config_addr & 0x80000000u) && !bus && !fn && slot < PCI_SLOTS)
		d = slots[slot];
	if (!d || off + len > sizeof(d->cfg)) {
		if (!out)
			memset(data, 0xff, len);
		return;
	}
	if (out)
		config_write(vm, d, off, data, len);
	else
		memcpy(data, d->cfg + off, len);
}

static void bar_mmio(struct vm *vm, uint64_t addr, bool write, uint8_t *data,
		     unsigned int len, void *opaque)
{
	struct pci_dev *d = opaque;

	d->bar_access(vm, d, addr - d->bar_addr, write, data, len);
}

uint8_t pci_add_cap(struct pci_dev *d, const void *cap, unsigned int len)
{
	uint8_t at = d->next_cap ? d->next_cap : 0x40, *last;

	memcpy(d->cfg + at, cap, len);
	d->cfg[at + 1] = 0;			/* the end of the list, for now */
	/* Link it after the last one (or from the header's pointer). */
	last = &d->cfg[PCI_CAPABILITY_LIST];
	while (*last)
		last = &d->cfg[*last + 1];
	*last = at;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	d->next_cap = (at + len + 3) & ~3;
	return at;
}

int pci_add(struct vm *vm, struct pci_dev *d)
{
	unsigned int slot;

	for (slot = 1; slot < PCI_SLOTS && slots[slot]; slot++)
		;
	if (slot == PCI_SLOTS) {
		err("no free PCI slot");
		return -1;
	}
	d->slot = slot;
	/* A 32-bit memory BAR (flag bits 0), decoding on. */
	d->bar_addr = BAR_BASE + slot * BAR_SLOT;
	pci_set32(d, PCI_BASE_ADDRESS_0, d->bar_addr);
	d->cfg[PCI_COMMAND] |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	d->bar_range = vm->nio;
	if (vm_add_mmio(vm, d->bar_addr, d->bar_size, bar_mmio, d))
		return -1;
	slots[slot] = d;
	return 0;
}

/*
 * Slot 0: a host bridge, as on every PC.  Without DMI tables Linux trusts
 * configuration mechanism #1 only once it has found a host bridge (or an
 * Intel device) on bus 0; it has no registers of its own here.
 */
static struct pci_dev host_bridge;

int pci_init(struct vm *vm)
{
	pci_set16(&host_bridge, PCI_VENDOR_ID, 0x8086);
	pci_set16(&host_bridge, PCI_DEVICE_ID, 0x1237);	/* an i440FX's */
	pci_set16(&host_bridge, PCI_CLASS_DEVICE, 0x0600);	/* bridge, host */
	slots[0] = &host_bridge;
	/* 0xcf8 (the address, 4 bytes) and 0xcfc..0xcff (the data). */
	return vm_add_io(vm, CONFIG_ADDR, 8, config_io, NULL);
}
