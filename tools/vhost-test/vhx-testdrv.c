// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-testdrv: play the guest (and the launcher) for /dev/vhx-test.
 *
 *   vhx-testdrv traffic  [options]   verified traffic, with mid-run events
 *   vhx-testdrv ioctls   [options]   hostile ioctls: each gets its errno
 *   vhx-testdrv hostile  [options]   hostile rings through the kernel
 *   vhx-testdrv lifecycle [options]  close in flight, owner killed, cycles
 *   vhx-testdrv fairness [options]   one busy queue does not starve another
 *
 * Guest memory is a guestmem (several shuffled regions), the rings are
 * driven by drivers/virtio/vring_split.c, the kicks and calls are eventfds,
 * as a launcher with KVM's ioeventfd/irqfd would have them.  Every mode
 * prints PASS/FAIL lines (scripts/lib.sh) and exits 1 if any failed.
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

#include "lib/guestmem.h"
#include "lib/killloop.h"
#include "lib/logedge.h"
#include "lib/util.h"
#include "lib/traffic.h"
#include "../lib/vhxdev.h"
#include "../../include/uapi/linux/vhx.h"

#define NQ	2

struct opts {
	const char *device;
	unsigned int ring, chains, regions, queues, batch, cycles;
	struct traffic_params tp;
	bool event_idx, log, quiet, bench, packed, in_order;
	bool log_edge;		/* the bitmap across page ends (logedge.c) */
	bool log_fd_storm;	/* SET_LOG_FD swapped all through the run */
	const char *order;	/* qemu, kvmtool, crosvm */
	const char *mid;	/* memswap, callswap, reattach, reset, log */
	const char *name;	/* for the PASS line */
};

struct queue {
	struct vdrv_vq v;
	struct traffic t;
	int kick, call, err;
	void *desc, *avail, *used;
};

struct drv {
	struct opts o;
	struct vhxdev dev;
	struct guestmem g;
	struct queue q[NQ];
	uint64_t features;
	uint8_t *log;		/* dirty bitmap */
	size_t log_size;
	struct logedge edge;	/* --log-edge: where log lives */
};




static int io_state(int fd, unsigned long req, unsigned int idx,
		    unsigned int num)
{
	struct vhx_vring_state s = { idx, num };

	return io(fd, req, &s);
}

static int io_file(int fd, unsigned long req, unsigned int idx, int efd)
{
	struct vhx_vring_file f = { idx, efd };

	return io(fd, req, &f);
}


static int drv_mem_table(struct drv *d, bool split)
{
	struct vhost_memory *t = guestmem_table(&d->g);
	struct vhost_memory *t2;
	unsigned int i;
	int ret;

	if (!t)
		return -ENOMEM;
	if (!split) {
		ret = io(d->dev.fd, VHX_SET_MEM_TABLE, t);
		free(t);
		return ret;
	}
	/* The same memory, described with every region cut in two. */
	t2 = calloc(1, sizeof(*t2) + 2 * t->nregions * sizeof(t2->regions[0]));
	t2->nregions = 2 * t->nregions;
	for (i = 0; i < t->nregions; i++) {
		struct vhost_memory_region r = t->regions[i];
		uint64_t half = r.memory_size / 2;

		t2->regions[2 * i] = r;
		t2->regions[2 * i].memory_size = half;
		t2->regions[2 * i + 1] = r;
		t2->regions[2 * i + 1].guest_phys_addr += half;
		t2->regions[2 * i + 1].userspace_addr += half;
		t2->regions[2 * i + 1].memory_size -= half;
	}
	ret = io(d->dev.fd, VHX_SET_MEM_TABLE, t2);
	free(t);
	free(t2);
	return ret;
}

/* Queue i as the library hands it to the device. */
static struct vhxdev_queue drv_queue(struct drv *d, unsigned int i, bool log)
{
	struct queue *q = &d->q[i];
	struct vhxdev_queue vq = {
		.num = d->o.ring,
		.base = vhxdev_fresh_base(d->o.packed),
		.desc = (uintptr_t)guestmem_hva(&d->g, q->desc),
		.avail = (uintptr_t)guestmem_hva(&d->g, q->avail),
		.used = (uintptr_t)guestmem_hva(&d->g, q->used),
		.log_addr = guestmem_gpa(&d->g, q->used),
		.log = log,
		.kick = q->kick, .call = q->call, .err = q->err,
		.backend = 0,
		/* QEMU sets the busy-poll timeout at init; the others do not. */
		.busyloop = strcmp(d->o.order, "qemu") ? -1 : 0,
	};

	return vq;
}

static int drv_addr(struct drv *d, unsigned int i, bool log)
{
	struct vhxdev_queue vq = drv_queue(d, i, log);

	return vhxdev_set_vring_addr(&d->dev, i, &vq);
}

static uint64_t drv_wanted_features(struct drv *d)
{
	uint64_t f = 1ULL << VIRTIO_F_VERSION_1;

	if (d->o.tp.indirect)
		f |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (d->o.event_idx)
		f |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	if (d->o.packed)
		f |= 1ULL << VIRTIO_F_RING_PACKED;
	if (d->o.in_order)
		f |= 1ULL << VIRTIO_F_IN_ORDER;
	if (d->o.log)
		f |= 1ULL << VHX_F_LOG_ALL;
	return f;
}

