// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-testdrv hostile: hostile rings through the kernel, split and packed:
 * each reported on the error eventfd, the device stopped, nothing else
 * touched.
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
int mode_hostile(struct opts *o)
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
