/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A modern (VIRTIO_F_VERSION_1) virtio-pci device (virtio_pci.c): the
 * transport, with the device type's own part behind struct virtio_ops.
 */
#ifndef _VHX_LAUNCHER_VIRTIO_PCI_H
#define _VHX_LAUNCHER_VIRTIO_PCI_H

#include "msix.h"
#include "pci.h"

#define VQ_MAX		2
#define VQ_SIZE_MAX	256

struct virtio_pci;

struct virtio_ops {
	/* DRIVER_OK: hand the queues to the data path; 0 or -1 (said why). */
	int (*start)(struct virtio_pci *v);
	/* A reset by the guest (status 0): take them back. */
	void (*stop)(struct virtio_pci *v);
};

struct virtio_vq {
	uint16_t size, vector, enable;
	uint64_t desc, driver, device;	/* guest-physical */
	int kick, call;			/* eventfds: ioeventfd, irqfd */
};

struct virtio_pci {
	struct pci_dev pci;
	struct msix msix;
	struct vm *vm;
	const struct virtio_ops *ops;
	const char *name;		/* for messages: "net0" */

	uint64_t features;		/* offered */
	uint64_t acked;			/* written by the guest */
	uint32_t dfselect, gfselect;
	uint8_t status;
	uint16_t config_vector, queue_select, nqueues;
	struct virtio_vq vq[VQ_MAX];
	bool started;
	uint8_t msix_cap;		/* its offset in configuration space */

	uint8_t *config;		/* the device type's config space */
	unsigned int config_len;
	unsigned int complaints;	/* messages about the guest, so far */
};

/*
 * A device of virtio type @type with @nqueues queues: PCI identity,
 * capabilities, MSI-X (a vector per queue and one for config changes),
 * and a kick eventfd per queue bound to its notify address.
 */
int virtio_pci_init(struct virtio_pci *v, struct vm *vm, uint16_t type,
		    unsigned int nqueues);
/* Say what the guest did wrong (the first few times). */
void virtio_complain(struct virtio_pci *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* _VHX_LAUNCHER_VIRTIO_PCI_H */