/* Rings and the driver side: fresh, empty. */
static int drv_rings(struct drv *d)
{
	unsigned int i;
	int ret;

	for (i = 0; i < d->o.queues; i++) {
		struct queue *q = &d->q[i];

		ret = vdrv_init(&q->v, d->o.packed, d->o.ring, q->desc,
				q->avail, q->used, d->o.event_idx,
				&traffic_mem_ops, &d->g);
		if (!ret) {
			vdrv_set_in_order(&q->v, d->o.in_order);
			d->o.tp.seed = d->o.tp.seed * 7 + i + 1;
			ret = traffic_init(&q->t, &d->g, &q->v, &d->o.tp);
		}
		if (ret)
			return ret;
		q->t.log_bitmap = d->o.log ? d->log : NULL;
	}
	return 0;
}

static int drv_log(struct drv *d)
{
	uint64_t base = (uintptr_t)d->log;

	return io(d->dev.fd, VHX_SET_LOG_BASE, &base);
}

/* SET_OWNER onwards, in the order the chosen launcher uses. */
static int drv_setup(struct drv *d)
{
	struct vhxdev_queue q[NQ];
	struct vhxdev_config c = {
		.features = drv_wanted_features(d),
		.mem = guestmem_table(&d->g),
		.log_base = d->o.log ? d->log : NULL,
		.backend_features = true,
		.nqueues = d->o.queues,
		.q = q,
	};
	int order = vhxdev_order_parse(d->o.order);
	unsigned int i;
	int ret;

	if (order < 0) {
		fprintf(stderr, "vhx-testdrv: unknown --order %s\n", d->o.order);
		return -EINVAL;
	}
	if (!c.mem)
		return -ENOMEM;
	for (i = 0; i < d->o.queues; i++)
		q[i] = drv_queue(d, i, d->o.log);
	ret = vhxdev_setup(&d->dev, &c, order, &d->features);
	if (ret)
		fprintf(stderr, "vhx-testdrv: %s\n", vhxdev_error(&d->dev));
	free((void *)c.mem);
	return ret;
}

static int drv_open(struct drv *d)
{
	/* Buffers of every slot, twice (a mid-run reset re-allocates). */
	size_t per = (size_t)d->o.ring * 2 *
		     (d->o.tp.max_out + d->o.tp.max_in) * d->o.tp.max_len;
	size_t size = per * d->o.queues + (size_t)d->o.ring * 1024 * d->o.queues +
		      (8u << 20);
	size_t piece;
	unsigned int i;
	int ret;

	/* Regions of whole pages, as many as asked. */
	piece = (size / d->o.regions + 4095) & ~(size_t)4095;
	ret = guestmem_init(&d->g, piece * d->o.regions, d->o.regions,
			    0x10000000, d->o.ring + d->o.regions);
	if (ret)
		return ret;
	guestmem_block_size(&d->g, TRAFFIC_MAX_BUFS * 2 * sizeof(struct vring_desc));
	for (i = 0; i < d->o.queues; i++) {
		struct queue *q = &d->q[i];

		bool pk = d->o.packed;

		q->desc = guestmem_alloc(&d->g, vdrv_desc_size(pk, d->o.ring),
					 vdrv_area_align(pk, 0), true);
		q->avail = guestmem_alloc(&d->g, vdrv_driver_size(pk, d->o.ring),
					  vdrv_area_align(pk, 1), true);
		q->used = guestmem_alloc(&d->g, vdrv_device_size(pk, d->o.ring),
					 vdrv_area_align(pk, 2), true);
		q->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (!q->desc || !q->avail || !q->used || q->kick < 0 ||
		    q->call < 0 || q->err < 0)
			return -ENOMEM;
	}
	d->log_size = ((d->g.gpa_base + d->g.size) >> 12) / 8 + 8;
	if (d->o.log_edge) {
		ret = logedge_alloc(&d->edge, d->log_size);
		if (ret)
			return ret;
		d->log = d->edge.base;
	} else {
		d->log = calloc(1, d->log_size);
	}
	ret = open(d->o.device, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		return -errno;
	vhxdev_init(&d->dev, ret, true);
	return drv_rings(d);
}

static void drv_close(struct drv *d)
{
	unsigned int i;

	if (d->dev.fd >= 0)
		close(d->dev.fd);
	for (i = 0; i < d->o.queues; i++) {
		traffic_fini(&d->q[i].t);
		vdrv_fini(&d->q[i].v);
		close(d->q[i].kick);
		close(d->q[i].call);
		close(d->q[i].err);
	}
	if (d->o.log_edge)
		logedge_free(&d->edge);
	else
		free(d->log);
	guestmem_fini(&d->g);
}

static uint64_t efd_read(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static uint64_t drv_completed(struct drv *d)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < d->o.queues; i++)
		n += d->q[i].t.completed;
	return n;
}

static uint64_t drv_in_flight(struct drv *d)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < d->o.queues; i++)
		n += traffic_in_flight(&d->q[i].t);
	return n;
}

/*
 * Collect and verify, offer more and kick, and sleep on the call eventfds
 * only while something is in flight, until @target chains came back in
 * all.  Returns 0, -EIO on bad data, -ETIMEDOUT if the device stalls.
 */
