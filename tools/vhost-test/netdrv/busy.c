// SPDX-License-Identifier: GPL-2.0
/*
 * Busy polling: ioctls and statistics answer at once while the worker
 * polls with a long timeout.
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

void run_busy_ioctls(struct net *n)
{
	struct vhost_memory *t = guestmem_table(&n->g);
	struct vhx_vring_state s = { 1, 0 };
	struct vhx_vring_file cf = { 1, n->q[1].call };
	double dt[5] = { 0 };
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
