// SPDX-License-Identifier: GPL-2.0
/*
 * The shared half: frames and their checks, the backends (tap, macvtap,
 * packet socket) with the checker socket beside them, the device set up
 * through tools/lib/vhxdev, kicks and calls, the --swap event, and the
 * debugfs lines of our device.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/guestmem.h"
#include "../lib/killloop.h"
#include "../lib/util.h"
#include "../lib/traffic.h"
#include "../../lib/vhxdev.h"
#include "../../../drivers/virtio/vring.h"
#include "../../../include/uapi/linux/vhx.h"

#include "netdrv.h"

unsigned int rnd(struct net *n, unsigned int lo, unsigned int hi)
{
	return util_rnd(&n->rnd, lo, hi);
}

/* Frame @seq of @size bytes: Ethernet header, seq, then bytes from seq. */
uint16_t eth_type = ETH_TYPE;

void frame_fill(uint8_t *f, unsigned int size, uint32_t seq)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	unsigned int i;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = eth_type >> 8;
	f[13] = eth_type & 0xff;
	memcpy(f + 14, &seq, 4);
	memcpy(f + 18, &size, 4);
	for (i = 22; i < size; i++)
		f[i] = (uint8_t)(seq * 13 + i);
}

/* 0 if @f is frame @seq, intact; else which byte is wrong (+1). */
unsigned int frame_check(const uint8_t *f, unsigned int len, uint32_t seq)
{
	uint8_t want[FRAME_MAX];
	unsigned int size, i;

	if (len < 22)
		return 1;
	memcpy(&size, f + 18, 4);
	if (size != len || size > FRAME_MAX)
		return 19;
	frame_fill(want, size, seq);
	for (i = 0; i < size; i++)
		if (f[i] != want[i])
			return i + 1;
	return 0;
}

bool ours(const uint8_t *f, unsigned int len)
{
	return len >= 22 && f[12] == (eth_type >> 8) && f[13] == (eth_type & 0xff);
}

int packet_bind(int fd, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = if_nametoindex(ifname) };

	if (!sll.sll_ifindex)
		return -ENODEV;
	return bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ? -errno : 0;
}

/* The checker: a packet socket on @ifname, which also injects RX frames. */
int checker_open(struct net *n, const char *ifname)
{
	int big = 4 << 20;

	n->pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (n->pkt < 0)
		return -errno;
	setsockopt(n->pkt, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (ifname != n->ifname)
		snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
	n->ifindex = if_nametoindex(ifname);
	return packet_bind(n->pkt, ifname);
}

/*
 * A raw packet socket as the backend, on interface A of a veth pair; the
 * checker on B.  The backend must not hear its own transmissions.
 */
int packet_open(struct net *n)
{
	char a[IFNAMSIZ], *b;
	int one = 1, ret;

	snprintf(a, sizeof(a), "%s", n->o.packet);
	b = strchr(a, ':');
	if (!b)
		return -EINVAL;
	*b++ = 0;
	n->tap = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (n->tap < 0)
		return -errno;
	if (setsockopt(n->tap, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)))
		return -errno;
	ret = packet_bind(n->tap, a);
	return ret ? ret : checker_open(n, b);
}

/*
 * A macvtap as the backend: "M:B", M a macvtap (passthru) on one end of a
 * veth pair, the checker on the other end, B.  Its character device is
 * /dev/tapIFINDEX, which udev would make; the lane has no udev, so we make
 * the node from sysfs, open it and remove it again.
 */
int macvtap_open(struct net *n)
{
	char m[IFNAMSIZ], *b, path[200], node[64];
	unsigned int maj, min, idx;
	int hsz = n->hlen, ret;
	FILE *f;

	snprintf(m, sizeof(m), "%s", n->o.macvtap);
	b = strchr(m, ':');
	if (!b)
		return -EINVAL;
	*b++ = 0;
	idx = if_nametoindex(m);
	if (!idx)
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/class/net/%s/macvtap/tap%u/dev", m, idx);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ret = fscanf(f, "%u:%u", &maj, &min) == 2 ? 0 : -EIO;
	fclose(f);
	if (ret)
		return ret;
	snprintf(node, sizeof(node), "/run/vhx-netdrv-tap%u", idx);
	unlink(node);
	if (mknod(node, S_IFCHR | 0600, makedev(maj, min)))
		return -errno;
	n->tap = open(node, O_RDWR | O_CLOEXEC);
	ret = n->tap < 0 ? -errno : 0;
	unlink(node);
	if (!ret && io(n->tap, TUNSETVNETHDRSZ, &hsz))
		ret = -errno;
	return ret ? ret : checker_open(n, b);
}