static int drv_pump(struct drv *d, uint64_t target)
{
	struct pollfd pfd[NQ];
	unsigned int i, n;
	int ret;

	for (;;) {
		bool pending = false;

		for (i = 0; i < d->o.queues; i++) {
			ret = traffic_collect(&d->q[i].t, &n);
			if (ret)
				return ret;
		}
		if (drv_completed(d) >= target)
			return 0;
		for (i = 0; i < d->o.queues; i++) {
			struct queue *q = &d->q[i];
			uint64_t room = target - drv_completed(d) - drv_in_flight(d);
			unsigned int want = room < d->o.batch ? room : d->o.batch;
			uint64_t one = 1;

			ret = traffic_add(&q->t, want);
			if (ret < 0)
				return ret;
			if (ret && vdrv_publish(&q->v) &&
			    write(q->kick, &one, sizeof(one)) != sizeof(one))
				return -errno;
		}
		for (i = 0; i < d->o.queues; i++) {
			if (vdrv_enable_cb(&d->q[i].v))
				pending = true;
			pfd[i] = (struct pollfd){ .fd = d->q[i].call, .events = POLLIN };
		}
		if (pending)
			continue;
		ret = poll(pfd, d->o.queues, 5000);
		if (ret == 0) {
			fprintf(stderr, "vhx-testdrv: no call for 5 s (%llu of %llu chains, %llu in flight)\n",
				(unsigned long long)drv_completed(d),
				(unsigned long long)target,
				(unsigned long long)drv_in_flight(d));
			return -ETIMEDOUT;
		}
		for (i = 0; i < d->o.queues; i++)
			efd_read(d->q[i].call);
	}
}

