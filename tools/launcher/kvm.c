// SPDX-License-Identifier: GPL-2.0
/*
 * The machine: a KVM VM with RAM, an in-kernel interrupt controller, and
 * vCPUs that each run in a thread of their own until the guest resets.
 *
 * KVM does the CPU, the local APICs, the I/O APIC, the PIC and the PIT.
 * What is left to us are the exits: a port or a physical address the
 * kernel does not know.  Each goes to the handler a device registered for
 * it (vm_add_io, vm_add_mmio); anything unclaimed reads as all ones, as
 * an empty bus does on a PC.
 *
 * Notice what is not here: no exit ever carries a network packet.  The
 * virtio-net queues are kicked through ioeventfds and interrupt the guest
 * through irqfds, both handled by KVM and vhx in the host kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "launcher.h"

/*
 * Three pages KVM needs for itself on Intel (the TSS of real-mode
 * emulation, and an identity page table), placed in the hole below 4 GiB
 * where no RAM or device is.
 */
#define TSS_ADDR	0xfffbd000
#define IDMAP_ADDR	0xfffbc000

void warnx_(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vhx-launch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* An ioctl that must work: on failure, say which and why. */
static int kvm_call(int fd, unsigned long req, unsigned long arg, const char *name)
{
	int ret = ioctl(fd, req, arg);

	if (ret < 0)
		err("%s: %s", name, strerror(errno));
	return ret;
}
#define KVM(fd, req, arg) kvm_call(fd, req, (unsigned long)(arg), #req)

static int set_cpuid(struct vm *vm, unsigned int i)
{
	struct kvm_cpuid2 *c;
	unsigned int n = 256, k;
	int ret;

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	if (!c)
		return -1;
	c->nent = n;
	ret = KVM(vm->kvm, KVM_GET_SUPPORTED_CPUID, c);
	for (k = 0; !ret && k < c->nent; k++) {
		struct kvm_cpuid_entry2 *e = &c->entries[k];

		/*
		 * Each CPU's APIC id, where the guest reads it; and the
		 * "hypervisor" bit, without which Linux never looks for
		 * KVM's leaves (kvm-clock, paravirt EOI, steal time).
		 */
		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffff) | i << 24;
			e->ecx |= 1u << 31;
		}
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = i;
	}
	if (!ret)
		ret = KVM(vm->vcpu[i], KVM_SET_CPUID2, c);
	free(c);
	return ret;
}

static int memory(struct vm *vm)
{
	struct kvm_userspace_memory_region low = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->low_size,
		.userspace_addr = (uintptr_t)vm->ram,
	};
	struct kvm_userspace_memory_region high = {
		.slot = 1,
		.guest_phys_addr = HOLE_END,
		.memory_size = vm->ram_size - vm->low_size,
		.userspace_addr = (uintptr_t)vm->ram + vm->low_size,
	};

	if (KVM(vm->fd, KVM_SET_USER_MEMORY_REGION, &low))
		return -1;
	if (high.memory_size && KVM(vm->fd, KVM_SET_USER_MEMORY_REGION, &high))
		return -1;
	return 0;
}

int vm_create(struct vm *vm, uint64_t ram_mib, unsigned int ncpus)
{
	struct kvm_pit_config pit = { .flags = 0 };
	unsigned int i;
	int ret;

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0) {
		err("open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	ret = ioctl(vm->kvm, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		err("KVM API version %d, want %d", ret, KVM_API_VERSION);
		return -1;
	}
	vm->fd = KVM(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0 || KVM(vm->fd, KVM_SET_TSS_ADDR, TSS_ADDR))
		return -1;
	{
		uint64_t idmap = IDMAP_ADDR;

		if (KVM(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap))
			return -1;
	}
	/* The PIC, I/O APIC and local APICs, and the PIT: all in KVM. */
	if (KVM(vm->fd, KVM_CREATE_IRQCHIP, 0) ||
	    KVM(vm->fd, KVM_CREATE_PIT2, &pit))
		return -1;

	vm->ram_size = ram_mib << 20;
	vm->low_size = vm->ram_size < HOLE_START ? vm->ram_size : HOLE_START;
	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		err("guest RAM (%llu MiB): %s", (unsigned long long)ram_mib,
		    strerror(errno));
		return -1;
	}
	madvise(vm->ram, vm->ram_size, MADV_MERGEABLE);
	if (memory(vm))
		return -1;

	ret = KVM(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < 0)
		return -1;
	vm->run_size = ret;
	vm->ncpus = ncpus;
	for (i = 0; i < ncpus; i++) {
		vm->vcpu[i] = KVM(vm->fd, KVM_CREATE_VCPU, i);
		if (vm->vcpu[i] < 0)
			return -1;
		vm->run[i] = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
				  MAP_SHARED, vm->vcpu[i], 0);
		if (vm->run[i] == MAP_FAILED) {
			err("mmap of vCPU %u: %s", i, strerror(errno));
			return -1;
		}
		if (set_cpuid(vm, i))
			return -1;
	}
	pthread_mutex_init(&vm->io_lock, NULL);
	return 0;
}

