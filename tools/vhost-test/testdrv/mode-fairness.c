// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-testdrv fairness: one busy queue does not starve another.
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

/*
 * Fairness: queue 0 is handed a full ring of 64 KiB chains and kicked
 * first, then queue 1 one chain.  The worker must serve queue 1 long
 * before it drains queue 0: past its weight, a queue's handler yields to
 * the others.  Without that, queue 1 waits for all of queue 0.
 */
int mode_fairness(struct opts *o)
{
	struct drv d = { .o = *o, .dev.fd = -1 };
	struct vring_used *used0;
	struct pollfd pfd;
	uint16_t at_q1 = 0;
	uint64_t one = 1;
	unsigned int n;
	int ret;

	d.o.queues = 2;
	d.o.ring = 256;
	d.o.event_idx = false;
	d.o.tp = (struct traffic_params){ .max_out = 1, .max_in = 0,
		.min_len = 65536, .max_len = 65536, .no_verify = true, .seed = 3 };
	ret = drv_open(&d);
	if (!ret)
		ret = drv_setup(&d);
	if (!ret && traffic_add(&d.q[0].t, d.o.ring) != (int)d.o.ring)
		ret = -ENOSPC;
	if (!ret && traffic_add(&d.q[1].t, 1) != 1)
		ret = -ENOSPC;
	if (ret) {
		result(false, "fairness: setup: %s", strerror(-ret));
		drv_close(&d);
		return ret;
	}
	used0 = d.q[0].used;
	vdrv_publish(&d.q[0].v);
	vdrv_publish(&d.q[1].v);
	if (write(d.q[0].kick, &one, sizeof(one)) != sizeof(one) ||
	    write(d.q[1].kick, &one, sizeof(one)) != sizeof(one))
		ret = -errno;
	pfd = (struct pollfd){ .fd = d.q[1].call, .events = POLLIN };
	while (!ret) {
		if (poll(&pfd, 1, 10000) != 1) {
			ret = -ETIMEDOUT;
			break;
		}
		efd_read(d.q[1].call);
		at_q1 = __atomic_load_n(&used0->idx, __ATOMIC_ACQUIRE);
		ret = traffic_collect(&d.q[1].t, &n);
		if (!ret && d.q[1].t.completed)
			break;
	}
	result(!ret && at_q1 < d.o.ring / 2,
	       "fairness: queue 1 served after %u of %u big chains on queue 0%s%s",
	       at_q1, d.o.ring, ret ? ": " : "", ret ? strerror(-ret) : "");
	drv_close(&d);
	return ret;
}
