/* SPDX-License-Identifier: GPL-2.0 */
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
 *
 * net.c holds what every run shares (frames, backends, the device set up
 * through tools/lib/vhxdev); each kind of run has its file (tx.c, rx.c,
 * backends.c, gso.c, busy.c, mq.c); main.c reads the options and runs
 * what they ask for.
 */
#ifndef _VHX_NETDRV_H
#define _VHX_NETDRV_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/guestmem.h"
#include "../lib/util.h"
#include "../../lib/vhxdev.h"
#include "../../../drivers/virtio/vring.h"

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

/* Our frames' Ethernet type: each --mq queue pair has its own. */
extern uint16_t eth_type;

/* net.c */
unsigned int rnd(struct net *n, unsigned int lo, unsigned int hi);
void frame_fill(uint8_t *f, unsigned int size, uint32_t seq);
unsigned int frame_check(const uint8_t *f, unsigned int len, uint32_t seq);
bool ours(const uint8_t *f, unsigned int len);
int packet_bind(int fd, const char *ifname);
int checker_open(struct net *n, const char *ifname);
int packet_open(struct net *n);
int macvtap_open(struct net *n);
int tap_open(struct net *n);
struct vhxdev_queue net_queue(struct net *n, unsigned int i);
int dev_setup(struct net *n);
int net_prepare(struct net *n);
int net_open(struct net *n);
void kick(struct q *q);
bool wait_call(struct q *q, int ms);
void collect_tail(struct net *n, unsigned int want, unsigned int *seen, unsigned int *bad);
void maybe_swap(struct net *n);
void bench_line(const struct net *n, const char *what, unsigned int done, double secs);
void print_vhx_stats(void);

/* tx.c */
void run_tx(struct net *n);
void run_tx_hostile(struct net *n);
void run_tx_huge(struct net *n);

/* rx.c */
void rx_refill(struct net *n, unsigned int *slot);
void run_rx_held(struct net *n);
void run_rx(struct net *n);

/* backends.c */
void run_backends(struct net *n);
void run_reset(struct net *n);

/* busy.c */
void run_busy_ioctls(struct net *n);

/* gso.c */
void run_gso(struct net *n);

/* mq.c */
void run_mq(struct net *n);

#endif /* _VHX_NETDRV_H */
