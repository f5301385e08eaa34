// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-testdrv traffic: verified traffic, with a mid-run event or a
 * SET_LOG_FD storm.
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
 * --log-fd-storm: while logged traffic runs, another thread of the owner
 * closes its log eventfd and gives the device a new one (or none), as
 * fast as it can.  Closed first, the old eventfd lives on only through
 * the device's reference, so the SET_LOG_FD that replaces it frees it
 * there and then, while the worker may be signalling it: the worker
 * signals the log eventfd after each logged batch, and must never signal
 * one that is gone.  Only a kernel with KASAN sees that happen, and best
 * with two CPUs (the window is a few instructions); the run itself checks
 * the traffic and that the swaps were many.
 */
struct log_storm {
	struct drv *d;
	volatile bool stop;
	bool started;
	unsigned int swaps, errors;
	pthread_t thread;
};

static void *log_storm_fn(void *arg)
{
	struct log_storm *s = arg;
	int old = -1;

	while (!s->stop) {
		int efd = s->swaps % 16 == 15 ? -1 :
			  eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		if (old >= 0)
			close(old);
		if (io(s->d->dev.fd, VHX_SET_LOG_FD, &efd))
			s->errors++;
		old = efd;
		s->swaps++;
	}
	if (old >= 0)
		close(old);
	return NULL;
}

int mode_traffic(struct opts *o)
{
	struct drv d = { .o = *o, .dev.fd = -1 };
	uint64_t total = (uint64_t)o->chains * o->queues, bytes;
	struct log_storm storm = { .d = &d };
	double t0, secs;
	int ret;

	ret = drv_open(&d);
	if (ret == -EPERM && o->log_edge) {
		printf("SKIP: %s: no page frame numbers in /proc/self/pagemap (not root)\n",
		       o->name);
		drv_close(&d);
		return 0;
	}
	if (!ret)
		ret = drv_setup(&d);
	if (!ret && o->log_fd_storm) {
		storm.started = !pthread_create(&storm.thread, NULL,
						log_storm_fn, &storm);
		if (!storm.started)
			ret = -EAGAIN;
	}
	t0 = now();
	if (!ret && o->mid) {
		ret = drv_pump(&d, total / 2);
		if (!ret)
			ret = drv_mid(&d);
	}
	if (!ret)
		ret = drv_pump(&d, total);
	secs = now() - t0;
	if (storm.started) {
		storm.stop = true;
		pthread_join(storm.thread, NULL);
		result(storm.swaps >= 100 && !storm.errors,
		       "%s: %u log eventfd swaps during the run, %u refused",
		       o->name, storm.swaps, storm.errors);
	}
	if (o->log_edge && d.log)
		result(logedge_crossed(&d.edge) && logedge_shadows_clean(&d.edge),
		       "%s: dirty bits set past a page end of an unaligned bitmap (%s), none in the pages physically after its pages (%s)",
		       o->name, logedge_crossed(&d.edge) ? "yes" : "none: not tested",
		       logedge_shadows_clean(&d.edge) ? "clean" : "WRITTEN");
	bytes = d.q[0].t.bytes_out + d.q[0].t.bytes_in +
		(o->queues > 1 ? d.q[1].t.bytes_out + d.q[1].t.bytes_in : 0);
	if (o->bench)
		printf("BENCH: %s chains=%llu secs=%.6f chains_per_s=%.0f MB_per_s=%.1f\n",
		       o->name, (unsigned long long)drv_completed(&d), secs,
		       drv_completed(&d) / secs, bytes / secs / 1e6);
	result(!ret && drv_no_errors(&d) && drv_completed(&d) == total,
	       "%s: %llu chains verified (%llu B), %.0f chains/s%s%s",
	       o->name, (unsigned long long)drv_completed(&d),
	       (unsigned long long)bytes, drv_completed(&d) / secs,
	       ret ? ": " : "", ret ? strerror(-ret) : "");
	drv_close(&d);
	return ret;
}
