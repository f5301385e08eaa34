// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio-net device whose data path is vhx: this file decides what the
 * guest is offered and, when the guest's driver is ready, hands its
 * queues to /dev/vhx-net.  It never sees a packet.
 *
 * At DRIVER_OK, through tools/lib/vhxdev (in QEMU's ioctl order):
 *
 *   - the owner, and the features the guest acked that are vhx's business
 *     (ring layout, event index, indirect descriptors, mergeable buffers);
 *   - guest memory: RAM below the PCI hole and RAM above 4 GiB, two
 *     regions, as our own mapping of them;
 *   - per queue (0 receive, 1 transmit): its size, a fresh start, the
 *     rings' addresses in our mapping, the kick eventfd (the ioeventfd on
 *     its notify address), the call eventfd (the irqfd of its MSI-X
 *     vector), and the tap as backend.
 *
 * After that a kick goes guest -> KVM -> eventfd -> vhx, and an interrupt
 * vhx -> eventfd -> KVM -> guest; the tap's other end is the host.  The
 * tap's virtio-net header is the guest's own (12 bytes), so checksum and
 * segmentation offloads pass through when the tap takes them.
 *
 * No fallback: if vhx cannot be opened or refuses a setting, we say which
 * ioctl failed and why, and stop the machine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/vhost_types.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/vhxdev.h"
#include "../../include/uapi/linux/vhx.h"
#include "launcher.h"
#include "virtio_pci.h"

#define RX	0
#define TX	1

struct net {
	struct virtio_pci vp;
	char name[8];
	const char *ifname, *path;
	bool packed, in_order;
	int tap;
	uint64_t vhx_features;		/* what the vhx device offers */
	struct vhxdev dev;
	struct virtio_net_config cfg;
};

/* Features of the ring and transport, which vhx implements. */
static const uint64_t ring_bits = 1ULL << VIRTIO_F_VERSION_1 |
	1ULL << VIRTIO_RING_F_EVENT_IDX | 1ULL << VIRTIO_RING_F_INDIRECT_DESC |
	1ULL << VIRTIO_NET_F_MRG_RXBUF | 1ULL << VIRTIO_F_RING_PACKED |
	1ULL << VIRTIO_F_IN_ORDER;

/* Offloads: the tap does them, the header passes through vhx untouched. */
static const uint64_t offload_bits = 1ULL << VIRTIO_NET_F_CSUM |
	1ULL << VIRTIO_NET_F_GUEST_CSUM | 1ULL << VIRTIO_NET_F_GUEST_TSO4 |
	1ULL << VIRTIO_NET_F_GUEST_TSO6 | 1ULL << VIRTIO_NET_F_HOST_TSO4 |
	1ULL << VIRTIO_NET_F_HOST_TSO6;

static unsigned int tun_offloads(uint64_t acked)
{
	unsigned int f = 0;

	if (acked & (1ULL << VIRTIO_NET_F_GUEST_CSUM))
		f |= TUN_F_CSUM;
	if (acked & (1ULL << VIRTIO_NET_F_GUEST_TSO4))
		f |= TUN_F_TSO4;
	if (acked & (1ULL << VIRTIO_NET_F_GUEST_TSO6))
		f |= TUN_F_TSO6;
	return f;
}