/* Stop a queue, read where the device stands, and start it again there. */
static int drv_reattach(struct drv *d)
{
	unsigned int i;
	int ret;

	for (i = 0; i < d->o.queues; i++) {
		struct vhx_vring_state s = { i, 0 };

		ret = io_file(d->dev.fd, VHX_TEST_SET_BACKEND, i, VHX_FILE_UNBIND);
		if (!ret)
			ret = io(d->dev.fd, VHX_GET_VRING_BASE, &s);
		if (ret)
			return ret;
		if (s.num != vdrv_stopped_base(&d->q[i].v)) {
			fprintf(stderr, "vhx-testdrv: base %#x after stop, %#x expected\n",
				s.num, vdrv_stopped_base(&d->q[i].v));
			return -EIO;
		}
		ret = io_state(d->dev.fd, VHX_SET_VRING_BASE, i, s.num);
		if (!ret)
			ret = io_file(d->dev.fd, VHX_TEST_SET_BACKEND, i, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int drv_mid(struct drv *d)
{
	const char *m = d->o.mid;
	unsigned int i;
	int ret = 0;

	if (!strcmp(m, "memswap"))
		return drv_mem_table(d, true);
	if (!strcmp(m, "callswap")) {
		for (i = 0; i < d->o.queues && !ret; i++) {
			int old = d->q[i].call;

			d->q[i].call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			ret = io_file(d->dev.fd, VHX_SET_VRING_CALL, i, d->q[i].call);
			close(old);
		}
		return ret;
	}
	if (!strcmp(m, "reattach"))
		return drv_reattach(d);
	if (!strcmp(m, "reset")) {
		/* Let what is in flight drain, then tear down and start over. */
		uint64_t done[NQ], flight = 0;

		for (i = 0; i < d->o.queues; i++)
			flight += traffic_in_flight(&d->q[i].t);
		ret = drv_pump(d, drv_completed(d) + flight);
		if (!ret)
			ret = io(d->dev.fd, VHX_RESET_OWNER, NULL);
		for (i = 0; i < d->o.queues && !ret; i++) {
			done[i] = d->q[i].t.completed;
			traffic_fini(&d->q[i].t);
			vdrv_fini(&d->q[i].v);
		}
		if (!ret)
			ret = drv_rings(d);
		for (i = 0; i < d->o.queues && !ret; i++)
			d->q[i].t.added = d->q[i].t.completed = done[i];
		return ret ? ret : drv_setup(d);
	}
	if (!strcmp(m, "log")) {
		/* Logging switched on live, as QEMU does when migration starts. */
		uint64_t f = drv_wanted_features(d) | (1ULL << VHX_F_LOG_ALL);

		ret = drv_log(d);
		if (!ret)
			ret = io(d->dev.fd, VHX_SET_FEATURES, &f);
		for (i = 0; i < d->o.queues && !ret; i++) {
			ret = drv_addr(d, i, true);
			d->q[i].t.log_bitmap = d->log;
		}
		return ret;
	}
	fprintf(stderr, "vhx-testdrv: unknown mid-run event '%s'\n", m);
	return -EINVAL;
}

/* Nothing may have been reported on the error eventfds. */
static bool drv_no_errors(struct drv *d)
{
	unsigned int i;
	bool ok = true;

	for (i = 0; i < d->o.queues; i++) {
		if (efd_read(d->q[i].err)) {
			fprintf(stderr, "vhx-testdrv: queue %u signalled an error\n", i);
			ok = false;
		}
	}
	return ok;
}

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

static int mode_traffic(struct opts *o)
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

/* -------- hostile ioctls -------- */

#define EXPECT(call, err, what) do {					\
	int __r = (call);						\
	result(__r == (err), "ioctl: %s -> %s (got %s)", what,		\
	       (err) ? strerror(-(err)) : "ok",				\
	       __r ? strerror(-__r) : "ok");				\
} while (0)

/*
 * Replacing an eventfd must drop the reference to the old one (the class
 * of CVE-2015-6252): 1000 swaps of each kind, then close, and the kernel
 * must hold no more files than before.  A leaked kick pins its file and
 * shows here (checked: dropping the fput makes this fail with ~1000 extra
 * files).  CALL, ERR and LOG_FD hold eventfd contexts, which pin no file:
 * for those this checks only that swapping works and closes cleanly.
 */
static void fd_leaks(struct opts *o)
{
	long before = files_in_use(), after;
	unsigned int i;
	int fd, bad = 0;

	fd = open(o->device, O_RDWR | O_CLOEXEC);
	if (fd < 0 || io(fd, VHX_SET_OWNER, NULL))
		bad++;
	for (i = 0; i < 1000 && !bad; i++) {
		int efd = eventfd(0, EFD_CLOEXEC);

		if (io_file(fd, VHX_SET_VRING_CALL, 0, efd) ||
		    io_file(fd, VHX_SET_VRING_KICK, 1, efd) ||
		    io_file(fd, VHX_SET_VRING_ERR, 0, efd) ||
		    io(fd, VHX_SET_LOG_FD, &efd))
			bad++;
		close(efd);
	}
	close(fd);
	usleep(100000);
	after = files_in_use();
	result(!bad && before >= 0 && after <= before + files_slack(),
	       "ioctl: 1000 swaps of CALL, KICK, ERR and LOG_FD leak no file (%ld files before, %ld after, counter slack %ld)",
	       before, after, files_slack());
}

static int mode_ioctls(struct opts *o)
{
	struct drv d = { .o = *o, .dev.fd = -1 };
	struct vhost_memory *t;
	uint64_t f, arr[5];
	unsigned int max_regions = 509;
	int nullfd, ret, status;
	pid_t pid;

	ret = drv_open(&d);
	if (ret) {
		result(false, "ioctl: setup: %s", strerror(-ret));
		return ret;
	}
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, &(struct vhx_memory){ 0 }), -EPERM,
	       "SET_MEM_TABLE before SET_OWNER");
	EXPECT(io(d.dev.fd, VHX_GET_FEATURES, &d.features), 0, "GET_FEATURES before SET_OWNER");
	EXPECT(io(d.dev.fd, VHX_SET_OWNER, NULL), 0, "SET_OWNER");
	EXPECT(io(d.dev.fd, VHX_SET_OWNER, NULL), -EBUSY, "SET_OWNER twice");

	pid = fork();
	if (pid == 0) {
		/* Another process (another mm) is not the owner. */
		_exit(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 256) == -EPERM ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	result(WIFEXITED(status) && !WEXITSTATUS(status),
	       "ioctl: SET_VRING_NUM from another process -> EPERM");

	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 2, 256), -ENOBUFS, "vq index 2 of 2");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0xffffffff, 256), -ENOBUFS, "vq index 2^32-1");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 0), -EINVAL, "SET_VRING_NUM 0");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 3), -EINVAL, "SET_VRING_NUM 3");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 65536), -EINVAL, "SET_VRING_NUM 65536");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_BASE, 0, 0x10000), -EINVAL, "SET_VRING_BASE 0x10000");

	{
		struct vhx_vring_addr a = { .index = 0, .flags = 2 };

		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EOPNOTSUPP, "SET_VRING_ADDR flags 2");
		a.flags = 0;
		a.avail_user_addr = 0x1001;
		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EINVAL, "avail address odd");
		a.avail_user_addr = 0x1000;
		a.used_user_addr = 0x1002;
		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EINVAL, "used address not 4-aligned");
		a.used_user_addr = 0x1000;
		a.log_guest_addr = 0x1001;
		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EINVAL, "log address not 4-aligned");
	}

	f = 1ULL << 63;
	EXPECT(io(d.dev.fd, VHX_SET_FEATURES, &f), -EOPNOTSUPP, "SET_FEATURES unknown bit 63");
	arr[0] = 4;
	memset(&arr[1], 0xff, 4 * sizeof(arr[0]));
	EXPECT(io(d.dev.fd, VHX_GET_FEATURES_ARRAY, arr), 0, "GET_FEATURES_ARRAY count 4");
	result(arr[1] == d.features && !arr[2] && !arr[3] && !arr[4],
	       "ioctl: GET_FEATURES_ARRAY: word 0 = features, words 1..3 zeroed");
	arr[0] = 2;
	arr[1] = 1ULL << VIRTIO_F_VERSION_1;
	arr[2] = 1;
	EXPECT(io(d.dev.fd, VHX_SET_FEATURES_ARRAY, arr), -EOPNOTSUPP, "SET_FEATURES_ARRAY word 1 non-zero");
	arr[2] = 0;
	EXPECT(io(d.dev.fd, VHX_SET_FEATURES_ARRAY, arr), 0, "SET_FEATURES_ARRAY VERSION_1");
	f = 1ULL << 40;
	EXPECT(io(d.dev.fd, VHX_SET_BACKEND_FEATURES, &f), -EOPNOTSUPP, "SET_BACKEND_FEATURES unknown");
	EXPECT(io(d.dev.fd, VHX_GET_BACKEND_FEATURES, &f), 0, "GET_BACKEND_FEATURES");
	result(f == (1ULL << VHX_BACKEND_F_IOTLB_MSG_V2),
	       "ioctl: backend features are IOTLB_MSG_V2, as vhost-net's (%#llx)",
	       (unsigned long long)f);

	t = calloc(1, sizeof(*t) + (max_regions + 1) * sizeof(t->regions[0]));
	t->padding = 1;
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -EOPNOTSUPP, "SET_MEM_TABLE padding 1");
	t->padding = 0;
	t->nregions = max_regions + 1;
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -E2BIG, "SET_MEM_TABLE 510 regions");
	t->nregions = 2;
	t->regions[0] = (struct vhost_memory_region){ 0, 0x2000, 0x100000, 0 };
	t->regions[1] = (struct vhost_memory_region){ 0x1000, 0x2000, 0x200000, 0 };
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -EINVAL, "SET_MEM_TABLE overlapping");
	t->regions[1] = (struct vhost_memory_region){ 0x4000, 0, 0x200000, 0 };
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -EINVAL, "SET_MEM_TABLE empty region");
	t->regions[1] = (struct vhost_memory_region){ 0x4000, 0x1000, 0xffff888000000000ULL, 0 };
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -EFAULT, "SET_MEM_TABLE kernel address");
	t->nregions = max_regions;
	for (unsigned int i = 0; i < max_regions; i++)
		t->regions[i] = (struct vhost_memory_region){
			0x100000ULL * i, 0x1000, 0x7f0000000000ULL + 0x1000ULL * i, 0 };
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), 0, "SET_MEM_TABLE 509 regions");
	free(t);
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, (void *)8), -EFAULT, "SET_MEM_TABLE bad pointer");

	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_KICK, 0, nullfd), -EINVAL, "SET_VRING_KICK not an eventfd");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_KICK, 0, 999), -EBADF, "SET_VRING_KICK closed fd");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_CALL, 0, nullfd), -EINVAL, "SET_VRING_CALL not an eventfd");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_ERR, 1, 999), -EBADF, "SET_VRING_ERR closed fd");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_CALL, 0, -1), 0, "SET_VRING_CALL -1 (unbind)");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_KICK, 0, -1), 0, "SET_VRING_KICK -1 (unbind)");
	close(nullfd);
	{
		int bad = 999;

		EXPECT(io(d.dev.fd, VHX_SET_LOG_FD, &bad), -EBADF, "SET_LOG_FD closed fd");
		bad = -1;
		EXPECT(io(d.dev.fd, VHX_SET_LOG_FD, &bad), 0, "SET_LOG_FD -1");
	}
	{
		struct vhx_vring_state s = { 1, 0 };

		EXPECT(io_state(d.dev.fd, VHX_SET_VRING_BUSYLOOP_TIMEOUT, 1, 50), 0, "SET_VRING_BUSYLOOP_TIMEOUT 50");
		EXPECT(io(d.dev.fd, VHX_GET_VRING_BUSYLOOP_TIMEOUT, &s), 0, "GET_VRING_BUSYLOOP_TIMEOUT");
		result(s.num == 50, "ioctl: busyloop timeout reads back 50 (got %u)", s.num);
	}
	{
		int run = 2;

		EXPECT(io(d.dev.fd, VHX_TEST_RUN, &run), -EINVAL, "TEST_RUN 2");
	}
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 2, 0), -ENOBUFS, "TEST_SET_BACKEND vq 2");
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 1, 0), -EINVAL, "TEST_SET_BACKEND before SET_VRING_NUM");
	EXPECT(io(d.dev.fd, _IO(VHX_VIRTIO, 0x7e), NULL), -ENOTTY, "unknown ioctl");

	/* Running: NUM and BASE are refused, ADDR is checked. */
	EXPECT(drv_mem_table(&d, false), 0, "SET_MEM_TABLE real");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, d.o.ring), 0, "SET_VRING_NUM");
	EXPECT(drv_addr(&d, 0, false), 0, "SET_VRING_ADDR");
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 0, 0), 0, "start queue 0");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 64), -EBUSY, "SET_VRING_NUM while running");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_BASE, 0, 0), -EBUSY, "SET_VRING_BASE while running");
	{
		/* The ring layout is a feature: it may not change under a ring. */
		uint64_t f = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_PACKED);

		EXPECT(io(d.dev.fd, VHX_SET_FEATURES, &f), -EBUSY,
		       "SET_FEATURES switching to packed rings while running");
		f = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX);
		EXPECT(io(d.dev.fd, VHX_SET_FEATURES, &f), 0,
		       "SET_FEATURES with the same layout while running");
	}
	{
		struct vhx_vring_addr a = { .index = 0,
			.desc_user_addr = 0xffff888000000000ULL,
			.avail_user_addr = 0x1000, .used_user_addr = 0x1000 };

		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EINVAL, "SET_VRING_ADDR kernel address while running");
	}
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 0, -1), 0, "stop queue 0");
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 0, -1), 0, "stop queue 0 again");
	EXPECT(io(d.dev.fd, VHX_RESET_OWNER, NULL), 0, "RESET_OWNER");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 256), -EPERM, "SET_VRING_NUM after RESET_OWNER");
	EXPECT(io(d.dev.fd, VHX_SET_OWNER, NULL), 0, "SET_OWNER after RESET_OWNER");
	drv_close(&d);
	fd_leaks(o);
	return failures ? -EIO : 0;
}

