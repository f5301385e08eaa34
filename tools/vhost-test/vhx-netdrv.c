// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-netdrv: play a virtio-net guest on /dev/vhx-net (or /dev/vhost-net,
 * to compare), with a tap behind it.
 *
 *   vhx-netdrv [options]
 *
 * TX: the guest sends frames; they come out of the tap and an AF_PACKET
 * socket on it checks each byte.  RX: the AF_PACKET socket sends frames
 * into the tap; the guest receives them (in one buffer, or merged over
 * several) and checks each byte and num_buffers.  Frames carry a private
 * ethertype and a sequence number, so stray frames are ignored and loss or
 * reordering is caught.  Prints PASS/FAIL lines (and BENCH with --bench).
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

#include "lib/guestmem.h"
#include "lib/killloop.h"
#include "lib/util.h"
#include "lib/traffic.h"
#include "../lib/vhxdev.h"
#include "../../drivers/virtio/vring.h"
#include "../../include/uapi/linux/vhx.h"

#define ETH_TYPE	0x88b5		/* IEEE local experimental; +1: --mq's pair 1 */
#define FRAME_MAX	1514
#define RX_SLOTS	1024		/* buffers per direction: the largest ring */
#define RX_BUF_MAX	4096

struct opts {
	const char *device, *name;
	const char *packet;	/* "A:B": packet-socket backend on A, checker on B */
	const char *macvtap;	/* "M:B": macvtap M (on A) as backend, checker on B */
	unsigned int frames, ring, min_size, max_size, rx_buf, busyloop;
	int sndbuf;		/* TUNSETSNDBUF; 0: the tap's own (unlimited) */
	bool mrg, event_idx, indirect, net_hdr, bench, check_nb, gso, packed;
	bool in_order;
	bool legacy;		/* no VERSION_1: a 10-byte header without MRG_RXBUF */
	bool swap;		/* detach and re-attach the backends under traffic */
	bool oversize;		/* RX: a frame too big for the ring before each */
	bool mq;		/* two queue pairs on a multi-queue tap */
	const char *attach;	/* --mq's pair 1: this tap's next queue */
	const char *mode;	/* tx, rx, both */
};

struct q {
	struct vdrv_vq v;
	void *area[3];		/* descriptors, driver area, device area */
	int kick, call;
};

struct net {
	struct opts o;
	struct vhxdev dev;
	int tap, pkt, ifindex;
	char ifname[IFNAMSIZ];
	struct guestmem g;
	struct q q[2];			/* 0 RX, 1 TX */
	size_t hlen;			/* header in guest buffers */
	uint8_t *rx_buf[RX_SLOTS];
	uint8_t *tx_buf[RX_SLOTS];
	unsigned int rnd;
	unsigned int rounds, swaps, swap_errs;	/* --swap */
};





static unsigned int rnd(struct net *n, unsigned int lo, unsigned int hi)
{
	return util_rnd(&n->rnd, lo, hi);
}

/* Frame @seq of @size bytes: Ethernet header, seq, then bytes from seq. */
/* Our frames' Ethernet type: each --mq queue pair has its own. */
static uint16_t eth_type = ETH_TYPE;

static void frame_fill(uint8_t *f, unsigned int size, uint32_t seq)
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
static unsigned int frame_check(const uint8_t *f, unsigned int len, uint32_t seq)
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

static bool ours(const uint8_t *f, unsigned int len)
{
	return len >= 22 && f[12] == (eth_type >> 8) && f[13] == (eth_type & 0xff);
}

static int packet_bind(int fd, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = if_nametoindex(ifname) };

	if (!sll.sll_ifindex)
		return -ENODEV;
	return bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ? -errno : 0;
}

/* The checker: a packet socket on @ifname, which also injects RX frames. */
static int checker_open(struct net *n, const char *ifname)
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
static int packet_open(struct net *n)
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
static int macvtap_open(struct net *n)
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

static int tap_open(struct net *n)
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
static struct vhxdev_queue net_queue(struct net *n, unsigned int i)
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

static int dev_setup(struct net *n)
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
static int net_prepare(struct net *n)
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

static int net_open(struct net *n)
{
	int ret = net_prepare(n);

	return ret ? ret : dev_setup(n);
}

static void kick(struct q *q)
{
	uint64_t one = 1;

	if (vdrv_publish(&q->v) &&
	    write(q->kick, &one, sizeof(one)) != sizeof(one))
		perror("vhx-netdrv: kick");
}