static int tap_open(struct net *n)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr = sizeof(struct virtio_net_hdr_mrg_rxbuf);

	n->tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (n->tap < 0) {
		err("%s: open /dev/net/tun: %s", n->name, strerror(errno));
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->ifname);
	if (ioctl(n->tap, TUNSETIFF, &ifr)) {
		err("%s: tap %s: TUNSETIFF: %s", n->name, n->ifname, strerror(errno));
		return -1;
	}
	/* VERSION_1: the header always has num_buffers, 12 bytes. */
	if (ioctl(n->tap, TUNSETVNETHDRSZ, &hdr)) {
		err("%s: tap %s: TUNSETVNETHDRSZ: %s", n->name, n->ifname,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Guest-physical ring area -> our address, or 0 if it is not all RAM. */
static uint64_t ring_hva(struct net *n, unsigned int q, const char *what,
			 uint64_t gpa, uint64_t len)
{
	void *p = gpa_to_hva(n->vp.vm, gpa, len);

	if (!p)
		virtio_complain(&n->vp, "put queue %u's %s (%llu bytes at %#llx) outside RAM",
				q, what, (unsigned long long)len,
				(unsigned long long)gpa);
	return (uintptr_t)p;
}

static int queue(struct net *n, unsigned int q, struct vhxdev_queue *out)
{
	struct virtio_vq *vq = &n->vp.vq[q];
	bool packed = n->vp.acked & (1ULL << VIRTIO_F_RING_PACKED);
	uint64_t num = vq->size;

	if (!vq->enable) {
		virtio_complain(&n->vp, "set DRIVER_OK with queue %u not enabled", q);
		return -1;
	}
	*out = (struct vhxdev_queue){
		.num = vq->size,
		.base = vhxdev_fresh_base(packed),
		.desc = ring_hva(n, q, "descriptors", vq->desc, 16 * num),
		.avail = ring_hva(n, q, "driver area", vq->driver,
				  packed ? 4 : 6 + 2 * num),
		.used = ring_hva(n, q, "device area", vq->device,
				 packed ? 4 : 6 + 8 * num),
		.kick = vq->kick, .call = vq->call, .err = -1,
		.backend = n->tap, .busyloop = -1,
	};
	return out->desc && out->avail && out->used ? 0 : -1;
}

static int net_start(struct virtio_pci *vp)
{
	struct net *n = (struct net *)vp;
	struct vm *vm = vp->vm;
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[2];
	} mem = { .m.nregions = 1 };
	struct vhxdev_queue q[2];
	struct vhxdev_config c = {
		.features = vp->acked & n->vhx_features,
		.mem = &mem.m, .backend_features = true,
		.nqueues = 2, .q = q,
	};
	unsigned int off = tun_offloads(vp->acked);

	if (queue(n, RX, &q[0]) || queue(n, TX, &q[1]))
		return -1;
	mem.m.regions[0] = (struct vhost_memory_region){
		.guest_phys_addr = 0, .memory_size = vm->low_size,
		.userspace_addr = (uintptr_t)vm->ram };
	if (vm->ram_size > vm->low_size) {
		mem.m.nregions = 2;
		mem.m.regions[1] = (struct vhost_memory_region){
			.guest_phys_addr = HOLE_END,
			.memory_size = vm->ram_size - vm->low_size,
			.userspace_addr = (uintptr_t)vm->ram + vm->low_size };
	}
	if (ioctl(n->tap, TUNSETOFFLOAD, off)) {
		err("%s: tap %s: TUNSETOFFLOAD %#x: %s", n->name, n->ifname, off,
		    strerror(errno));
		vm_stop(vm, 1);
		return -1;
	}
	if (vm->verbose)
		fprintf(stderr, "vhx-launch: %s: offered %#llx, the guest acked %#llx, %s got %#llx\n",
			n->name, (unsigned long long)vp->features,
			(unsigned long long)vp->acked, n->path,
			(unsigned long long)c.features);
	if (vhxdev_open(&n->dev, n->path) ||
	    vhxdev_setup(&n->dev, &c, VHXDEV_ORDER_QEMU, NULL)) {
		err("%s: %s", n->name, vhxdev_error(&n->dev));
		vhxdev_close(&n->dev);
		vm_stop(vm, 1);
		return -1;
	}
	return 0;
}

/* The guest reset the device: closing vhx stops its queues and frees it. */
static void net_stop(struct virtio_pci *vp)
{
	vhxdev_close(&((struct net *)vp)->dev);
}

static const struct virtio_ops net_ops = { .start = net_start, .stop = net_stop };

/* --net tap=IFNAME[,vhost=PATH][,mac=M][,queues=N][,packed][,in_order] */
static int parse(struct net *n, char *spec)
{
	unsigned int m[6], i;
	char *tok, *save = NULL;

	n->path = VHX_NET_DEVICE;
	n->cfg.mac[0] = 0x52, n->cfg.mac[1] = 0x54, n->cfg.mac[5] = 0x01;
	for (tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "tap=", 4) && tok[4]) {
			n->ifname = tok + 4;
		} else if (!strncmp(tok, "vhost=", 6)) {
			n->path = tok + 6;
		} else if (!strncmp(tok, "mac=", 4) &&
			   sscanf(tok + 4, "%x:%x:%x:%x:%x:%x%*c", &m[0], &m[1],
				  &m[2], &m[3], &m[4], &m[5]) == 6) {
			for (i = 0; i < 6; i++)
				n->cfg.mac[i] = m[i];
		} else if (!strcmp(tok, "queues=1")) {
			/* one pair: the only kind built yet */
		} else if (!strncmp(tok, "queues=", 7)) {
			err("--net %s: multiqueue is not built yet (queues=1 only)", tok);
			return -1;
		} else if (!strcmp(tok, "packed")) {
			n->packed = true;
		} else if (!strcmp(tok, "in_order")) {
			n->in_order = true;
		} else {
			err("--net: '%s' is not tap=, vhost=, mac=, queues=, packed or in_order",
			    tok);
			return -1;
		}
	}
	if (!n->ifname || strlen(n->ifname) >= IFNAMSIZ) {
		err("--net: want tap=IFNAME (a name of up to %d characters)",
		    IFNAMSIZ - 1);
		return -1;
	}
	return 0;
}