/* -------- hostile rings through the kernel -------- */

struct bad_ring {
	const char *what;
	void (*make)(struct drv *d);
	bool packed;
};

static void offer(struct drv *d, uint16_t head)
{
	struct vring_avail *av = d->q[0].avail;

	av->ring[av->idx % d->o.ring] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	av->idx++;
}

static uint64_t scratch(struct drv *d, size_t n)
{
	return guestmem_gpa(&d->g, guestmem_alloc(&d->g, n, 16, false));
}

static void bad_loop(struct drv *d)
{
	struct vring_desc *desc = d->q[0].desc;
	desc[0] = (struct vring_desc){ scratch(d, 8), 8, VRING_DESC_F_NEXT, 1 };
	desc[1] = (struct vring_desc){ scratch(d, 8), 8, VRING_DESC_F_NEXT, 0 };
	offer(d, 0);
}

static void bad_head(struct drv *d)
{
	offer(d, d->o.ring + 3);
}

static void bad_addr(struct drv *d)
{
	struct vring_desc *desc = d->q[0].desc;
	desc[0] = (struct vring_desc){ 0x1000, 64, 0, 0 };
	offer(d, 0);
}

static void bad_nested(struct drv *d)
{
	struct vring_desc *t = guestmem_alloc(&d->g, 16, 16, false);
	struct vring_desc *desc = d->q[0].desc;

	t[0] = (struct vring_desc){ scratch(d, 16), 16, VRING_DESC_F_INDIRECT, 0 };
	desc[0] = (struct vring_desc){ guestmem_gpa(&d->g, t), 16,
				       VRING_DESC_F_INDIRECT, 0 };
	offer(d, 0);
}