static bool wait_call(struct q *q, int ms)
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
static void collect_tail(struct net *n, unsigned int want, unsigned int *seen,
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
static void maybe_swap(struct net *n)
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
static void bench_line(const struct net *n, const char *what,
		       unsigned int done, double secs)
{
	printf("BENCH: %s%s chains=%u secs=%.6f chains_per_s=%.0f\n",
	       n->o.name, what, done, secs, done / secs);
}

/* TX: the guest sends; the packet socket checks what comes out. */
static void run_tx(struct net *n)
{
	unsigned int sent = 0, done = 0, seen = 0, bad = 0, stray = 0, slot = 0;
	uint8_t buf[FRAME_MAX + 64];
	double t0 = now(), secs;
	uint64_t bytes = 0;

	while (done < n->o.frames) {
		void *tok;
		uint32_t len;

		while (sent < n->o.frames && sent - done < n->o.ring) {
			uint8_t *b = n->tx_buf[slot];
			unsigned int size = rnd(n, n->o.min_size, n->o.max_size);
			struct vdrv_buf vb = { b, n->hlen + size };

			memset(b, 0, n->hlen);
			frame_fill(b + n->hlen, size, sent);
			if (vdrv_add(&n->q[1].v, &vb, 1, NULL, 0, b, n->o.indirect))
				break;
			slot = (slot + 1) % RX_SLOTS;
			sent++;
			bytes += size;
		}
		kick(&n->q[1]);
		maybe_swap(n);
		while (vdrv_get_used(&n->q[1].v, &tok, &len) == 1)
			done++;
		/* Drain the packet socket as we go (it would overflow). */
		while (n->pkt >= 0) {
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(n->pkt, buf, sizeof(buf), MSG_DONTWAIT,
					     (struct sockaddr *)&from, &fl);

			if (r < 0)
				break;
			if (from.sll_pkttype == PACKET_OUTGOING || !ours(buf, r)) {
				stray++;
				continue;
			}
			if (n->o.bench)
				continue;
			if (frame_check(buf, r, seen))
				bad++;
			seen++;
		}
		if (done < sent && !wait_call(&n->q[1], 5000))
			break;
	}
	secs = now() - t0;
	/* Let the last frames reach the packet socket. */
	if (!n->o.bench)
		collect_tail(n, done, &seen, &bad);
	if (n->o.bench)
		bench_line(n, "", done, secs);
	result(done == n->o.frames && (n->o.bench || (seen == done && !bad)),
	       "%s: TX %u frames %u-%u B: %u sent, %u seen on the tap, %u bad, %.0f pps",
	       n->o.name, n->o.frames, n->o.min_size, n->o.max_size, done,
	       n->o.bench ? done : seen, bad, done / secs);
	(void)bytes;
}

/* Offer the RX ring all the buffers it can take. */
static void rx_refill(struct net *n, unsigned int *slot)
{
	for (;;) {
		uint8_t *b = n->rx_buf[*slot];
		struct vdrv_buf vb = { b, n->o.mrg ? n->o.rx_buf : n->hlen + FRAME_MAX };

		if (vdrv_add(&n->q[0].v, NULL, 0, &vb, 1, b, false))
			break;
		*slot = (*slot + 1) % RX_SLOTS;
	}
	kick(&n->q[0]);
}

/*
 * --held: frames a device has taken from the tap while the guest had no
 * RX buffer must survive the backend going away and coming back.  Both
 * devices take frames from the tap's ring in batches, and both must give
 * what they hold back to the tap at detach: 20 frames in, no buffers, the
 * RX backend detached and re-attached, then buffers: all 20 must come, in
 * order, intact.  One buffer per frame (they are small).
 */
#define HELD_FRAMES	20

static void run_rx_held(struct net *n)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
		.sll_ifindex = n->ifindex, .sll_halen = 6 };
	struct vhx_vring_file off = { 0, -1 }, on = { 0, n->tap };
	unsigned int i, sent = 0, got = 0, bad = 0, slot = 0;
	uint8_t frame[FRAME_MAX];
	int ret;

	for (i = 0; i < HELD_FRAMES; i++) {
		frame_fill(frame, 100 + i, i);
		if (sendto(n->pkt, frame, 100 + i, 0, (struct sockaddr *)&to,
			   sizeof(to)) == 100 + i)
			sent++;
	}
	/* Time for the device to take them and find no buffer. */
	usleep(300000);
	ret = io(n->dev.fd, VHX_NET_SET_BACKEND, &off);
	if (!ret)
		ret = io(n->dev.fd, VHX_NET_SET_BACKEND, &on);
	rx_refill(n, &slot);
	while (got < HELD_FRAMES) {
		void *tok;
		uint32_t len;

		if (vdrv_get_used(&n->q[0].v, &tok, &len) != 1) {
			if (!wait_call(&n->q[0], 3000))
				break;
			continue;
		}
		if (len < n->hlen || !ours((uint8_t *)tok + n->hlen, len - n->hlen))
			continue;
		if (frame_check((uint8_t *)tok + n->hlen, len - n->hlen, got))
			bad++;
		got++;
	}
	result(!ret && sent == HELD_FRAMES && got == HELD_FRAMES && !bad,
	       "%s: %u RX frames held without buffers, backend swapped (%s): %u received, %u bad",
	       n->o.name, sent, ret ? strerror(-ret) : "ok", got, bad);
}

/* RX: the packet socket sends; the guest checks what arrives. */
/*
 * --mq: tun steers a flow to the queue that last sent from it, and forgets
 * that after 3 s without a frame from there.  An RX phase longer than that
 * (a slow kernel: the debug line) would see its frames spread over both
 * pairs.  So each pair keeps its flow alive with a TX frame a second.
 */
static void mq_keepalive(struct net *n)
{
	uint8_t *b = n->tx_buf[RX_SLOTS - 1];
	struct vdrv_buf vb = { b, n->hlen + 60 };
	uint32_t len;
	void *tok;

	while (vdrv_get_used(&n->q[1].v, &tok, &len) == 1)
		;
	memset(b, 0, n->hlen);
	frame_fill(b + n->hlen, 60, 0xffffffffu);
	if (!vdrv_add(&n->q[1].v, &vb, 1, NULL, 0, b, false))
		kick(&n->q[1]);
}

