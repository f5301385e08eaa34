// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-netdrv: the options, and which runs they ask for.
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
