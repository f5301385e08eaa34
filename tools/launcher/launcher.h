/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhx-launch: the shortest honest path from open("/dev/kvm") to a running
 * Linux guest, in the spirit of lguest's launcher.  This header is the map:
 * one struct for the machine, and what each file does with it.
 *
 *   main.c    options, and the order things are built in
 *   kvm.c     the VM, its memory, its vCPUs, and the exits they make
 *   boot.c    Linux's x86 boot protocol: bzImage, initrd, command line
 *   mptable.c the MP table, where the guest finds its CPUs and interrupts
 *   serial.c  a 16550A UART at 0x3f8, the guest's console on our stdout
 *   rtc.c     the real-time clock, so the guest knows the date
 *   pci.c     a PCI bus, found through ports 0xcf8/0xcfc
 *   msix.c    MSI-X: vectors become KVM routes, call eventfds irqfds
 *   virtio_pci.c  the modern virtio-pci transport
 *   net.c     virtio-net, its queues handed to /dev/vhx-net with a tap
 *
 * The guest has no firmware: we load the kernel where the boot protocol
 * says, describe memory in the zero page, and start the vCPU in 32-bit
 * protected mode at the kernel's entry, as a boot loader would leave it.
 */
#ifndef _VHX_LAUNCHER_H
#define _VHX_LAUNCHER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_CPUS	32

/*
 * Guest physical memory: RAM from 0 to the hole, the hole (where PCI
 * devices put their registers, as on a PC), then the rest of RAM from
 * 4 GiB.  One mapping in our address space holds both parts of RAM.
 */
#define HOLE_START	0xc0000000ULL	/* 3 GiB */
#define HOLE_END	0x100000000ULL	/* 4 GiB */

struct vm;

/* A handler of port I/O: @data is @len bytes, in or out. */
typedef void (*io_fn)(struct vm *vm, uint16_t port, bool out, uint8_t *data,
		      unsigned int len, void *opaque);
/* A handler of guest-physical MMIO. */
typedef void (*mmio_fn)(struct vm *vm, uint64_t addr, bool write,
			uint8_t *data, unsigned int len, void *opaque);

struct io_range {
	uint64_t start, len;
	bool mmio;
	union {
		io_fn io;
		mmio_fn mmio;
	} fn;
	void *opaque;
};

#define MAX_IO_RANGES	64

struct vm {
	int kvm, fd;			/* /dev/kvm, the VM */
	uint8_t *ram;			/* guest RAM, as we see it */
	uint64_t ram_size;		/* bytes of RAM */
	uint64_t low_size;		/* of which below HOLE_START */
	unsigned int ncpus;
	int vcpu[MAX_CPUS];
	struct kvm_run *run[MAX_CPUS];
	size_t run_size;
	pthread_t thread[MAX_CPUS];

	struct io_range io[MAX_IO_RANGES];
	unsigned int nio;
	pthread_mutex_t io_lock;	/* devices are called one at a time */

	bool verbose;			/* --verbose: say what was negotiated */

	/* Set by the first vCPU to see the guest reset or fail. */
	volatile int exit_code;
	volatile bool stop;
};

/* kvm.c */
int vm_create(struct vm *vm, uint64_t ram_mib, unsigned int ncpus);
void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
int vm_add_io(struct vm *vm, uint16_t port, uint16_t len, io_fn fn, void *opaque);
int vm_add_mmio(struct vm *vm, uint64_t addr, uint64_t len, mmio_fn fn,
		void *opaque);
int vm_irq_line(struct vm *vm, unsigned int irq, int level);
int vm_run(struct vm *vm);
void vm_stop(struct vm *vm, int code);

/* boot.c */
struct boot_args {
	const char *kernel, *initrd, *cmdline;
};
int boot_load(struct vm *vm, const struct boot_args *a);

/* mptable.c */
int mptable_write(struct vm *vm);

/* serial.c */
int serial_init(struct vm *vm);

/* rtc.c */
int rtc_init(struct vm *vm);

/* net.c: one virtio-net device from a --net spec (modified in place). */
int net_create(struct vm *vm, char *spec, unsigned int index);

/* Say what failed and why, on stderr, prefixed with the program's name. */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define err(...)	warnx_(__VA_ARGS__)

#endif /* _VHX_LAUNCHER_H */