static void run_rx(struct net *n)
{
	unsigned int sent = 0, got = 0, bad = 0, stray = 0, slot = 0, bufs = 0;
	unsigned int oversent = 0;
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
		.sll_ifindex = n->ifindex, .sll_halen = 6 };
	uint8_t frame[FRAME_MAX], whole[FRAME_MAX + 64];
	size_t have = 0;
	int want_bufs = 0, nb = 0;
	double t0 = now(), secs, alive = t0;

	rx_refill(n, &slot);
	while (got < n->o.frames) {
		void *tok;
		uint32_t len;
		int r;

		if (n->o.mq && now() - alive >= 1) {
			mq_keepalive(n);
			alive = now();
		}
		/* Keep a few frames in flight towards the tap. */
		while (sent < n->o.frames && sent - got < 64) {
			unsigned int size = rnd(n, n->o.min_size, n->o.max_size);

			/*
			 * --rx-oversize: ahead of each frame one that all the
			 * buffers the ring can hold cannot take.  It must be
			 * dropped, and were it given to us in part, its
			 * number (past any we count) would not check.
			 */
			if (n->o.oversize && oversent == sent) {
				frame_fill(frame, FRAME_MAX, n->o.frames + sent);
				if (sendto(n->pkt, frame, FRAME_MAX, MSG_DONTWAIT,
					   (struct sockaddr *)&to, sizeof(to)) != FRAME_MAX)
					break;
				oversent++;
			}
			frame_fill(frame, size, sent);
			if (sendto(n->pkt, frame, size, MSG_DONTWAIT,
				   (struct sockaddr *)&to, sizeof(to)) != (ssize_t)size)
				break;
			sent++;
		}
		maybe_swap(n);
		while ((r = vdrv_get_used(&n->q[0].v, &tok, &len)) == 1) {
			const uint8_t *b = tok;

			bufs++;
			if (have + len > sizeof(whole)) {
				bad++;
				have = nb = want_bufs = 0;
				continue;
			}
			memcpy(whole + have, b, len);
			have += len;
			nb++;
			/*
			 * The header may span buffers (with MRG_RXBUF, buffers
			 * smaller than it: out of spec, but a device must cope),
			 * so num_buffers is read once the frame's first bytes
			 * have arrived, wherever the device put them.
			 */
			if (!want_bufs) {
				struct virtio_net_hdr_mrg_rxbuf h = { 0 };

				if (have < n->hlen && n->o.mrg)
					continue;
				if (have >= n->hlen)
					memcpy(&h, whole, n->hlen);
				/*
				 * Without MRG_RXBUF a frame is one buffer, and
				 * Linux's driver ignores num_buffers; so do we,
				 * unless asked to check that it says 1.
				 */
				want_bufs = n->o.mrg ? h.num_buffers : 1;
				if (have < n->hlen || !want_bufs || nb > want_bufs ||
				    (n->o.check_nb && h.num_buffers != 1 && !n->o.mrg)) {
					bad++;
					have = nb = want_bufs = 0;
					continue;
				}
			}
			if (nb < want_bufs)
				continue;
			if (!ours(whole + n->hlen, have - n->hlen)) {
				stray++;
			} else {
				if (!n->o.bench &&
				    frame_check(whole + n->hlen, have - n->hlen, got))
					bad++;
				got++;
			}
			have = nb = want_bufs = 0;
		}
		if (r < 0)
			bad++;
		rx_refill(n, &slot);
		if (got < sent && !wait_call(&n->q[0], 5000))
			break;
	}
	secs = now() - t0;
	if (n->o.bench)
		bench_line(n, "", got, secs);
	result(got == n->o.frames && !bad,
	       "%s: RX %u frames %u-%u B%s: %u received in %u buffers, %u bad, %u stray, %.0f pps",
	       n->o.name, n->o.frames, n->o.min_size, n->o.max_size,
	       n->o.mrg ? " (mergeable)" : "", got, bufs, bad, stray, got / secs);
	if (n->o.oversize)
		result(oversent == n->o.frames,
		       "%s: %u RX frames of %u B, too big for the ring, sent among them",
		       n->o.name, oversent, FRAME_MAX);
}

/*
 * NET_SET_BACKEND with what is not a usable socket: each must fail with
 * ENOTSOCK (upstream's answer for all of them), fd -1 must always succeed,
 * and the device must still carry traffic afterwards.
 */
static void run_backends(struct net *n)
{
	struct {
		const char *what;
		int fd;
	} bad[] = {
		{ "/dev/null", open("/dev/null", O_RDWR | O_CLOEXEC) },
		{ "a UDP socket", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) },
		{ "a Unix socket", socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) },
		{ "a datagram packet socket",
		  socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0) },
		{ "an eventfd", eventfd(0, EFD_CLOEXEC) },
		{ "a closed fd", 1000 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vhx_vring_file b = { i % 2, bad[i].fd };
		int ret = io(n->dev.fd, VHX_NET_SET_BACKEND, &b);

		result(ret == -ENOTSOCK, "%s: NET_SET_BACKEND with %s -> ENOTSOCK (got %s)",
		       n->o.name, bad[i].what, ret ? strerror(-ret) : "ok");
		if (bad[i].fd != 1000)
			close(bad[i].fd);
	}
	{
		struct vhx_vring_file b = { 2, n->tap };
		int ret = io(n->dev.fd, VHX_NET_SET_BACKEND, &b);

		result(ret == -ENOBUFS, "%s: NET_SET_BACKEND queue 2 -> ENOBUFS (got %s)",
		       n->o.name, ret ? strerror(-ret) : "ok");
	}
	for (i = 0; i < 2; i++) {
		struct vhx_vring_file b = { i, -1 };
		int r1 = io(n->dev.fd, VHX_NET_SET_BACKEND, &b);
		int r2 = io(n->dev.fd, VHX_NET_SET_BACKEND, &b);

		b.fd = n->tap;
		result(!r1 && !r2 && !io(n->dev.fd, VHX_NET_SET_BACKEND, &b),
		       "%s: queue %u: detach twice, then re-attach", n->o.name, i);
	}
}

/*
 * Kick the TX chain just added and wait (5 s at most between calls) for
 * the device to give it back.  True if it did.
 */
