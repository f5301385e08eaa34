// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-pci transport, modern layout (virtio 1.x, section 4.1): the
 * registers a virtio driver programs to find its device, agree on
 * features and describe its queues.  All of it is the slow path: each
 * access is an exit to us, and happens a few dozen times per boot.
 *
 * The device's one BAR holds, at fixed offsets,
 *
 *   0x0000  common configuration (features, status, queue setup)
 *   0x0800  the MSI-X table, 0x0c00 its pending bits (msix.c)
 *   0x1000  the ISR byte (only for INTx, which we do not offer)
 *   0x2000  the device type's configuration (a MAC address, for net)
 *   0x3000  notify: queue n is kicked by a 16-bit write at 0x3000 + 4n
 *
 * and vendor capabilities in configuration space tell the driver where.
 * The notify addresses are KVM ioeventfds: a kick is an eventfd signal in
 * the host kernel (vhx waits on it), not an exit.  If a driver writes
 * there in a way the ioeventfd does not match (not 16 bits), the exit
 * comes to us and we signal the same eventfd.
 *
 * The guest is not trusted: a register write we do not know, a queue size
 * we did not offer, or features we did not offer get a message naming
 * them, and the device refuses (FEATURES_OK not set, or DEVICE_NEEDS_RESET)
 * rather than running with them.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "virtio_pci.h"

#define BAR_SIZE	0x4000
#define COMMON_OFF	0x0000
#define MSIX_TABLE_OFF	0x0800
#define MSIX_PBA_OFF	0x0c00
#define ISR_OFF		0x1000
#define DEVICE_OFF	0x2000
#define NOTIFY_OFF	0x3000
#define NOTIFY_MULT	4

#define MAX_COMPLAINTS	20

