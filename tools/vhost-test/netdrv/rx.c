// SPDX-License-Identifier: GPL-2.0
/*
 * RX: the checker socket sends, the guest receives each frame intact and
 * in order, in one buffer or merged; frames held across a backend swap;
 * frames too big for the whole ring.
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

/* Offer the RX ring all the buffers it can take. */
void rx_refill(struct net *n, unsigned int *slot)
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

void run_rx_held(struct net *n)
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

void run_rx(struct net *n)
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