static bool tx_wait_one(struct net *n)
{
	void *tok;
	uint32_t len;

	kick(&n->q[1]);
	for (;;) {
		if (vdrv_get_used(&n->q[1].v, &tok, &len) == 1)
			return true;
		if (!wait_call(&n->q[1], 5000))
			return false;
	}
}

/*
 * Hostile TX headers: every other frame is bad (a GSO type that does not
 * exist, TCP GSO with size 0, a checksum offset past the frame, a frame
 * shorter than an Ethernet header).  The device must return every buffer,
 * and exactly the good frames must come out of the tap, in order.
 */
static void run_tx_hostile(struct net *n)
{
	unsigned int sent = 0, done = 0, good = 0, seen = 0, bad = 0, i;

	for (i = 0; i < 400 && done == sent; i++) {
		uint8_t *b = n->tx_buf[i % RX_SLOTS];
		struct virtio_net_hdr_mrg_rxbuf *h = (void *)b;
		unsigned int size = 200;
		struct vdrv_buf vb;

		memset(b, 0, n->hlen);
		frame_fill(b + n->hlen, size, good);
		switch (i % 8) {
		case 1:
			h->hdr.gso_type = 0x55;
			h->hdr.gso_size = 100;
			break;
		case 3:
			h->hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
			h->hdr.gso_size = 0;
			break;
		case 5:
			h->hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			h->hdr.csum_start = 60000;
			h->hdr.csum_offset = 16;
			break;
		case 7:
			size = 6;
			break;
		default:
			good++;
		}
		vb = (struct vdrv_buf){ b, n->hlen + size };
		if (vdrv_add(&n->q[1].v, &vb, 1, NULL, 0, b, false))
			break;
		sent++;
		if (tx_wait_one(n))
			done++;
	}
	collect_tail(n, good, &seen, &bad);
	result(done == sent && sent == 400 && seen == good && !bad,
	       "%s: hostile TX headers: %u/%u buffers returned, %u good frames of %u out, %u bad",
	       n->o.name, done, sent, seen, good, bad);
}

/*
 * --tx-huge: TX chains longer than any frame can be, among good frames.
 * A fifth memory region of 4 GiB (reserved, never touched but for its
 * first page) lies beyond the guest's others; every fourth chain is one
 * descriptor of nearly all of it, every other fourth a good frame followed
 * by 70000 bytes of it.  The first made Debian's vhost_net (and vhx, once)
 * hand tun an iov_iter whose length overflows tun's int: a WARNING.  vhx
 * must refuse both before a socket sees them, return their buffers and
 * count them (dropped, errors: net.sh checks), and send the good frames
 * in order.
 */
#define HUGE_LEN	((4ULL << 30) + (1 << 20))
#define HUGE_DESC	0xfffff000u	/* one descriptor: 4 GiB less a page */
#define HUGE_TAIL	70000u		/* after a good frame: past 64 KiB */

static int huge_region(struct net *n, uint8_t **huge)
{
	struct vhost_memory *t, *t2;
	void *p = MAP_FAILED;
	unsigned int k;
	size_t sz;
	int ret;

	/*
	 * Above the guest view, so that its guest address is gview's plus
	 * (drivers/virtio names buffers by guestmem_gpa()): the first free
	 * place 8, 16, ... GiB up.
	 */
	for (k = 1; k <= 64 && p == MAP_FAILED; k++)
		p = mmap(n->g.gview + k * (8ULL << 30), HUGE_LEN,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	*huge = p;
	t = guestmem_table(&n->g);
	if (!t)
		return -ENOMEM;
	sz = sizeof(*t) + (t->nregions + 1) * sizeof(t->regions[0]);
	t2 = realloc(t, sz);
	if (!t2) {
		free(t);
		return -ENOMEM;
	}
	t2->regions[t2->nregions++] = (struct vhost_memory_region){
		.guest_phys_addr = guestmem_gpa(&n->g, p),
		.memory_size = HUGE_LEN,
		.userspace_addr = (uintptr_t)p,
	};
	ret = io(n->dev.fd, VHX_SET_MEM_TABLE, t2);
	free(t2);
	return ret;
}

static void run_tx_huge(struct net *n)
{
	unsigned int sent = 0, done = 0, good = 0, seen = 0, bad = 0, i;
	uint8_t *huge = NULL;
	int ret;

	ret = huge_region(n, &huge);
	if (ret) {
		result(false, "%s: a 4 GiB memory region: %s", n->o.name, strerror(-ret));
		return;
	}
	/* Its first bytes: a plain header and the start of a frame. */
	memset(huge, 0, n->hlen);
	frame_fill(huge + n->hlen, 200, 0);
	for (i = 0; i < 400 && done == sent; i++) {
		uint8_t *b = n->tx_buf[i % RX_SLOTS];
		struct vdrv_buf vb[2] = { { b, n->hlen + 200 } };
		unsigned int nb = 1;

		memset(b, 0, n->hlen);
		frame_fill(b + n->hlen, 200, good);
		switch (i % 4) {
		case 1:
			vb[0] = (struct vdrv_buf){ huge, HUGE_DESC };
			break;
		case 3:
			vb[1] = (struct vdrv_buf){ huge + 4096, HUGE_TAIL };
			nb = 2;
			break;
		default:
			good++;
		}
		if (vdrv_add(&n->q[1].v, vb, nb, NULL, 0, b, false))
			break;
		sent++;
		if (tx_wait_one(n))
			done++;
	}
	collect_tail(n, good, &seen, &bad);
	result(done == sent && sent == 400 && seen == good && !bad,
	       "%s: TX chains longer than a frame (4 GiB, 64 KiB+): %u/%u buffers returned, %u good frames of %u out, %u bad",
	       n->o.name, done, sent, seen, good, bad);
}

/*
 * --busy-ioctls: busy polling with a timeout of minutes (QEMU's poll-us
 * lets a launcher ask for that), both queues idle: the worker spins,
 * holding a queue's mutex.  The calls that need that mutex (a memory
 * table, a call eventfd, a busyloop read, the statistics) must not wait
 * the spin out, nor a flush queued next to a kick.  Each must answer
 * within 2 s; vhx once made them wait for the whole timeout.
 */
static double timed_io(struct net *n, unsigned long req, void *arg, int *ret)
{
	double t0 = now();

	*ret = io(n->dev.fd, req, arg);
	return now() - t0;
}

static void print_vhx_stats(void);

static double timed_stats(void)
{
	double t0 = now();
	int fd = dup(1);

	/* stdout, not the stats lines: print_vhx_stats() prints them. */
	if (fd >= 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 1);
			close(null);
		}
		print_vhx_stats();
		fflush(stdout);
		dup2(fd, 1);
		close(fd);
	}
	return now() - t0;
}

