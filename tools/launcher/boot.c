// SPDX-License-Identifier: GPL-2.0
/*
 * Linux's x86 boot protocol, the 32-bit way (Documentation/arch/x86/
 * boot.rst in the kernel): what a boot loader leaves behind when it jumps
 * to the kernel, built by hand.
 *
 * A bzImage is two things glued together: the real-mode setup code (a
 * BIOS-era program we never run) whose first sector holds the "setup
 * header", and the protected-mode kernel (a decompressor with the
 * compressed kernel inside).  We read the header, copy the protected-mode
 * part to 1 MiB, and fill in the "zero page" (struct boot_params) with the
 * things setup code would have asked the BIOS: the memory map, where the
 * command line and initrd are.  Then the vCPU starts at the kernel's
 * 32-bit entry with flat segments and %esi pointing at the zero page; the
 * decompressor does the rest, long mode included.
 *
 * Guest-physical layout below 1 MiB (nothing else lives there: no BIOS):
 *
 *   0x00500  GDT (the boot protocol wants selectors 0x10 and 0x18)
 *   0x07000  zero page (struct boot_params)
 *   0x20000  command line
 *   0x9fc00  MP table (mptable.c), in the last KiB of base memory
 *   0x100000 the kernel
 *
 * and the initrd as high as the kernel allows below the PCI hole.
 */
#define _GNU_SOURCE
#include <asm/bootparam.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

#define GDT_ADDR	0x500
#define ZERO_PAGE	0x7000
#define CMDLINE_ADDR	0x20000
#define CMDLINE_MAX	0x10000
#define EBDA_START	0x9fc00		/* base memory ends here: the MP table's */
#define KERNEL_ADDR	0x100000

#define HDRS_MAGIC	0x53726448	/* "HdrS" */

/* A whole file into a buffer of ours; its size in *size. */
static uint8_t *slurp(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		err("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	while (buf && done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n <= 0) {
			err("%s: %s", path, n ? strerror(errno) : "short read");
			free(buf);
			buf = NULL;
			break;
		}
		done += n;
	}
	close(fd);
	*size = st.st_size;
	return buf;
}

/* Copy into guest memory, or say why it does not fit. */
static int put(struct vm *vm, uint64_t gpa, const void *src, size_t len,
	       const char *what)
{
	void *dst = gpa_to_hva(vm, gpa, len);

	if (!dst) {
		err("%s (%zu bytes at %#llx) does not fit in guest RAM", what,
		    len, (unsigned long long)gpa);
		return -1;
	}
	memcpy(dst, src, len);
	return 0;
}

/*
 * The memory map the BIOS would have reported (int 0x15, e820): base
 * memory, the legacy hole up to 1 MiB (reserved: the MP table is there),
 * RAM up to the PCI hole, and RAM above 4 GiB.
 */
static void e820(struct vm *vm, struct boot_params *bp)
{
	struct boot_e820_entry *e = bp->e820_table;
	unsigned int n = 0;

	e[n++] = (struct boot_e820_entry){ 0, EBDA_START, 1 /* RAM */ };
	e[n++] = (struct boot_e820_entry){ EBDA_START, KERNEL_ADDR - EBDA_START,
					   2 /* reserved */ };
	e[n++] = (struct boot_e820_entry){ KERNEL_ADDR, vm->low_size - KERNEL_ADDR, 1 };
	if (vm->ram_size > vm->low_size)
		e[n++] = (struct boot_e820_entry){ HOLE_END,
						   vm->ram_size - vm->low_size, 1 };
	bp->e820_entries = n;
}

/*
 * The GDT the 32-bit entry expects: flat 4 GiB code at selector 0x10 and
 * data at 0x18.  The vCPU's segment registers are loaded with the same
 * descriptors below (KVM takes them as they are, hidden parts and all),
 * but the kernel may reload a selector before it has a GDT of its own.
 */
static int gdt(struct vm *vm)
{
	static const uint64_t g[4] = {
		0, 0,
		0x00cf9b000000ffffULL,	/* 0x10: code, execute/read, 4 GiB */
		0x00cf93000000ffffULL,	/* 0x18: data, read/write, 4 GiB */
	};

	return put(vm, GDT_ADDR, g, sizeof(g), "GDT");
}

static void flat(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
}