void virtio_complain(struct virtio_pci *v, const char *fmt, ...)
{
	va_list ap;

	if (v->complaints++ >= MAX_COMPLAINTS)
		return;
	fprintf(stderr, "vhx-launch: %s: the guest ", v->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(v->complaints == MAX_COMPLAINTS ? " (saying no more)\n" : "\n",
	      stderr);
}

static int ioeventfd(struct virtio_pci *v, unsigned int q, uint32_t bar, bool on)
{
	struct kvm_ioeventfd e = {
		.addr = bar + NOTIFY_OFF + q * NOTIFY_MULT,
		.len = 2,
		.fd = v->vq[q].kick,
		.flags = on ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	if (ioctl(v->vm->fd, KVM_IOEVENTFD, &e)) {
		err("KVM_IOEVENTFD (%s, queue %u): %s", on ? "assign" : "deassign",
		    q, strerror(errno));
		return -1;
	}
	return 0;
}

/* The guest moved the BAR: the notify addresses move with it. */
static void bar_moved(struct vm *vm, struct pci_dev *d, uint32_t old)
{
	struct virtio_pci *v = (struct virtio_pci *)d;
	unsigned int q;

	(void)vm;
	for (q = 0; q < v->nqueues; q++)
		if (ioeventfd(v, q, old, false) || ioeventfd(v, q, d->bar_addr, true))
			vm_stop(v->vm, 1);
}

static void reset(struct virtio_pci *v)
{
	unsigned int q;

	if (v->started)
		v->ops->stop(v);
	v->started = false;
	msix_unbind_all(&v->msix);
	v->status = 0;
	v->acked = 0;
	v->dfselect = v->gfselect = 0;
	v->config_vector = MSIX_NO_VECTOR;
	v->queue_select = 0;
	for (q = 0; q < v->nqueues; q++) {
		struct virtio_vq *vq = &v->vq[q];

		vq->size = VQ_SIZE_MAX;
		vq->vector = MSIX_NO_VECTOR;
		vq->enable = 0;
		vq->desc = vq->driver = vq->device = 0;
	}
}

/* The status register: where the driver says how far it got. */
static void set_status(struct virtio_pci *v, uint8_t s)
{
	unsigned int q;

	if (!s) {
		reset(v);
		return;
	}
	if ((s & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(v->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    (v->acked & ~v->features)) {
		virtio_complain(v, "acked features %#llx we did not offer",
				(unsigned long long)(v->acked & ~v->features));
		s &= ~VIRTIO_CONFIG_S_FEATURES_OK;	/* it reads back: refused */
	}
	/*
	 * DEVICE_NEEDS_RESET is ours to set (a queue size we did not
	 * offer, a failed start): the guest's writes do not clear it, only
	 * a reset does, and a device that needs one never starts.
	 */
	v->status = s | (v->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	if (!(s & VIRTIO_CONFIG_S_DRIVER_OK) || v->started ||
	    (v->status & VIRTIO_CONFIG_S_NEEDS_RESET))
		return;
	if (!(s & VIRTIO_CONFIG_S_FEATURES_OK)) {
		virtio_complain(v, "set DRIVER_OK without FEATURES_OK");
		v->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		return;
	}
	/* Each queue's interrupt, then the data path. */
	for (q = 0; q < v->nqueues; q++)
		msix_bind(&v->msix, q, v->vq[q].call, v->vq[q].vector);
	if (v->ops->start(v)) {
		v->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		return;
	}
	v->started = true;
}

static void queue_size(struct virtio_pci *v, struct virtio_vq *vq, uint16_t n)
{
	bool packed = v->acked & (1ULL << VIRTIO_F_RING_PACKED);

	/* Split rings must be a power of two; packed ones need not. */
	if (!n || n > VQ_SIZE_MAX || (!packed && (n & (n - 1)))) {
		virtio_complain(v, "set queue %u's size to %u (offered: %s up to %u)",
				v->queue_select, n,
				packed ? "any size" : "a power of two",
				VQ_SIZE_MAX);
		v->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		return;
	}
	vq->size = n;
}

/* A 64-bit field written as two 32-bit halves. */
static void half(uint64_t *f, unsigned int off, uint32_t val)
{
	if (off % 8)
		*f = (*f & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*f = (*f & ~0xffffffffULL) | val;
}

static void common_write(struct virtio_pci *v, unsigned int off, uint32_t val,
			 unsigned int len)
{
	struct virtio_vq *vq = v->queue_select < v->nqueues ?
			       &v->vq[v->queue_select] : NULL;
	bool queue_reg = off >= VIRTIO_PCI_COMMON_Q_SIZE &&
			 off < VIRTIO_PCI_COMMON_Q_NDATA;

	if (queue_reg && !vq) {
		virtio_complain(v, "wrote queue register %#x of queue %u, which does not exist",
				off, v->queue_select);
		return;
	}
	if (queue_reg && v->started && off != VIRTIO_PCI_COMMON_Q_MSIX) {
		virtio_complain(v, "changed queue %u (register %#x) while it runs",
				v->queue_select, off);
		return;
	}
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: v->dfselect = val; break;
	case VIRTIO_PCI_COMMON_GFSELECT: v->gfselect = val; break;
	case VIRTIO_PCI_COMMON_GF:
		if (v->gfselect < 2)
			half(&v->acked, v->gfselect * 4, val);
		break;
	case VIRTIO_PCI_COMMON_MSIX: v->config_vector = val; break;
	case VIRTIO_PCI_COMMON_STATUS: set_status(v, val); break;
	case VIRTIO_PCI_COMMON_Q_SELECT: v->queue_select = val; break;
	case VIRTIO_PCI_COMMON_Q_SIZE: queue_size(v, vq, val); break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		vq->vector = val;
		if (v->started)
			msix_bind(&v->msix, v->queue_select, vq->call, val);
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE: vq->enable = val; break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		half(&vq->desc, off, val);
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		half(&vq->driver, off, val);
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		half(&vq->device, off, val);
		break;
	default:
		virtio_complain(v, "wrote %u bytes to common register %#x, which is read-only or unknown",
				len, off);
		break;
	}
}

static uint32_t common_read(struct virtio_pci *v, unsigned int off)
{
	struct virtio_vq *vq = v->queue_select < v->nqueues ?
			       &v->vq[v->queue_select] : NULL;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: return v->dfselect;
	case VIRTIO_PCI_COMMON_DF:
		return v->dfselect < 2 ? v->features >> (32 * v->dfselect) : 0;
	case VIRTIO_PCI_COMMON_GFSELECT: return v->gfselect;
	case VIRTIO_PCI_COMMON_GF:
		return v->gfselect < 2 ? v->acked >> (32 * v->gfselect) : 0;
	case VIRTIO_PCI_COMMON_MSIX: return v->config_vector;
	case VIRTIO_PCI_COMMON_NUMQ: return v->nqueues;
	case VIRTIO_PCI_COMMON_STATUS: return v->status;
	case VIRTIO_PCI_COMMON_CFGGENERATION: return 0;
	case VIRTIO_PCI_COMMON_Q_SELECT: return v->queue_select;
	}
	if (!vq)	/* a queue that does not exist has size 0 */
		return 0;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE: return vq->size;
	case VIRTIO_PCI_COMMON_Q_MSIX: return vq->vector;
	case VIRTIO_PCI_COMMON_Q_ENABLE: return vq->enable;
	case VIRTIO_PCI_COMMON_Q_NOFF: return v->queue_select;
	case VIRTIO_PCI_COMMON_Q_DESCLO: return vq->desc;
	case VIRTIO_PCI_COMMON_Q_DESCHI: return vq->desc >> 32;
	case VIRTIO_PCI_COMMON_Q_AVAILLO: return vq->driver;
	case VIRTIO_PCI_COMMON_Q_AVAILHI: return vq->driver >> 32;
	case VIRTIO_PCI_COMMON_Q_USEDLO: return vq->device;
	case VIRTIO_PCI_COMMON_Q_USEDHI: return vq->device >> 32;
	}
	return 0;
}

static void bar_access(struct vm *vm, struct pci_dev *d, uint32_t off,
		       bool wr, uint8_t *data, unsigned int len)
{
	struct virtio_pci *v = (struct virtio_pci *)d;
	uint32_t val = 0;

	(void)vm;
	if (wr)
		memcpy(&val, data, len < 4 ? len : 4);
	else
		memset(data, 0, len);

	if (off < MSIX_TABLE_OFF) {
		if (wr) {
			common_write(v, off, val, len);
		} else {
			val = common_read(v, off);
			memcpy(data, &val, len < 4 ? len : 4);
		}
	} else if (off < MSIX_PBA_OFF) {
		msix_table(&v->msix, off - MSIX_TABLE_OFF, wr, data, len);
	} else if (off < ISR_OFF) {
		if (!wr)
			msix_pba(&v->msix, off - MSIX_PBA_OFF, data, len);
	} else if (off < DEVICE_OFF) {
		/* ISR: we never raise INTx, so nothing is ever pending. */
	} else if (off < NOTIFY_OFF) {
		off -= DEVICE_OFF;
		if (wr)
			virtio_complain(v, "wrote device config at %#x", off);
		else if (off < v->config_len)
			memcpy(data, v->config + off,
			       len < v->config_len - off ? len : v->config_len - off);
	} else if (wr) {
		unsigned int q = (off - NOTIFY_OFF) / NOTIFY_MULT;
		uint64_t one = 1;

		/* A kick the ioeventfd did not match: pass it on. */
		if (q < v->nqueues && write(v->vq[q].kick, &one, 8) != 8)
			err("%s: kick of queue %u: %s", v->name, q, strerror(errno));
	}
}

/* Configuration writes for our capabilities: MSI-X's message control. */
static void config_write(struct vm *vm, struct pci_dev *d, unsigned int off,
			 const uint8_t *data, unsigned int len)
{
	struct virtio_pci *v = (struct virtio_pci *)d;
	unsigned int ctrl = v->msix_cap + PCI_MSIX_FLAGS;
	uint16_t val, keep = PCI_MSIX_FLAGS_QSIZE;

	(void)vm;
	if (off != ctrl || len != 2)
		return;		/* everything else in our capabilities is read-only */
	memcpy(&val, data, 2);
	val = (val & ~keep) | (pci_get16(d, ctrl) & keep);
	pci_set16(d, ctrl, val);
	msix_control(&v->msix, val);
}

static void vendor_cap(struct virtio_pci *v, uint8_t type, uint32_t off,
		       uint32_t len)
{
	struct {
		struct virtio_pci_cap cap;
		uint32_t mult;
	} c = {
		.cap = { .cap_vndr = PCI_CAP_ID_VNDR, .cfg_type = type,
			 .bar = 0, .offset = off, .length = len },
		.mult = NOTIFY_MULT,
	};

	c.cap.cap_len = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? sizeof(c) : sizeof(c.cap);
	pci_add_cap(&v->pci, &c, c.cap.cap_len);
}

int virtio_pci_init(struct virtio_pci *v, struct vm *vm, uint16_t type,
		    unsigned int nqueues)
{
	struct pci_dev *d = &v->pci;
	unsigned int q, nvec = nqueues + 1;
	uint8_t msix[12] = { PCI_CAP_ID_MSIX };

	v->vm = vm;
	v->nqueues = nqueues;
	/* Identity: a modern virtio device is 0x1040 + its type. */
	pci_set16(d, PCI_VENDOR_ID, 0x1af4);
	pci_set16(d, PCI_DEVICE_ID, 0x1040 + type);
	d->cfg[PCI_REVISION_ID] = 1;
	pci_set16(d, PCI_CLASS_DEVICE, type == 1 ? 0x0200 : 0x0000);
	pci_set16(d, PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
	pci_set16(d, PCI_SUBSYSTEM_ID, 0x40 + type);
	d->bar_size = BAR_SIZE;
	d->bar_access = bar_access;
	d->bar_moved = bar_moved;
	d->config_write = config_write;

	vendor_cap(v, VIRTIO_PCI_CAP_COMMON_CFG, COMMON_OFF, 0x40);
	vendor_cap(v, VIRTIO_PCI_CAP_ISR_CFG, ISR_OFF, 4);
	vendor_cap(v, VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE_OFF, v->config_len);
	vendor_cap(v, VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_OFF, nqueues * NOTIFY_MULT);
	/* MSI-X: table size - 1, then table and PBA offsets in BAR 0. */
	msix[2] = nvec - 1;
	memcpy(msix + 4, &(uint32_t){ MSIX_TABLE_OFF }, 4);
	memcpy(msix + 8, &(uint32_t){ MSIX_PBA_OFF }, 4);
	v->msix_cap = pci_add_cap(d, msix, sizeof(msix));

	if (msix_init(&v->msix, vm, nvec) || pci_add(vm, d))
		return -1;
	for (q = 0; q < nqueues; q++) {
		v->vq[q].kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		v->vq[q].call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->vq[q].kick < 0 || v->vq[q].call < 0) {
			err("eventfd: %s", strerror(errno));
			return -1;
		}
		if (ioeventfd(v, q, d->bar_addr, true))
			return -1;
	}
	reset(v);
	return 0;
}