static void run_busy_ioctls(struct net *n)
{
	struct vhost_memory *t = guestmem_table(&n->g);
	struct vhx_vring_state s = { 1, 0 };
	struct vhx_vring_file cf = { 1, n->q[1].call };
	double dt[5];
	uint64_t one = 1;
	int ret[5] = { 0 };
	unsigned int i;
	bool ok = true;

	n->o.frames = 20;
	run_tx(n);		/* then the TX queue idles: it spins */
	usleep(100000);
	dt[0] = timed_io(n, VHX_SET_MEM_TABLE, t, &ret[0]);
	dt[1] = timed_io(n, VHX_SET_VRING_CALL, &cf, &ret[1]);
	dt[2] = timed_io(n, VHX_GET_VRING_BUSYLOOP_TIMEOUT, &s, &ret[2]);
	dt[3] = timed_stats();
	/* A kick, and at once a call that ends in a flush. */
	if (write(n->q[1].kick, &one, sizeof(one)) != sizeof(one))
		ret[4] = -errno;
	else
		dt[4] = timed_io(n, VHX_SET_VRING_CALL, &cf, &ret[4]);
	free(t);
	for (i = 0; i < 5; i++)
		ok &= !ret[i] && dt[i] < 2;
	result(ok && s.num == n->o.busyloop,
	       "%s: busy polling %u us: memory table %.3f s, call eventfd %.3f s, busyloop read %.3f s, statistics %.3f s, kick and flush %.3f s (each under 2 s)",
	       n->o.name, n->o.busyloop, dt[0], dt[1], dt[2], dt[3], dt[4]);
}

#define GSO_FRAME	65000	/* bytes, Ethernet to payload end */
#define GSO_MSS		1448
#define GSO_HDRS	54	/* Ethernet + IPv4 + TCP */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/*
 * A TCP/IPv4 frame of @size bytes (198.18.0.2:40000 -> 198.18.0.1:40001,
 * sequence @seq, a payload that depends on both), as a guest with TSO
 * hands it over: one big frame, the TCP checksum left to be computed.
 */
static void tcp_frame(uint8_t *f, unsigned int size, uint32_t seq)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint32_t sum = 0;
	unsigned int i;

	memcpy(f, mac, 12);
	put16(f + 12, 0x0800);
	memset(ip, 0, 40);
	ip[0] = 0x45;
	put16(ip + 2, size - 14);
	put16(ip + 4, seq);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, 0xc6120002);
	put32(ip + 16, 0xc6120001);
	for (i = 0; i < 20; i += 2)
		sum += (ip[i] << 8) | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum);
	put16(tcp, 40000);
	put16(tcp + 2, 40001);
	put32(tcp + 4, seq);
	tcp[12] = 0x50;
	tcp[13] = 0x10;
	put16(tcp + 14, 65535);
	for (i = GSO_HDRS; i < size; i++)
		f[i] = (uint8_t)(seq * 7 + i * 3);
}

static bool tcp_ours(const uint8_t *f, size_t len)
{
	return len > GSO_HDRS && f[12] == 8 && f[13] == 0 && f[23] == 6 &&
	       f[34] == (40000 >> 8) && f[35] == (40000 & 0xff);
}

/* The offload header that says: segment this at GSO_MSS, finish the sum. */
static void gso_hdr(struct virtio_net_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h->hdr_len = GSO_HDRS;
	h->gso_size = GSO_MSS;
	h->csum_start = 34;
	h->csum_offset = 16;
}

/*
 * Offloads end to end.  TX: the guest hands over 64 KiB TCP frames with a
 * TSO header; they must leave the tap whole and intact (the packet socket
 * sees them before any segmentation).  RX: a packet socket with a virtio
 * header injects 64 KiB TSO frames into the tap (which takes offloads);
 * the guest must receive them whole, merged over many buffers, with the
 * TSO header intact.
 */
