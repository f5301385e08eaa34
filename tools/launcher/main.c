// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-launch: boot a Linux guest on KVM, its console on our stdout.
 *
 *   vhx-launch --kernel BZIMAGE [--initrd FILE] [--append "CMDLINE"]
 *              [--mem MiB] [--cpus N]
 *              [--net tap=IFNAME[,vhost=PATH][,mac=M][,packed][,in_order]]...
 *
 * The order below is the order a PC comes to life in: a machine with RAM
 * and CPUs (kvm.c), the devices on its buses (serial.c, rtc.c, pci.c with
 * net.c's virtio-net devices on it), the tables that
 * describe it to the guest (mptable.c), the kernel loaded as a boot loader
 * would (boot.c); then the vCPUs run until the guest reboots, which is how
 * it asks to end: we exit 0.  Any failure on the way is one line on stderr
 * naming what failed and why, and exit status 1.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"
#include "pci.h"

#define KBD_STATUS	0x64
#define KBD_RESET	0xfe

static void usage(FILE *f)
{
	fprintf(f,
"usage: vhx-launch --kernel BZIMAGE [options]\n"
"\n"
"Boot a Linux guest on KVM, with no firmware: the kernel is loaded as a\n"
"boot loader would, its console is a 16550A UART on this program's stdout.\n"
"The guest ends by rebooting (reboot -f, or a triple fault): vhx-launch\n"
"then exits 0; a guest that panics with panic=-1 reboots too.  There is\n"
"no ACPI, so a guest cannot power itself off: poweroff halts its CPUs and\n"
"leaves vhx-launch running until it is killed (as kvmtool does).\n"
"\n"
"  -k, --kernel FILE    the guest kernel, a bzImage\n"
"  -i, --initrd FILE    its initramfs\n"
"  -a, --append LINE    its command line (default: console=ttyS0)\n"
"  -m, --mem MiB        guest RAM (default 512)\n"
"  -c, --cpus N         vCPUs, 1 to %d (default 1)\n"
"  -n, --net SPEC       a virtio-net device on a tap, its data path in vhx:\n"
"                       tap=IFNAME[,vhost=PATH][,mac=M][,packed][,in_order]\n"
"                       vhost=: the vhx (or vhost) device, default /dev/vhx-net;\n"
"                       packed, in_order: offer the guest that ring layout\n"
"  -v, --verbose        say, per device, the features offered and acked\n"
"  -h, --help           this text\n", MAX_CPUS);
}

/*
 * Writing 0xfe to the keyboard controller pulses the CPU's reset line:
 * Linux's "reboot=k", and the first thing its default reboot tries.
 */
static void kbd_io(struct vm *vm, uint16_t port, bool out, uint8_t *data,
		   unsigned int len, void *opaque)
{
	(void)port;
	(void)opaque;
	if (out && data[0] == KBD_RESET)
		vm_stop(vm, 0);
	else if (!out)
		memset(data, 0xff, len);	/* no controller behind it */
}

static unsigned long number(const char *s, const char *what, unsigned long lo,
			    unsigned long hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end || v < lo || v > hi) {
		err("--%s %s: want a number from %lu to %lu", what, s, lo, hi);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "net", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct boot_args boot = { .cmdline = "console=ttyS0" };
	unsigned long mem = 512, cpus = 1;
	char *nets[PCI_SLOTS];
	unsigned int nnet = 0, i;
	bool verbose = false;
	struct vm vm;
	int c;

	while ((c = getopt_long(argc, argv, "k:i:a:m:c:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'k': boot.kernel = optarg; break;
		case 'i': boot.initrd = optarg; break;
		case 'a': boot.cmdline = optarg; break;
		case 'm': mem = number(optarg, "mem", 64, 1 << 20); break;
		case 'c': cpus = number(optarg, "cpus", 1, MAX_CPUS); break;
		case 'n':
			if (nnet == PCI_SLOTS - 1) {
				err("--net: at most %d devices", PCI_SLOTS - 1);
				return 1;
			}
			nets[nnet++] = optarg;
			break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!boot.kernel || optind < argc) {
		usage(stderr);
		return 2;
	}

	memset(&vm, 0, sizeof(vm));
	vm.verbose = verbose;
	if (vm_create(&vm, mem, cpus) ||
	    serial_init(&vm) || rtc_init(&vm) || pci_init(&vm) ||
	    vm_add_io(&vm, KBD_STATUS, 1, kbd_io, NULL))
		return 1;
	for (i = 0; i < nnet; i++)
		if (net_create(&vm, nets[i], i))
			return 1;
	if (mptable_write(&vm) || boot_load(&vm, &boot))
		return 1;
	return vm_run(&vm);
}