static void bad_jump(struct drv *d)
{
	((struct vring_avail *)d->q[0].avail)->idx += d->o.ring + 1;
}

/* Packed: slots written by hand in lap 1 (AVAIL set, USED clear). */
#define PK_AVAIL	(1 << VRING_PACKED_DESC_F_AVAIL)
#define PK_USED		(1 << VRING_PACKED_DESC_F_USED)

static void pk_slot(struct drv *d, unsigned int i, uint64_t addr, uint32_t len,
		    uint16_t id, uint16_t flags)
{
	struct vring_packed_desc *s = (struct vring_packed_desc *)d->q[0].desc + i;

	s->addr = addr;
	s->len = len;
	s->id = id;
	__atomic_store_n(&s->flags, flags, __ATOMIC_RELEASE);
}

static void pk_bad_id(struct drv *d)
{
	pk_slot(d, 0, scratch(d, 8), 8, d->o.ring + 3, PK_AVAIL);
}

static void pk_bad_lap(struct drv *d)
{
	pk_slot(d, 1, scratch(d, 8), 8, 0, PK_USED);
	pk_slot(d, 0, scratch(d, 8), 8, 0, PK_AVAIL | VRING_DESC_F_NEXT);
}

static void pk_bad_addr(struct drv *d)
{
	pk_slot(d, 0, 0x1000, 64, 0, PK_AVAIL);
}

static const struct bad_ring bad_rings[] = {
	{ "a looping chain", bad_loop, false },
	{ "a head out of range", bad_head, false },
	{ "a buffer outside guest memory", bad_addr, false },
	{ "a nested indirect table", bad_nested, false },
	{ "an avail index jumping past the ring", bad_jump, false },
	{ "packed: a buffer id out of range", pk_bad_id, true },
	{ "packed: a chain into a slot of the last lap", pk_bad_lap, true },
	{ "packed: a buffer outside guest memory", pk_bad_addr, true },
};

/* Packed: has any slot been used (both bits set: lap 1)? */
static bool pk_any_used(struct drv *d)
{
	struct vring_packed_desc *s = d->q[0].desc;
	unsigned int i;

	for (i = 0; i < d->o.ring; i++)
		if ((s[i].flags & (PK_AVAIL | PK_USED)) == (PK_AVAIL | PK_USED))
			return true;
	return false;
}

/*
 * Packed recovery: the launcher stops the queue and starts it afresh (the
 * driver side too: a new ring, base 0x80008000), as a device reset does.
 */
static int pk_restart(struct drv *d)
{
	int ret = io_file(d->dev.fd, VHX_TEST_SET_BACKEND, 0, -1);

	traffic_fini(&d->q[0].t);
	vdrv_fini(&d->q[0].v);
	if (!ret)
		ret = drv_rings(d);
	if (!ret)
		ret = io_state(d->dev.fd, VHX_SET_VRING_BASE, 0, vhxdev_fresh_base(true));
	if (!ret)
		ret = io_file(d->dev.fd, VHX_TEST_SET_BACKEND, 0, 0);
	return ret;
}

/*
 * Each bad ring must be reported on the error eventfd, return nothing, and
 * leave the device able to carry on: we stop the queue, set the base past
 * the bad entries, restart it, and real traffic must flow.
 */
