// SPDX-License-Identifier: GPL-2.0
/*
 * The MP table (Intel's MultiProcessor Specification 1.4): how a guest
 * with no ACPI learns how many CPUs it has, where the I/O APIC is, and
 * which I/O APIC pin each ISA interrupt arrives on.  Linux looks for its
 * "_MP_" floating pointer in the last KiB of base memory, among other
 * places; boot.c marks that KiB reserved in the memory map.
 *
 * The interrupt controllers themselves are KVM's (KVM_CREATE_IRQCHIP):
 * local APICs at 0xfee00000, one I/O APIC at 0xfec00000 whose pin n is
 * ISA IRQ n.  PCI devices here use MSI-X only, so no PCI interrupt lines
 * are listed.
 */
#include <string.h>

#include "launcher.h"

#define MP_ADDR		0x9fc00
#define LAPIC_ADDR	0xfee00000u
#define IOAPIC_ADDR	0xfec00000u

struct mpf {			/* the floating pointer: 16 bytes */
	char sig[4];		/* "_MP_" */
	uint32_t table;		/* where the configuration table is */
	uint8_t length;		/* in 16-byte units: 1 */
	uint8_t rev;		/* 4: version 1.4 */
	uint8_t checksum;
	uint8_t feature[5];	/* all 0: a configuration table follows */
} __attribute__((packed));

struct mpc {			/* the configuration table's header */
	char sig[4];		/* "PCMP" */
	uint16_t length;
	uint8_t rev;
	uint8_t checksum;
	char oem[8], product[12];
	uint32_t oem_table;
	uint16_t oem_size, count;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type, apic_id, apic_ver, flags;	/* flags: 1 enabled, 2 BSP */
	uint32_t signature, features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type, id;
	char name[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type, id, ver, flags;
	uint32_t addr;
} __attribute__((packed));

struct mpc_irq {		/* I/O (type 3) and local (type 4) interrupts */
	uint8_t type, irqtype;
	uint16_t flags;		/* 0: polarity and trigger as the bus has them */
	uint8_t bus, bus_irq, apic, pin;
} __attribute__((packed));

enum { MP_CPU, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { INT_VECTORED, INT_NMI, INT_SMI, INT_EXTINT };

#define BUS_ISA		0

static uint8_t checksum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (n--)
		sum += *b++;
	return -sum;
}

int mptable_write(struct vm *vm)
{
	uint8_t *base = gpa_to_hva(vm, MP_ADDR, 1024);
	struct mpf *f = (struct mpf *)base;
	struct mpc *c = (struct mpc *)(f + 1);
	uint8_t *p = (uint8_t *)(c + 1);
	uint8_t ioapic_id = vm->ncpus;	/* after the CPUs' APIC ids */
	unsigned int i, n = 0;

	if (!base || sizeof(*f) + sizeof(*c) + vm->ncpus * sizeof(struct mpc_cpu) +
		     sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
		     18 * sizeof(struct mpc_irq) > 1024) {
		err("the MP table does not fit in base memory");
		return -1;
	}
	memset(base, 0, 1024);

	for (i = 0; i < vm->ncpus; i++, n++) {
		struct mpc_cpu *cpu = (struct mpc_cpu *)p;

		cpu->type = MP_CPU;
		cpu->apic_id = i;
		cpu->apic_ver = 0x14;
		cpu->flags = 1 | (i == 0 ? 2 : 0);
		cpu->signature = 0x600;		/* family 6 */
		cpu->features = 0x201;		/* FPU, APIC */
		p += sizeof(*cpu);
	}
	*(struct mpc_bus *)p = (struct mpc_bus){ MP_BUS, BUS_ISA, "ISA   " };
	p += sizeof(struct mpc_bus);
	n++;
	*(struct mpc_ioapic *)p = (struct mpc_ioapic){ MP_IOAPIC, ioapic_id,
						       0x11, 1, IOAPIC_ADDR };
	p += sizeof(struct mpc_ioapic);
	n++;
	/* ISA IRQ n on I/O APIC pin n: KVM's routing of IRQ lines. */
	for (i = 0; i < 16; i++, n++) {
		*(struct mpc_irq *)p = (struct mpc_irq){ MP_INTSRC, INT_VECTORED,
			0, BUS_ISA, i, ioapic_id, i };
		p += sizeof(struct mpc_irq);
	}
	/* Every CPU: the PIC on LINT0, NMI on LINT1. */
	*(struct mpc_irq *)p = (struct mpc_irq){ MP_LINTSRC, INT_EXTINT, 0,
						 BUS_ISA, 0, 0xff, 0 };
	p += sizeof(struct mpc_irq);
	*(struct mpc_irq *)p = (struct mpc_irq){ MP_LINTSRC, INT_NMI, 0,
						 BUS_ISA, 0, 0xff, 1 };
	p += sizeof(struct mpc_irq);
	n += 2;

	memcpy(c->sig, "PCMP", 4);
	c->length = p - (uint8_t *)c;
	c->rev = 4;
	memcpy(c->oem, "VHX     ", 8);
	memcpy(c->product, "vhx-launch  ", 12);
	c->count = n;
	c->lapic = LAPIC_ADDR;
	c->checksum = checksum(c, c->length);

	memcpy(f->sig, "_MP_", 4);
	f->table = MP_ADDR + sizeof(*f);
	f->length = 1;
	f->rev = 4;
	f->checksum = checksum(f, sizeof(*f));
	return 0;
}