/* What to offer: ours, cut to what vhx and the tap can do. */
static int offer(struct net *n)
{
	uint64_t want = 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS |
			(ring_bits & n->vhx_features);
	unsigned int all = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	if (!(n->vhx_features & (1ULL << VIRTIO_F_VERSION_1))) {
		err("%s: %s offers no VIRTIO_F_VERSION_1", n->name, n->path);
		return -1;
	}
	if (n->packed && !(want & (1ULL << VIRTIO_F_RING_PACKED))) {
		err("%s: packed asked for, %s does not offer VIRTIO_F_RING_PACKED",
		    n->name, n->path);
		return -1;
	}
	if (n->in_order && !(want & (1ULL << VIRTIO_F_IN_ORDER))) {
		err("%s: in_order asked for, %s does not offer VIRTIO_F_IN_ORDER",
		    n->name, n->path);
		return -1;
	}
	if (!n->packed)
		want &= ~(1ULL << VIRTIO_F_RING_PACKED);
	if (!n->in_order)
		want &= ~(1ULL << VIRTIO_F_IN_ORDER);
	/* Offloads only if the tap takes them; off until the guest acks. */
	if (!ioctl(n->tap, TUNSETOFFLOAD, all))
		want |= offload_bits;
	ioctl(n->tap, TUNSETOFFLOAD, 0);
	n->vp.features = want;
	return 0;
}

int net_create(struct vm *vm, char *spec, unsigned int index)
{
	struct net *n = calloc(1, sizeof(*n));

	if (!n)
		return -1;
	snprintf(n->name, sizeof(n->name), "net%u", index);
	n->vp.name = n->name;
	n->vp.ops = &net_ops;
	n->dev.fd = -1;
	if (parse(n, spec) || tap_open(n))
		return -1;
	/* Ask the vhx device what it offers; the real open is at DRIVER_OK. */
	if (vhxdev_open(&n->dev, n->path) ||
	    vhxdev_get_features(&n->dev, &n->vhx_features)) {
		err("%s: %s", n->name, vhxdev_error(&n->dev));
		return -1;
	}
	vhxdev_close(&n->dev);
	if (offer(n))
		return -1;
	n->cfg.status = VIRTIO_NET_S_LINK_UP;
	n->cfg.max_virtqueue_pairs = 1;
	n->vp.config = (uint8_t *)&n->cfg;
	n->vp.config_len = sizeof(n->cfg);
	return virtio_pci_init(&n->vp, vm, VIRTIO_ID_NET, 2);
}