int tap_open(struct net *n)
{
	struct ifreq ifr = { 0 };
	char path[128];
	int hsz = n->hlen, fd, s;
	FILE *f;

	n->tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (n->tap < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", n->o.attach ? n->o.attach : "vhxt%d");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (n->o.net_hdr ? 0 : IFF_VNET_HDR) |
			(n->o.mq ? IFF_MULTI_QUEUE : 0);
	if (io(n->tap, TUNSETIFF, &ifr))
		return -errno;
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifr.ifr_name);
	if (!n->o.net_hdr && io(n->tap, TUNSETVNETHDRSZ, &hsz))
		return -errno;
	/* A finite sndbuf makes the tap push back (EAGAIN) when full. */
	if (n->o.sndbuf && io(n->tap, TUNSETSNDBUF, &n->o.sndbuf))
		return -errno;
	/* With offloads, the tap may hand the guest 64 KiB TCP frames. */
	if (n->o.gso && ioctl(n->tap, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4))
		return -errno;
	/* No IPv6 chatter on our link: every frame here is a test frame. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", n->ifname);
	f = fopen(path, "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || io(s, SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	fd = io(s, SIOCSIFFLAGS, &ifr);
	close(s);
	if (fd)
		return fd;
	n->ifindex = if_nametoindex(n->ifname);

	/* A TX benchmark needs no listener: frames die in the stack. */
	if (n->o.bench && !strcmp(n->o.mode, "tx"))
		return 0;
	return checker_open(n, n->ifname);
}

/* Queue i as the library hands it to the device. */
struct vhxdev_queue net_queue(struct net *n, unsigned int i)
{
	struct q *q = &n->q[i];
	struct vhxdev_queue vq = {
		.num = n->o.ring,
		.base = vhxdev_fresh_base(n->o.packed),
		.desc = (uintptr_t)guestmem_hva(&n->g, q->area[0]),
		.avail = (uintptr_t)guestmem_hva(&n->g, q->area[1]),
		.used = (uintptr_t)guestmem_hva(&n->g, q->area[2]),
		.kick = q->kick, .call = q->call, .err = -1,
		.backend = n->tap,
		.busyloop = n->o.busyloop ? (int)n->o.busyloop : -1,
	};

	return vq;
}

int dev_setup(struct net *n)
{
	struct vhxdev_queue q[2] = { net_queue(n, 0), net_queue(n, 1) };
	struct vhxdev_config c = {
		.features = n->o.legacy ? 0 : 1ULL << VIRTIO_F_VERSION_1,
		.mem = guestmem_table(&n->g),
		.nqueues = 2,
		.q = q,
	};
	int ret;

	if (n->o.mrg)
		c.features |= 1ULL << VIRTIO_NET_F_MRG_RXBUF;
	if (n->o.event_idx)
		c.features |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	if (n->o.indirect)
		c.features |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (n->o.net_hdr)
		c.features |= 1ULL << VHX_NET_F_VIRTIO_NET_HDR;
	if (n->o.packed)
		c.features |= 1ULL << VIRTIO_F_RING_PACKED;
	if (n->o.in_order)
		c.features |= 1ULL << VIRTIO_F_IN_ORDER;
	if (!c.mem)
		return -ENOMEM;
	ret = vhxdev_open(&n->dev, n->o.device);
	if (!ret)
		ret = vhxdev_setup(&n->dev, &c, VHXDEV_ORDER_QEMU, NULL);
	if (ret)
		fprintf(stderr, "vhx-netdrv: %s\n", vhxdev_error(&n->dev));
	free((void *)c.mem);
	return ret;
}

