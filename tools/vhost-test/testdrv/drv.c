// SPDX-License-Identifier: GPL-2.0
/*
 * The driver: a device set up through tools/lib/vhxdev in a launcher's
 * order, its rings and traffic, and the mid-run events (memory swap,
 * eventfd swaps, re-attach, reset, log) every mode builds on.
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

int io_state(int fd, unsigned long req, unsigned int idx,
		    unsigned int num)
{
	struct vhx_vring_state s = { idx, num };

	return io(fd, req, &s);
}

int io_file(int fd, unsigned long req, unsigned int idx, int efd)
{
	struct vhx_vring_file f = { idx, efd };

	return io(fd, req, &f);
}


int drv_mem_table(struct drv *d, bool split)
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
struct vhxdev_queue drv_queue(struct drv *d, unsigned int i, bool log)
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

int drv_addr(struct drv *d, unsigned int i, bool log)
{
	struct vhxdev_queue vq = drv_queue(d, i, log);

	return vhxdev_set_vring_addr(&d->dev, i, &vq);
}

uint64_t drv_wanted_features(struct drv *d)
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
int drv_rings(struct drv *d)
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

int drv_log(struct drv *d)
{
	uint64_t base = (uintptr_t)d->log;

	return io(d->dev.fd, VHX_SET_LOG_BASE, &base);
}

/* SET_OWNER onwards, in the order the chosen launcher uses. */
int drv_setup(struct drv *d)
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

int drv_open(struct drv *d)
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

void drv_close(struct drv *d)
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

uint64_t efd_read(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

uint64_t drv_completed(struct drv *d)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < d->o.queues; i++)
		n += d->q[i].t.completed;
	return n;
}

uint64_t drv_in_flight(struct drv *d)
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
int drv_pump(struct drv *d, uint64_t target)
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
int drv_reattach(struct drv *d)
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

int drv_mid(struct drv *d)
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
bool drv_no_errors(struct drv *d)
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
