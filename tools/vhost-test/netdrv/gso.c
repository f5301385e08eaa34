// SPDX-License-Identifier: GPL-2.0
/*
 * Offloads: 64 KiB TCP frames with TSO and checksum offload, both ways.
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
void run_gso(struct net *n)
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