void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= vm->low_size)
		return vm->ram + gpa;
	if (gpa >= HOLE_END && gpa + len - HOLE_END <= vm->ram_size - vm->low_size)
		return vm->ram + vm->low_size + (gpa - HOLE_END);
	return NULL;
}

static int add_range(struct vm *vm, struct io_range r)
{
	if (vm->nio == MAX_IO_RANGES) {
		err("too many device ranges");
		return -1;
	}
	vm->io[vm->nio++] = r;
	return 0;
}

int vm_add_io(struct vm *vm, uint16_t port, uint16_t len, io_fn fn, void *opaque)
{
	return add_range(vm, (struct io_range){ .start = port, .len = len,
			 .fn.io = fn, .opaque = opaque });
}

int vm_add_mmio(struct vm *vm, uint64_t addr, uint64_t len, mmio_fn fn,
		void *opaque)
{
	return add_range(vm, (struct io_range){ .start = addr, .len = len,
			 .mmio = true, .fn.mmio = fn, .opaque = opaque });
}

int vm_irq_line(struct vm *vm, unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	return ioctl(vm->fd, KVM_IRQ_LINE, &l);
}

static struct io_range *find(struct vm *vm, uint64_t addr, bool mmio)
{
	unsigned int i;

	for (i = 0; i < vm->nio; i++) {
		struct io_range *r = &vm->io[i];

		if (r->mmio == mmio && addr >= r->start && addr - r->start < r->len)
			return r;
	}
	return NULL;
}

static void do_io(struct vm *vm, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	struct io_range *r = find(vm, run->io.port, false);
	unsigned int i;

	/* A string instruction (rep ins/outs) comes as count items. */
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (r)
			r->fn.io(vm, run->io.port, out, data, run->io.size, r->opaque);
		else if (!out)
			memset(data, 0xff, run->io.size);
	}
}

static void do_mmio(struct vm *vm, struct kvm_run *run)
{
	struct io_range *r = find(vm, run->mmio.phys_addr, true);

	if (r)
		r->fn.mmio(vm, run->mmio.phys_addr, run->mmio.is_write,
			   run->mmio.data, run->mmio.len, r->opaque);
	else if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, run->mmio.len);
}

void vm_stop(struct vm *vm, int code)
{
	unsigned int i;

	if (vm->stop)
		return;
	vm->exit_code = code;
	vm->stop = true;
	/* Kick every vCPU out of KVM_RUN, or keep it from going back in. */
	for (i = 0; i < vm->ncpus; i++) {
		vm->run[i]->immediate_exit = 1;
		if (vm->thread[i])
			pthread_kill(vm->thread[i], SIGUSR1);
	}
}

struct vcpu_arg {
	struct vm *vm;
	unsigned int i;
};

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct vm *vm = a->vm;
	struct kvm_run *run = vm->run[a->i];
	int fd = vm->vcpu[a->i];

	while (!vm->stop) {
		if (ioctl(fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err("KVM_RUN (vCPU %u): %s", a->i, strerror(errno));
			vm_stop(vm, 1);
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			pthread_mutex_lock(&vm->io_lock);
			do_io(vm, run);
			pthread_mutex_unlock(&vm->io_lock);
			break;
		case KVM_EXIT_MMIO:
			pthread_mutex_lock(&vm->io_lock);
			do_mmio(vm, run);
			pthread_mutex_unlock(&vm->io_lock);
			break;
		case KVM_EXIT_SHUTDOWN:
			/*
			 * A triple fault: how a PC without firmware resets,
			 * and one of the ways Linux reboots.  Reboot is how
			 * the guest asks us to end (there is no ACPI to
			 * power off with), so this is a clean exit.
			 */
			vm_stop(vm, 0);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			vm_stop(vm, run->system_event.type ==
					    KVM_SYSTEM_EVENT_CRASH ? 1 : 0);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_FAIL_ENTRY:
			err("vCPU %u: entry failed, reason %#llx", a->i,
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			vm_stop(vm, 1);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			err("vCPU %u: KVM internal error %u", a->i,
			    run->internal.suberror);
			vm_stop(vm, 1);
			break;
		default:
			err("vCPU %u: unexpected exit %u", a->i, run->exit_reason);
			vm_stop(vm, 1);
			break;
		}
	}
	return NULL;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

int vm_run(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct vcpu_arg args[MAX_CPUS];
	unsigned int i;

	/* No SA_RESTART: the signal must end a KVM_RUN with EINTR. */
	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < vm->ncpus; i++) {
		args[i] = (struct vcpu_arg){ vm, i };
		if (pthread_create(&vm->thread[i], NULL, vcpu_thread, &args[i])) {
			err("vCPU thread %u: cannot start", i);
			vm_stop(vm, 1);
			break;
		}
	}
	for (i = 0; i < vm->ncpus; i++)
		if (vm->thread[i])
			pthread_join(vm->thread[i], NULL);
	return vm->exit_code;
}