/* The BSP as a boot loader leaves it: protected mode, no paging, no IRQs. */
static int registers(struct vm *vm)
{
	struct kvm_sregs sr;
	struct kvm_regs r = {
		.rip = KERNEL_ADDR,
		.rsi = ZERO_PAGE,
		.rflags = 0x2,		/* bit 1 is always set; IF clear */
	};
	int fd = vm->vcpu[0];

	if (ioctl(fd, KVM_GET_SREGS, &sr)) {
		err("KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	flat(&sr.cs, 0x10, 0xb);
	flat(&sr.ds, 0x18, 0x3);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.gdt.base = GDT_ADDR;
	sr.gdt.limit = 4 * 8 - 1;
	sr.cr0 |= 1;			/* PE */
	sr.cr0 &= ~(1u << 31);		/* no paging */
	if (ioctl(fd, KVM_SET_SREGS, &sr) || ioctl(fd, KVM_SET_REGS, &r)) {
		err("KVM_SET_SREGS/REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The initrd as high as the kernel can reach it, page aligned, and above
 * @floor: where the kernel's own image and the room it decompresses into
 * end.  An initrd there would be overwritten as the kernel unpacks.
 */
static int initrd(struct vm *vm, struct boot_params *bp, const char *path,
		  uint64_t floor)
{
	uint64_t top = vm->low_size, at;
	size_t size;
	uint8_t *buf = slurp(path, &size);
	int ret;

	if (!buf)
		return -1;
	if (bp->hdr.initrd_addr_max && top > (uint64_t)bp->hdr.initrd_addr_max + 1)
		top = (uint64_t)bp->hdr.initrd_addr_max + 1;
	if (top < floor || size > top - floor) {
		err("%s: %zu bytes do not fit between the kernel (up to %#llx) and %#llx: give the guest more --mem",
		    path, size, (unsigned long long)floor, (unsigned long long)top);
		free(buf);
		return -1;
	}
	at = (top - size) & ~0xfffULL;
	ret = put(vm, at, buf, size, "initrd");
	free(buf);
	bp->hdr.ramdisk_image = at;
	bp->hdr.ramdisk_size = size;
	return ret;
}

int boot_load(struct vm *vm, const struct boot_args *a)
{
	struct boot_params bp;
	struct setup_header *h;
	size_t size, setup, hdr_end, len;
	uint64_t kernel_end;
	uint8_t *img = slurp(a->kernel, &size);

	if (!img)
		return -1;
	if (size < 0x1f1 + sizeof(*h)) {
		err("%s: too small for a bzImage", a->kernel);
		goto bad;
	}
	h = (struct setup_header *)(img + 0x1f1);
	if (h->header != HDRS_MAGIC || h->version < 0x0206) {
		err("%s: not a bzImage of boot protocol 2.06 or later", a->kernel);
		goto bad;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		err("%s: a zImage (loaded low); only bzImages are supported",
		    a->kernel);
		goto bad;
	}
	/* The setup code: setup_sects sectors after the boot sector. */
	setup = ((h->setup_sects ? h->setup_sects : 4) + 1) * 512;
	if (setup >= size) {
		err("%s: setup code runs past the end of the file", a->kernel);
		goto bad;
	}
	if (put(vm, KERNEL_ADDR, img + setup, size - setup, "kernel"))
		goto bad;

	/*
	 * The zero page starts as the image's own header (the part from
	 * 0x1f1 to its end, which the byte at 0x201 tells), then we fill in
	 * what a boot loader must.
	 */
	memset(&bp, 0, sizeof(bp));
	hdr_end = 0x202 + img[0x201];
	if (hdr_end > 0x1f1 + sizeof(bp.hdr))
		hdr_end = 0x1f1 + sizeof(bp.hdr);
	memcpy(&bp.hdr, img + 0x1f1, hdr_end - 0x1f1);
	free(img);
	img = NULL;

	bp.hdr.type_of_loader = 0xff;	/* "undefined": no registered id */
	bp.hdr.vid_mode = 0xffff;	/* "normal" */
	bp.hdr.loadflags |= CAN_USE_HEAP;
	bp.hdr.heap_end_ptr = 0xfe00;
	bp.hdr.code32_start = KERNEL_ADDR;

	len = strlen(a->cmdline) + 1;
	if (len > bp.hdr.cmdline_size + 1 || len > CMDLINE_MAX) {
		err("command line: %zu bytes, the kernel takes %u", len - 1,
		    bp.hdr.cmdline_size);
		return -1;
	}
	if (put(vm, CMDLINE_ADDR, a->cmdline, len, "command line"))
		return -1;
	bp.hdr.cmd_line_ptr = CMDLINE_ADDR;

	/*
	 * The kernel's image, and (protocol 2.10 on) the init_size bytes it
	 * needs from its preferred address to decompress and run there.
	 */
	kernel_end = KERNEL_ADDR + size - setup;
	if (bp.hdr.pref_address + bp.hdr.init_size > kernel_end)
		kernel_end = bp.hdr.pref_address + bp.hdr.init_size;
	if (a->initrd && initrd(vm, &bp, a->initrd, kernel_end))
		return -1;
	e820(vm, &bp);
	if (put(vm, ZERO_PAGE, &bp, sizeof(bp), "zero page") || gdt(vm))
		return -1;
	return registers(vm);
bad:
	free(img);
	return -1;
}