static int mode_hostile(struct opts *o)
{
	unsigned int k;

	for (k = 0; k < sizeof(bad_rings) / sizeof(bad_rings[0]); k++) {
		struct drv d = { .o = *o, .dev.fd = -1 };
		struct pollfd pfd;
		uint64_t one = 1;
		uint16_t used_before;
		int ret;
		bool reported, silent, recovered;

		if (bad_rings[k].packed != o->packed)
			continue;
		d.o.queues = 1;
		d.o.order = "qemu";
		ret = drv_open(&d);
		if (!ret)
			ret = drv_setup(&d);
		if (ret) {
			result(false, "hostile ring: %s: setup: %s", bad_rings[k].what,
			       strerror(-ret));
			drv_close(&d);
			continue;
		}
		used_before = o->packed ? 0 : ((struct vring_used *)d.q[0].used)->idx;
		bad_rings[k].make(&d);
		if (write(d.q[0].kick, &one, sizeof(one)) != sizeof(one))
			ret = -errno;
		pfd = (struct pollfd){ .fd = d.q[0].err, .events = POLLIN };
		reported = poll(&pfd, 1, 5000) == 1 && efd_read(d.q[0].err);
		if (o->packed) {
			silent = !pk_any_used(&d);
			ret = pk_restart(&d);
			if (!ret)
				ret = drv_pump(&d, 200);
			recovered = !ret && drv_completed(&d) == 200;
		} else {
			silent = ((struct vring_used *)d.q[0].used)->idx == used_before;
		}

		/* Recover: restart the queue past the bad entries. */
		if (!o->packed) {
			struct vring_avail *av = d.q[0].avail;
			uint16_t idx = av->idx;
			struct vhx_vring_state s = { 0, 0 };

			if (bad_rings[k].make == bad_jump)
				av->idx = idx = used_before;
			ret = io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 0, -1);
			if (!ret)
				ret = io(d.dev.fd, VHX_GET_VRING_BASE, &s);
			if (!ret)
				ret = io_state(d.dev.fd, VHX_SET_VRING_BASE, 0, idx);
			if (!ret)
				ret = io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 0, 0);
			/*
			 * The driver side starts over at the same point, with
			 * every descriptor free again: the bad chain wrote over
			 * the next fields its free list is threaded through.
			 */
			d.q[0].v.s.avail_idx = d.q[0].v.s.published = idx;
			d.q[0].v.s.last_used = ((struct vring_used *)d.q[0].used)->idx;
			for (unsigned int j = 0; j + 1 < d.o.ring; j++)
				d.q[0].v.s.desc[j].next = j + 1;
			d.q[0].v.s.free_head = 0;
			d.q[0].v.s.num_free = d.o.ring;
			if (!ret)
				ret = drv_pump(&d, 200);
			recovered = !ret && drv_completed(&d) == 200;
		}
		result(reported && silent && recovered,
		       "hostile ring: %s: error eventfd %s, nothing used %s, traffic after restart %s",
		       bad_rings[k].what, reported ? "signalled" : "SILENT",
		       silent ? "yes" : "NO", recovered ? "ok" : "FAILED");
		drv_close(&d);
	}
	return failures ? -EIO : 0;
}

/* -------- lifecycle -------- */

/* The first line of a small file, without its newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, size, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/* The tid of a task named @comm under @dir (/proc or /proc/self/task). */
static int find_task(const char *dir, const char *comm)
{
	char path[300], name[64];
	struct dirent *e;
	int tid = -1;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d)) && tid < 0) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, e->d_name);
		read_line(path, name, sizeof(name));
		if (!strcmp(name, comm))
			tid = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return tid;
}

/* Kernels from 6.10 run the worker as a vhost_task. */
static bool kernel_has_vhost_task(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 10);
}

/*
 * Where the worker runs: in a cgroup of our own, the worker must be in it
 * too, and from 6.10 it must be one of our threads (a vhost_task).
 * Runs in a child, so that the cgroup move stays there.
 */
static void check_worker_placement(const struct opts *o)
{
	char cg[256], path[300], own[300], theirs[300], comm[32];
	bool thread = false, same = false, found = false;
	struct drv d = { .o = *o, .dev.fd = -1 };
	int pipefd[2], status, tid;
	char verdict[3] = { 0 };
	pid_t pid;

	if (pipe(pipefd))
		return result(false, "lifecycle: pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		snprintf(cg, sizeof(cg), "/sys/fs/cgroup/vhx-owner-%d", getpid());
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		if (mkdir(cg, 0755) == 0) {
			FILE *f = fopen(path, "w");

			if (f) {
				fprintf(f, "%d\n", getpid());
				fclose(f);
			}
		}
		d.o.queues = 1;
		if (drv_open(&d) || drv_setup(&d) || drv_pump(&d, 16))
			_exit(2);
		snprintf(comm, sizeof(comm), "vhx-%d", getpid());
		tid = find_task("/proc/self/task", comm);
		thread = tid > 0;
		if (tid < 0)
			tid = find_task("/proc", comm);
		found = tid > 0;
		read_line("/proc/self/cgroup", own, sizeof(own));
		snprintf(path, sizeof(path), "/proc/%d/cgroup", tid);
		read_line(path, theirs, sizeof(theirs));
		same = found && !strcmp(own, theirs) && strstr(own, "vhx-owner-");
		verdict[0] = found ? (thread ? 't' : 'k') : '-';
		verdict[1] = same ? 's' : 'd';
		if (write(pipefd[1], verdict, 2) != 2)
			_exit(3);
		drv_close(&d);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], verdict, 2) != 2)
		verdict[0] = 0;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/vhx-owner-%d", pid);
	rmdir(cg);
	found = verdict[0] == 't' || verdict[0] == 'k';
	thread = verdict[0] == 't';
	result(found && thread == kernel_has_vhost_task() && verdict[1] == 's',
	       "lifecycle: worker is %s, in the owner's cgroup: %s",
	       !found ? "NOT FOUND" : thread ? "a thread of the owner (vhost_task)" :
	       "a kthread", verdict[1] == 's' ? "yes" : "NO");
}

