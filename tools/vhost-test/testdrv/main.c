// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-testdrv: options and the mode to run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "../lib/guestmem.h"
#include "../lib/killloop.h"
#include "../lib/logedge.h"
#include "../lib/util.h"
#include "../lib/traffic.h"
#include "../../lib/vhxdev.h"
#include "../../../include/uapi/linux/vhx.h"

#include "testdrv.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vhx-testdrv MODE [options]\n"
		"modes: traffic, ioctls, hostile, lifecycle, fairness, killloop\n"
		"  --device PATH     (default /dev/vhx-test)\n"
		"  --ring N          ring size, power of 2 (default 256)\n"
		"  --chains N        chains per queue (default 10000)\n"
		"  --queues N        1 or 2 (default 2)\n"
		"  --regions N       memory regions (default 4)\n"
		"  --batch N         chains per kick (default 32)\n"
		"  --min-len/--max-len BYTES  buffer sizes (default 1..2048)\n"
		"  --max-out/--max-in N       buffers per chain (default 4/4)\n"
		"  --indirect --event-idx --log\n"
		"  --log-edge        the dirty bitmap unaligned, across watched page ends\n"
		"                    (root: needs page frame numbers)\n"
		"  --log-fd-storm    SET_LOG_FD swapped by another thread all the run\n"
		"  --packed          packed rings (VIRTIO_F_RING_PACKED)\n"
		"  --in-order        VIRTIO_F_IN_ORDER\n"
		"  --order qemu|kvmtool|crosvm   ioctl order (default qemu)\n"
		"  --mid memswap|callswap|reattach|reset|log  event half-way\n"
		"  --cycles N        lifecycle or killloop cycles (default 1000)\n"
		"  --bench           print a BENCH line\n"
		"  --no-verify       fixed-shape chains, no data checks (benchmarks)\n"
		"  --name NAME       name for the PASS line\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "ring", required_argument, NULL, 'r' },
		{ "chains", required_argument, NULL, 'c' },
		{ "queues", required_argument, NULL, 'q' },
		{ "regions", required_argument, NULL, 'R' },
		{ "batch", required_argument, NULL, 'b' },
		{ "min-len", required_argument, NULL, 'm' },
		{ "max-len", required_argument, NULL, 'M' },
		{ "max-out", required_argument, NULL, 'o' },
		{ "max-in", required_argument, NULL, 'i' },
		{ "indirect", no_argument, NULL, 'I' },
		{ "event-idx", no_argument, NULL, 'E' },
		{ "log", no_argument, NULL, 'L' },
		{ "log-edge", no_argument, NULL, 'G' },
		{ "log-fd-storm", no_argument, NULL, 'F' },
		{ "packed", no_argument, NULL, 'P' },
		{ "in-order", no_argument, NULL, 'N' },
		{ "order", required_argument, NULL, 'O' },
		{ "mid", required_argument, NULL, 'x' },
		{ "cycles", required_argument, NULL, 'y' },
		{ "bench", no_argument, NULL, 'B' },
		{ "no-verify", no_argument, NULL, 'V' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.device = VHX_TEST_DEVICE, .ring = 256, .chains = 10000,
		.regions = 4, .queues = 2, .batch = 32, .cycles = 1000,
		.tp = { .max_out = 4, .max_in = 4, .min_len = 1, .max_len = 2048,
			.seed = 1 },
		.order = "qemu", .name = "traffic",
	};
	const char *mode;
	int opt, ret;

	if (argc < 2 || argv[1][0] == '-') {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	mode = argv[1];
	optind = 2;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': o.device = optarg; break;
		case 'r': o.ring = strtoul(optarg, NULL, 0); break;
		case 'c': o.chains = strtoul(optarg, NULL, 0); break;
		case 'q': o.queues = strtoul(optarg, NULL, 0); break;
		case 'R': o.regions = strtoul(optarg, NULL, 0); break;
		case 'b': o.batch = strtoul(optarg, NULL, 0); break;
		case 'm': o.tp.min_len = strtoul(optarg, NULL, 0); break;
		case 'M': o.tp.max_len = strtoul(optarg, NULL, 0); break;
		case 'o': o.tp.max_out = strtoul(optarg, NULL, 0); break;
		case 'i': o.tp.max_in = strtoul(optarg, NULL, 0); break;
		case 'I': o.tp.indirect = true; break;
		case 'E': o.event_idx = true; break;
		case 'L': o.log = true; break;
		case 'G': o.log_edge = true; break;
		case 'F': o.log_fd_storm = true; break;
		case 'P': o.packed = true; break;
		case 'N': o.in_order = true; break;
		case 'O': o.order = optarg; break;
		case 'x': o.mid = optarg; break;
		case 'y': o.cycles = strtoul(optarg, NULL, 0); break;
		case 'B': o.bench = true; break;
		case 'V': o.tp.no_verify = true; break;
		case 'n': o.name = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!o.queues || o.queues > NQ || !o.regions || !o.batch ||
	    !o.ring || (o.ring & (o.ring - 1)) || o.ring > 32768) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "traffic"))
		ret = mode_traffic(&o);
	else if (!strcmp(mode, "ioctls"))
		ret = mode_ioctls(&o);
	else if (!strcmp(mode, "hostile"))
		ret = mode_hostile(&o);
	else if (!strcmp(mode, "lifecycle"))
		ret = mode_lifecycle(&o);
	else if (!strcmp(mode, "fairness"))
		ret = mode_fairness(&o);
	else if (!strcmp(mode, "killloop"))
		ret = mode_killloop(&o);
	else {
		usage(stderr);
		return 2;
	}
	return ret || failures ? 1 : 0;
}
