// SPDX-License-Identifier: GPL-2.0
/*
 * Multiqueue: two queue pairs on one multi-queue tap, each its own device
 * in its own process.
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
 * --mq: two queue pairs on one multi-queue tap, as QEMU runs a guest with
 * queues=2: pair 0 here, pair 1 in a child with its own device, memory
 * and tap queue (a device serves its owner's memory).  Each pair sends
 * and receives its own frames, told apart by their Ethernet type.  RX
 * frames find the right pair because tun steers a flow to the queue that
 * last sent it, and it learns that only with two queues attached: so
 * pair 0 waits for pair 1 to attach, and each pair sends before it
 * receives.
 */
void run_mq(struct net *n)
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
