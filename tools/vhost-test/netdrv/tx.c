// SPDX-License-Identifier: GPL-2.0
/*
 * TX: the guest sends, the checker socket sees each frame intact and in
 * order; hostile TX headers and chains longer than any frame.
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

/* TX: the guest sends; the packet socket checks what comes out. */
void run_tx(struct net *n)
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
void run_tx_hostile(struct net *n)
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

void run_tx_huge(struct net *n)
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