/* Guest memory, rings, buffers and the backend: all but the device. */
int net_prepare(struct net *n)
{
	unsigned int i;
	int ret;

	/*
	 * With VERSION_1 or MRG_RXBUF the header has num_buffers: 12 bytes.
	 * A legacy driver without mergeable buffers has the 10-byte one.
	 */
	n->hlen = n->o.legacy && !n->o.mrg ? sizeof(struct virtio_net_hdr) :
		  sizeof(struct virtio_net_hdr_mrg_rxbuf);
	ret = guestmem_init(&n->g, 64 << 20, 4, 0x40000000, 11);
	if (ret)
		return ret;
	guestmem_block_size(&n->g, 16 * sizeof(struct vring_desc));
	for (i = 0; i < 2; i++) {
		struct q *q = &n->q[i];
		bool pk = n->o.packed;

		q->area[0] = guestmem_alloc(&n->g, vdrv_desc_size(pk, n->o.ring),
					    vdrv_area_align(pk, 0), true);
		q->area[1] = guestmem_alloc(&n->g, vdrv_driver_size(pk, n->o.ring),
					    vdrv_area_align(pk, 1), true);
		q->area[2] = guestmem_alloc(&n->g, vdrv_device_size(pk, n->o.ring),
					    vdrv_area_align(pk, 2), true);
		ret = vdrv_init(&q->v, pk, n->o.ring, q->area[0], q->area[1],
				q->area[2], n->o.event_idx, &traffic_mem_ops, &n->g);
		if (ret)
			return ret;
		vdrv_set_in_order(&q->v, n->o.in_order);
		q->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	for (i = 0; i < RX_SLOTS; i++) {
		/* Byte-aligned: buffers straddle regions. */
		n->rx_buf[i] = guestmem_alloc(&n->g, RX_BUF_MAX, 1, false);
		n->tx_buf[i] = guestmem_alloc(&n->g, n->hlen + FRAME_MAX, 1, false);
	}
	if (n->o.packet)
		return packet_open(n);
	if (n->o.macvtap)
		return macvtap_open(n);
	return tap_open(n);
}

int net_open(struct net *n)
{
	int ret = net_prepare(n);

	return ret ? ret : dev_setup(n);
}

void kick(struct q *q)
{
	uint64_t one = 1;

	if (vdrv_publish(&q->v) &&
	    write(q->kick, &one, sizeof(one)) != sizeof(one))
		perror("vhx-netdrv: kick");
}

bool wait_call(struct q *q, int ms)
{
	struct pollfd p = { .fd = q->call, .events = POLLIN };
	uint64_t v;

	if (vdrv_enable_cb(&q->v))
		return true;
	if (poll(&p, 1, ms) != 1)
		return false;
	return read(q->call, &v, sizeof(v)) == sizeof(v);
}

/*
 * Wait (up to 2 s between frames) until frames [*seen, want) have come out
 * on the packet socket, checking each.
 */
void collect_tail(struct net *n, unsigned int want, unsigned int *seen,
			 unsigned int *bad)
{
	uint8_t buf[FRAME_MAX + 64];

	while (*seen < want) {
		struct pollfd p = { .fd = n->pkt, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 2000) != 1)
			break;
		r = recv(n->pkt, buf, sizeof(buf), 0);
		if (r > 0 && ours(buf, r)) {
			if (frame_check(buf, r, *seen))
				(*bad)++;
			(*seen)++;
		}
	}
}

/*
 * --swap: every few rounds of a traffic loop, take both backends away
 * (fd -1) and give them back, as QEMU does on link down/up or stop/cont,
 * with frames in flight both ways.  No frame may be lost or reordered:
 * TX chains wait in the ring, RX frames in the tap.
 */
void maybe_swap(struct net *n)
{
	unsigned int i;

	if (!n->o.swap || ++n->rounds % 4)
		return;
	for (i = 0; i < 2; i++) {
		struct vhx_vring_file off = { i, -1 }, on = { i, n->tap };

		if (io(n->dev.fd, VHX_NET_SET_BACKEND, &off) ||
		    io(n->dev.fd, VHX_NET_SET_BACKEND, &on))
			n->swap_errs++;
	}
	n->swaps++;
}

/* A --bench line for a run of @done frames in @secs seconds. */
void bench_line(const struct net *n, const char *what,
		       unsigned int done, double secs)
{
	printf("BENCH: %s%s chains=%u secs=%.6f chains_per_s=%.0f\n",
	       n->o.name, what, done, secs, done / secs);
}

/*
 * vhx counts per queue in debugfs (drivers/vhost/stats.c); show the lines
 * of our device, so tests can check them.  Nothing for vhost-net.
 */
void print_vhx_stats(void)
{
	char path[300], line[300], owner[32];
	struct dirent *e;
	DIR *d = opendir("/sys/kernel/debug/vhx");
	FILE *f;

	snprintf(owner, sizeof(owner), "owner %d\n", getpid());
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "net-", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/vhx/%s/stats", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && !strcmp(line, owner))
			while (fgets(line, sizeof(line), f))
				printf("vhx-stats: %s", line);
		fclose(f);
	}
	if (d)
		closedir(d);
}