static void run_gso(struct net *n)
{
	unsigned int frames = n->o.frames, tx_ok = 0, rx_ok = 0, bufs = 0, i;
	bool bench = n->o.bench;
	double t0;
	uint8_t *big = malloc(GSO_FRAME + n->hlen), *want = malloc(GSO_FRAME);
	uint8_t *gbuf = guestmem_alloc(&n->g, n->hlen + GSO_FRAME, 1, false);
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
		.sll_ifindex = n->ifindex, .sll_halen = 6 };
	int inj = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), one = 1;
	unsigned int slot = 0;
	size_t have = 0;

	if (!big || !want || !gbuf || inj < 0 ||
	    setsockopt(inj, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		result(false, "%s: GSO setup", n->o.name);
		return;
	}
	/*
	 * A benchmark sends one full-size frame over and over and checks
	 * nothing: what it measures is the path, not this program's copies.
	 */
	t0 = now();
	for (i = 0; i < frames; i++) {
		unsigned int size = bench ? GSO_FRAME : GSO_FRAME - (i % 7) * 1000;
		struct vdrv_buf vb = { gbuf, n->hlen + size };
		void *tok;
		uint32_t len;
		ssize_t r;

		if (!bench || !i) {
			memset(gbuf, 0, n->hlen);
			gso_hdr((struct virtio_net_hdr *)gbuf);
			tcp_frame(gbuf + n->hlen, size, i);
		}
		if (vdrv_add(&n->q[1].v, &vb, 1, NULL, 0, gbuf, false))
			break;
		kick(&n->q[1]);
		while (vdrv_get_used(&n->q[1].v, &tok, &len) != 1)
			if (!wait_call(&n->q[1], 5000))
				goto out;
		for (;;) {
			struct pollfd p = { .fd = n->pkt, .events = POLLIN };

			if (poll(&p, 1, 2000) != 1)
				break;
			r = recv(n->pkt, big, GSO_FRAME + n->hlen, 0);
			if (r <= 0 || !tcp_ours(big, r))
				continue;
			if (bench) {
				tx_ok += r == size;
				break;
			}
			tcp_frame(want, size, i);
			tx_ok += r == size && !memcmp(big, want, size);
			break;
		}
	}
	if (bench)
		bench_line(n, " tx 64KiB", tx_ok, now() - t0);
	result(tx_ok == frames, "%s: TX %u TSO frames of ~64 KiB out of the tap whole and intact (%u ok)",
	       n->o.name, frames, tx_ok);

	rx_refill(n, &slot);
	t0 = now();
	for (i = 0; i < frames; i++) {
		unsigned int size = bench ? GSO_FRAME : GSO_FRAME - (i % 5) * 1000;
		struct virtio_net_hdr_mrg_rxbuf h = { 0 };
		unsigned int nb = 0, want_nb = 0;
		bool done = false;

		if (!bench || !i) {
			gso_hdr((struct virtio_net_hdr *)big);
			tcp_frame(big + sizeof(struct virtio_net_hdr), size, i);
		}
		if (sendto(inj, big, sizeof(struct virtio_net_hdr) + size, 0,
			   (struct sockaddr *)&to, sizeof(to)) < 0)
			break;
		while (!done) {
			void *tok;
			uint32_t len;

			if (vdrv_get_used(&n->q[0].v, &tok, &len) != 1) {
				rx_refill(n, &slot);
				if (!wait_call(&n->q[0], 5000))
					goto out;
				continue;
			}
			bufs++;
			if (!nb++) {
				memcpy(&h, tok, n->hlen);
				want_nb = h.num_buffers;
				tok = (uint8_t *)tok + n->hlen;
				len -= n->hlen;
				have = 0;
			}
			if (have + len <= GSO_FRAME && !bench)
				memcpy(want + have, tok, len);
			have += len;
			if (nb < want_nb)
				continue;
			done = true;
			if (bench) {
				rx_ok += have == size;
				continue;
			}
			if (!tcp_ours(want, have))
				continue;
			tcp_frame(big, size, i);
			rx_ok += have == size && !memcmp(want, big, size) &&
				 h.hdr.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 &&
				 h.hdr.gso_size == GSO_MSS;
		}
		rx_refill(n, &slot);
	}
out:
	if (bench)
		bench_line(n, " rx 64KiB", rx_ok, now() - t0);
	result(rx_ok == frames, "%s: RX %u TSO frames of ~64 KiB, whole, in %u buffers, TSO header kept (%u ok)",
	       n->o.name, frames, bufs, rx_ok);
	close(inj);
	free(big);
	free(want);
}

/*
 * RING_RESET as QEMU does it, on the TX queue while RX stays attached:
 * detach, read the base (it must be all we offered), set the ring up again
 * from there, re-attach.  Traffic must flow both ways afterwards.
 */
static void run_reset(struct net *n)
{
	struct q *q = &n->q[1];
	struct vhxdev_queue vq = net_queue(n, 1);
	uint32_t base = 0;
	int ret;

	ret = vhxdev_set_backend(&n->dev, 1, -1);
	if (!ret)
		ret = vhxdev_get_vring_base(&n->dev, 1, &base);
	result(!ret && base == vdrv_stopped_base(&q->v),
	       "%s: TX queue reset: base %#x after stop, %#x offered", n->o.name,
	       base, vdrv_stopped_base(&q->v));
	vq.base = vdrv_stopped_base(&q->v);
	if (!ret)
		ret = vhxdev_set_vring_num(&n->dev, 1, vq.num);
	if (!ret)
		ret = vhxdev_set_vring_base(&n->dev, 1, vq.base);
	if (!ret)
		ret = vhxdev_set_vring_addr(&n->dev, 1, &vq);
	if (!ret)
		ret = vhxdev_set_vring_kick(&n->dev, 1, vq.kick);
	if (!ret)
		ret = vhxdev_set_backend(&n->dev, 1, n->tap);
	result(!ret, "%s: TX queue set up again and re-attached (%s)", n->o.name,
	       ret ? vhxdev_error(&n->dev) : "ok");
}

/*
 * vhx counts per queue in debugfs (drivers/vhost/stats.c); show the lines
 * of our device, so tests can check them.  Nothing for vhost-net.
 */
static void print_vhx_stats(void)
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

/*
 * --mq: two queue pairs on one multi-queue tap, as QEMU runs a guest with
 * queues=2: pair 0 here, pair 1 in a child with its own device, memory
 * and tap queue (a device serves its owner's memory).  Each pair sends
 * and receives its own frames, told apart by their Ethernet type.  RX
 * frames find the right pair because tun steers a flow to the queue that
 * last sent it, and it learns that only with two queues attached: so
 * pair 0 waits for pair 1 to attach, and each pair sends before it
 * receives.
 */