/*
 * The owner is killed while its parent still holds the device (a
 * launcher that opened it and handed it down, as libvirt does).  The
 * device outlives its worker: ioctls are refused as from any non-owner,
 * and the parent's close must still tear it down cleanly.
 */
static void check_orphaned_device(const struct opts *o)
{
	unsigned int i, bad = 0, refused = 0;
	int status, fd, ret;
	uint64_t features;
	pid_t pid;

	for (i = 0; i < 5; i++) {
		fd = open(o->device, O_RDWR);
		if (fd < 0) {
			bad++;
			continue;
		}
		pid = fork();
		if (pid == 0) {
			struct drv d = { .o = *o, .dev.fd = -1 };

			d.o.chains = 1u << 30;
			if (drv_open(&d))
				_exit(2);
			close(d.dev.fd);
			d.dev.fd = fd;
			if (drv_setup(&d))
				_exit(2);
			drv_pump(&d, d.o.chains);
			_exit(3);
		}
		usleep(150000 + 50000 * i);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status))
			bad++;
		ret = io_state(fd, VHX_SET_VRING_NUM, 0, 64);
		refused += ret == -EPERM;
		if (io(fd, VHX_SET_OWNER, NULL) != -EBUSY ||
		    io(fd, VHX_GET_FEATURES, &features))
			bad++;
		close(fd);
	}
	result(!bad && refused == 5,
	       "lifecycle: 5 owners killed with the device held by their parent: ioctls refused (%u of 5 EPERM), close clean",
	       refused);
}

static int mode_lifecycle(struct opts *o)
{
	unsigned int i, bad = 0;
	int status;
	pid_t pid;

	/* Close with chains in flight: offered and kicked, never collected. */
	for (i = 0; i < 20; i++) {
		struct drv d = { .o = *o, .dev.fd = -1 };
		uint64_t one = 1;

		d.o.queues = 2;
		if (drv_open(&d) || drv_setup(&d) ||
		    traffic_add(&d.q[0].t, d.o.ring) <= 0)
			bad++;
		vdrv_publish(&d.q[0].v);
		if (write(d.q[0].kick, &one, sizeof(one)) != sizeof(one))
			bad++;
		drv_close(&d);
	}
	result(!bad, "lifecycle: 20 closes with chains in flight");

	/* The owner is killed in the middle of traffic. */
	bad = 0;
	for (i = 0; i < 10; i++) {
		pid = fork();
		if (pid == 0) {
			struct drv d = { .o = *o, .dev.fd = -1 };

			d.o.chains = 1u << 30;
			if (drv_open(&d) || drv_setup(&d))
				_exit(2);
			drv_pump(&d, d.o.chains);
			_exit(3);
		}
		usleep(100000 + 30000 * i);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status))
			bad++;
	}
	result(!bad, "lifecycle: 10 owners killed during traffic");

	check_orphaned_device(o);
	check_worker_placement(o);

	/* Many full cycles: open, own, set up, a little traffic, close. */
	bad = 0;
	for (i = 0; i < o->cycles && bad < 3; i++) {
		struct drv d = { .o = *o, .dev.fd = -1 };

		d.o.ring = 8;
		d.o.queues = 1;
		d.o.tp.max_len = 64;
		if (drv_open(&d) || drv_setup(&d) || drv_pump(&d, 4))
			bad++;
		drv_close(&d);
	}
	result(!bad, "lifecycle: %u open/setup/traffic/close cycles (%u failed)",
	       o->cycles, bad);
	return failures ? -EIO : 0;
}

/*
 * Fairness: queue 0 is handed a full ring of 64 KiB chains and kicked
 * first, then queue 1 one chain.  The worker must serve queue 1 long
 * before it drains queue 0: past its weight, a queue's handler yields to
 * the others.  Without that, queue 1 waits for all of queue 0.
 */
static int mode_fairness(struct opts *o)
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

/*
 * killloop: the owner SIGKILLed with its traffic running, --cycles times
 * (killloop.c).  Each child sets up the device in the chosen launcher's
 * order, with dirty logging if asked (pages pinned as it dies), and pumps
 * verified traffic until it is killed.
 */
static void killloop_child(void *arg, int ready)
{
	struct opts *o = arg;
	struct drv d = { .o = *o, .dev.fd = -1 };

	if (drv_open(&d) || drv_setup(&d))
		_exit(2);
	if (drv_pump(&d, 64))
		_exit(3);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;)
		if (drv_pump(&d, drv_completed(&d) + 1024))
			_exit(5);
}

static int mode_killloop(struct opts *o)
{
	struct kill_loop k = {
		.cycles = o->cycles, .seed = o->tp.seed, .prefix = "test-",
		.child = killloop_child, .arg = o,
	};

	return kill_loop_run(&k, o->name) ? 0 : -EIO;
}

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