static void run_mq(struct net *n)
{
	char name0[160], name1[160], go;
	int sync[2], status = 0, ret;
	pid_t pid;

	snprintf(name0, sizeof(name0), "%s, queue pair 0", n->o.name);
	snprintf(name1, sizeof(name1), "%s, queue pair 1", n->o.name);
	if (pipe(sync)) {
		result(false, "%s: pipe: %s", n->o.name, strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (!pid) {
		struct net c = { .o = n->o, .dev.fd = -1, .tap = -1, .pkt = -1,
				 .rnd = 7 };

		close(sync[0]);
		close(n->dev.fd);
		close(n->tap);
		close(n->pkt);
		c.o.name = name1;
		c.o.attach = n->ifname;
		eth_type = ETH_TYPE + 1;
		ret = net_open(&c);
		if (write(sync[1], "g", 1) != 1 || ret) {
			result(false, "%s: setup on %s: %s", c.o.name, c.o.device,
			       strerror(-ret));
			_exit(1);
		}
		run_tx(&c);
		run_rx(&c);
		print_vhx_stats();
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	close(sync[1]);
	n->o.name = name0;
	if (pid < 0 || read(sync[0], &go, 1) != 1) {
		result(false, "%s: queue pair 1 did not start", n->o.name);
		return;
	}
	run_tx(n);
	run_rx(n);
	waitpid(pid, &status, 0);
	result(WIFEXITED(status) && !WEXITSTATUS(status),
	       "%s: both queue pairs of the multi-queue tap carried their own traffic (pair 1: %s)",
	       n->o.name, WIFEXITED(status) && !WEXITSTATUS(status) ? "ok" : "failed");
}

/*
 * --kill-loop N: the owner SIGKILLed with traffic running both ways, N
 * times (killloop.c).  Each child makes its own tap, sets up the device,
 * and moves frames out and in until it is killed.
 */
static void killloop_child(void *arg, int ready)
{
	struct net *n = arg;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	/* Its PASS lines are not the verdict: the loop's are. */
	if (null >= 0)
		dup2(null, 1);
	n->o.frames = 200;
	if (net_open(n))
		_exit(2);
	run_tx(n);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;) {
		run_rx(n);
		run_tx(n);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vhx-netdrv [options]\n"
		"  --device PATH   /dev/vhx-net (default) or /dev/vhost-net\n"
		"  --mode tx|rx|both  (default both)\n"
		"  --frames N      per direction (default 5000)\n"
		"  --ring N        ring size (default 256)\n"
		"  --min-size/--max-size BYTES  frame sizes, 60..1514\n"
		"  --mrg           mergeable RX buffers (of --rx-buf bytes, default 1536)\n"
		"  --event-idx --indirect\n"
		"  --net-hdr       tap without vnet header: the device adds/strips it\n"
		"  --bench         no data checks; print BENCH lines\n"
		"  --check-num-buffers  without --mrg, num_buffers must be 1\n"
		"  --backends      hostile NET_SET_BACKEND fds instead of traffic\n"
		"  --reset         TX, RX, reset the TX queue, TX and RX again\n"
		"  --hostile-tx    TX frames with bad headers among good ones\n"
		"  --tx-huge       TX chains longer than a frame (a 4 GiB descriptor)\n"
		"  --busy-ioctls   with --busyloop: ioctls while the worker spins\n"
		"  --packet A:B    backend: a packet socket on A (veth), checker on B\n"
		"  --macvtap M:B   backend: macvtap M (on a veth), checker on B\n"
		"  --gso           64 KiB TCP frames with TSO/checksum offload, both ways\n"
		"  --packed        packed rings (VIRTIO_F_RING_PACKED)\n"
		"  --in-order      VIRTIO_F_IN_ORDER\n"
		"  --legacy        do not ack VERSION_1 (10-byte header without --mrg)\n"
		"  --busyloop US   busy polling timeout on both queues (poll-us)\n"
		"  --sndbuf BYTES  the tap's send buffer (TUNSETSNDBUF)\n"
		"  --swap          detach and re-attach the backends under traffic\n"
		"  --held          RX frames held without buffers survive a backend swap\n"
		"  --rx-oversize   RX: before each frame one too big for the ring (needs\n"
		"                  --mrg and a small --rx-buf); it must be dropped\n"
		"  --mq            two queue pairs on a multi-queue tap, both ways\n"
		"  --kill-loop N   N drivers SIGKILLed in the middle of traffic\n"
		"  --name NAME     for the PASS lines\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "frames", required_argument, NULL, 'f' },
		{ "ring", required_argument, NULL, 'r' },
		{ "min-size", required_argument, NULL, 'a' },
		{ "max-size", required_argument, NULL, 'b' },
		{ "rx-buf", required_argument, NULL, 'x' },
		{ "mrg", no_argument, NULL, 'M' },
		{ "event-idx", no_argument, NULL, 'E' },
		{ "indirect", no_argument, NULL, 'I' },
		{ "net-hdr", no_argument, NULL, 'H' },
		{ "bench", no_argument, NULL, 'B' },
		{ "check-num-buffers", no_argument, NULL, 'C' },
		{ "backends", no_argument, NULL, 'K' },
		{ "reset", no_argument, NULL, 'R' },
		{ "hostile-tx", no_argument, NULL, 'T' },
		{ "tx-huge", no_argument, NULL, 'X' },
		{ "busy-ioctls", no_argument, NULL, 'J' },
		{ "packet", required_argument, NULL, 'P' },
		{ "macvtap", required_argument, NULL, 'V' },
		{ "gso", no_argument, NULL, 'G' },
		{ "packed", no_argument, NULL, 'Q' },
		{ "in-order", no_argument, NULL, 'O' },
		{ "legacy", no_argument, NULL, 'Y' },
		{ "busyloop", required_argument, NULL, 'L' },
		{ "sndbuf", required_argument, NULL, 'S' },
		{ "swap", no_argument, NULL, 'W' },
		{ "held", no_argument, NULL, 'D' },
		{ "rx-oversize", no_argument, NULL, 'Z' },
		{ "mq", no_argument, NULL, 'U' },
		{ "kill-loop", required_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct net n = { .o = { .device = VHX_NET_DEVICE, .name = "net",
		.frames = 5000, .ring = 256, .min_size = 60, .max_size = 1514,
		.rx_buf = 1536, .mode = "both" }, .dev.fd = -1, .tap = -1, .pkt = -1,
		.rnd = 5 };
	unsigned int kill_cycles = 0;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': n.o.device = optarg; break;
		case 'm': n.o.mode = optarg; break;
		case 'f': n.o.frames = strtoul(optarg, NULL, 0); break;
		case 'r': n.o.ring = strtoul(optarg, NULL, 0); break;
		case 'a': n.o.min_size = strtoul(optarg, NULL, 0); break;
		case 'b': n.o.max_size = strtoul(optarg, NULL, 0); break;
		case 'x': n.o.rx_buf = strtoul(optarg, NULL, 0); break;
		case 'M': n.o.mrg = true; break;
		case 'E': n.o.event_idx = true; break;
		case 'I': n.o.indirect = true; break;
		case 'H': n.o.net_hdr = true; break;
		case 'B': n.o.bench = true; break;
		case 'C': n.o.check_nb = true; break;
		case 'K': n.o.mode = "backends"; break;
		case 'R': n.o.mode = "reset"; break;
		case 'T': n.o.mode = "hostile-tx"; break;
		case 'X': n.o.mode = "tx-huge"; break;
		case 'J': n.o.mode = "busy-ioctls"; break;
		case 'P': n.o.packet = optarg; n.o.net_hdr = true; break;
		case 'V': n.o.macvtap = optarg; break;
		case 'G': n.o.gso = true; n.o.mrg = true; n.o.mode = "gso"; break;
		case 'Q': n.o.packed = true; break;
		case 'O': n.o.in_order = true; break;
		case 'Y': n.o.legacy = true; break;
		case 'L': n.o.busyloop = strtoul(optarg, NULL, 0); break;
		case 'S': n.o.sndbuf = strtol(optarg, NULL, 0); break;
		case 'W': n.o.swap = true; break;
		case 'D': n.o.mode = "held"; break;
		case 'Z': n.o.oversize = true; break;
		case 'U': n.o.mq = true; break;
		case 'k': kill_cycles = strtoul(optarg, NULL, 0); break;
		case 'n': n.o.name = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (n.o.min_size < 60 || n.o.max_size > FRAME_MAX || n.o.ring > RX_SLOTS ||
	    n.o.min_size > n.o.max_size || !n.o.rx_buf ||
	    n.o.rx_buf > RX_BUF_MAX ||
	    /* Oversize: more than the ring, or 256 (vhx's most a packet). */
	    (n.o.oversize && (!n.o.mrg ||
			      n.o.rx_buf * (n.o.ring < 256 ? n.o.ring : 256) >= 12 + FRAME_MAX))) {
		usage(stderr);
		return 2;
	}
	if (kill_cycles) {
		struct kill_loop k = {
			.cycles = kill_cycles, .seed = n.rnd, .prefix = "net-",
			.child = killloop_child, .arg = &n,
		};

		return kill_loop_run(&k, n.o.name) ? 0 : 1;
	}
	ret = net_open(&n);
	if (ret) {
		result(false, "%s: setup on %s: %s", n.o.name, n.o.device, strerror(-ret));
		return 1;
	}
	if (!strcmp(n.o.mode, "gso")) {
		run_gso(&n);
		n.o.mode = "none";
	}
	if (!strcmp(n.o.mode, "held")) {
		run_rx_held(&n);
		n.o.mode = "none";
	}
	if (n.o.mq) {
		run_mq(&n);
		n.o.mode = "none";
	}
	if (!strcmp(n.o.mode, "busy-ioctls")) {
		run_busy_ioctls(&n);
		n.o.frames = 300;
		n.o.mode = "both";
	}
	if (!strcmp(n.o.mode, "tx-huge")) {
		run_tx_huge(&n);
		n.o.frames = 300;
		n.o.mode = "both";
	}
	if (!strcmp(n.o.mode, "hostile-tx")) {
		run_tx_hostile(&n);
		n.o.frames = 300;
		n.o.mode = "both";
	}
	if (!strcmp(n.o.mode, "reset")) {
		n.o.mode = "both";
		run_tx(&n);
		run_rx(&n);
		run_reset(&n);
		n.rnd = 99;
	}
	if (!strcmp(n.o.mode, "backends")) {
		run_backends(&n);
		n.o.frames = 500;
		n.o.mode = "both";
	}
	if (!strcmp(n.o.mode, "tx") || !strcmp(n.o.mode, "both"))
		run_tx(&n);
	if (!strcmp(n.o.mode, "rx") || !strcmp(n.o.mode, "both"))
		run_rx(&n);
	if (n.o.swap)
		result(n.swaps >= 5 && !n.swap_errs,
		       "%s: %u backend swaps under traffic, %u failed", n.o.name,
		       n.swaps, n.swap_errs);
	print_vhx_stats();
	close(n.dev.fd);
	if (n.pkt >= 0)
		close(n.pkt);
	close(n.tap);
	return failures ? 1 : 0;
}
