// SPDX-License-Identifier: GPL-2.0
/*
 * vhxdev: the vhost ioctls a launcher makes, each one's failure kept with
 * its name.  See vhxdev.h for what a launcher hands over and why the order
 * is the caller's choice.
 *
 * The error names are upstream's (VHOST_*): the ioctl numbers are the same,
 * and they are the names a launcher's author finds in QEMU, kvmtool, DPDK
 * and the kernel's own documentation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vhxdev.h"
#include "../../include/uapi/linux/vhx.h"

#define NO_QUEUE	(~0u)

/* One ioctl: 0 or -errno, and on failure what it was. */
static int call(struct vhxdev *d, unsigned long req, void *arg,
		const char *name, unsigned int index)
{
	if (!ioctl(d->fd, req, arg))
		return 0;
	d->err = -errno;
	if (index == NO_QUEUE)
		snprintf(d->what, sizeof(d->what), "%s", name);
	else
		snprintf(d->what, sizeof(d->what), "%s (queue %u)", name, index);
	return d->err;
}

static int state(struct vhxdev *d, unsigned long req, const char *name,
		 unsigned int index, unsigned int num)
{
	struct vhx_vring_state s = { .index = index, .num = num };

	return call(d, req, &s, name, index);
}

static int file(struct vhxdev *d, unsigned long req, const char *name,
		unsigned int index, int fd)
{
	struct vhx_vring_file f = { .index = index, .fd = fd };

	return call(d, req, &f, name, index);
}

void vhxdev_init(struct vhxdev *d, int fd, bool test_device)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->set_backend = test_device ? VHX_TEST_SET_BACKEND : VHX_NET_SET_BACKEND;
}

int vhxdev_open(struct vhxdev *d, const char *path)
{
	size_t len = strlen(path);
	bool test = len >= 5 && !strcmp(path + len - 5, "-test");
	int fd = open(path, O_RDWR | O_CLOEXEC);

	vhxdev_init(d, fd, test);
	if (fd >= 0)
		return 0;
	d->err = -errno;
	snprintf(d->what, sizeof(d->what), "open %s", path);
	return d->err;
}

void vhxdev_close(struct vhxdev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

const char *vhxdev_error(struct vhxdev *d)
{
	if (!d->err)
		return "";
	snprintf(d->msg, sizeof(d->msg), "%s: %s", d->what, strerror(-d->err));
	return d->msg;
}

int vhxdev_set_owner(struct vhxdev *d)
{
	return call(d, VHX_SET_OWNER, NULL, "VHOST_SET_OWNER", NO_QUEUE);
}

int vhxdev_reset_owner(struct vhxdev *d)
{
	return call(d, VHX_RESET_OWNER, NULL, "VHOST_RESET_OWNER", NO_QUEUE);
}

int vhxdev_get_features(struct vhxdev *d, uint64_t *features)
{
	return call(d, VHX_GET_FEATURES, features, "VHOST_GET_FEATURES",
		    NO_QUEUE);
}

int vhxdev_set_features(struct vhxdev *d, uint64_t features)
{
	return call(d, VHX_SET_FEATURES, &features, "VHOST_SET_FEATURES",
		    NO_QUEUE);
}

int vhxdev_get_backend_features(struct vhxdev *d, uint64_t *features)
{
	return call(d, VHX_GET_BACKEND_FEATURES, features,
		    "VHOST_GET_BACKEND_FEATURES", NO_QUEUE);
}

int vhxdev_set_backend_features(struct vhxdev *d, uint64_t features)
{
	return call(d, VHX_SET_BACKEND_FEATURES, &features,
		    "VHOST_SET_BACKEND_FEATURES", NO_QUEUE);
}

int vhxdev_set_mem_table(struct vhxdev *d, const struct vhost_memory *mem)
{
	return call(d, VHX_SET_MEM_TABLE, (void *)mem, "VHOST_SET_MEM_TABLE",
		    NO_QUEUE);
}

int vhxdev_set_log_base(struct vhxdev *d, void *base)
{
	uint64_t b = (uintptr_t)base;

	return call(d, VHX_SET_LOG_BASE, &b, "VHOST_SET_LOG_BASE", NO_QUEUE);
}

int vhxdev_set_log_fd(struct vhxdev *d, int fd)
{
	return call(d, VHX_SET_LOG_FD, &fd, "VHOST_SET_LOG_FD", NO_QUEUE);
}

int vhxdev_set_vring_num(struct vhxdev *d, unsigned int index, unsigned int num)
{
	return state(d, VHX_SET_VRING_NUM, "VHOST_SET_VRING_NUM", index, num);
}

int vhxdev_set_vring_base(struct vhxdev *d, unsigned int index, uint32_t base)
{
	return state(d, VHX_SET_VRING_BASE, "VHOST_SET_VRING_BASE", index, base);
}

int vhxdev_get_vring_base(struct vhxdev *d, unsigned int index, uint32_t *base)
{
	struct vhx_vring_state s = { .index = index };
	int ret = call(d, VHX_GET_VRING_BASE, &s, "VHOST_GET_VRING_BASE", index);

	if (!ret)
		*base = s.num;
	return ret;
}

int vhxdev_set_vring_addr(struct vhxdev *d, unsigned int index,
			  const struct vhxdev_queue *q)
{
	struct vhx_vring_addr a = {
		.index = index,
		.flags = q->log ? 1u << VHX_VRING_F_LOG : 0,
		.desc_user_addr = q->desc,
		.used_user_addr = q->used,
		.avail_user_addr = q->avail,
		.log_guest_addr = q->log_addr,
	};

	return call(d, VHX_SET_VRING_ADDR, &a, "VHOST_SET_VRING_ADDR", index);
}

int vhxdev_set_vring_kick(struct vhxdev *d, unsigned int index, int fd)
{
	return file(d, VHX_SET_VRING_KICK, "VHOST_SET_VRING_KICK", index, fd);
}

int vhxdev_set_vring_call(struct vhxdev *d, unsigned int index, int fd)
{
	return file(d, VHX_SET_VRING_CALL, "VHOST_SET_VRING_CALL", index, fd);
}

int vhxdev_set_vring_err(struct vhxdev *d, unsigned int index, int fd)
{
	return file(d, VHX_SET_VRING_ERR, "VHOST_SET_VRING_ERR", index, fd);
}

int vhxdev_set_busyloop(struct vhxdev *d, unsigned int index, unsigned int us)
{
	return state(d, VHX_SET_VRING_BUSYLOOP_TIMEOUT,
		     "VHOST_SET_VRING_BUSYLOOP_TIMEOUT", index, us);
}

int vhxdev_set_backend(struct vhxdev *d, unsigned int index, int fd)
{
	const char *name = d->set_backend == VHX_TEST_SET_BACKEND ?
			   "VHOST_TEST_SET_BACKEND" : "VHOST_NET_SET_BACKEND";

	return file(d, d->set_backend, name, index, fd);
}

/*
 * The calls that make a queue run, in the order every launcher agrees on:
 * its size, where it starts, where it lives.  The eventfds and the backend
 * are placed by each order.
 */
static int ring(struct vhxdev *d, unsigned int i, const struct vhxdev_queue *q)
{
	int ret;

	if ((ret = vhxdev_set_vring_num(d, i, q->num)) ||
	    (ret = vhxdev_set_vring_base(d, i, q->base)))
		return ret;
	return vhxdev_set_vring_addr(d, i, q);
}

static int err_fd(struct vhxdev *d, unsigned int i, const struct vhxdev_queue *q)
{
	return q->err >= 0 ? vhxdev_set_vring_err(d, i, q->err) : 0;
}

static int backend(struct vhxdev *d, unsigned int i, const struct vhxdev_queue *q)
{
	return q->backend >= 0 ? vhxdev_set_backend(d, i, q->backend) : 0;
}

static int busyloop(struct vhxdev *d, unsigned int i, const struct vhxdev_queue *q)
{
	return q->busyloop >= 0 ? vhxdev_set_busyloop(d, i, q->busyloop) : 0;
}

/*
 * QEMU: when the device is realized, each queue's call and error eventfds
 * (and the busy-poll timeout); at DRIVER_OK the features, the memory map,
 * the rings with their kicks, and only then the backends, so that no
 * queue starts before every queue is in place.
 */
static int order_qemu(struct vhxdev *d, const struct vhxdev_config *c)
{
	uint64_t bf;
	unsigned int i;
	int ret;

	for (i = 0; i < c->nqueues; i++) {
		if ((ret = vhxdev_set_vring_call(d, i, c->q[i].call)) ||
		    (ret = err_fd(d, i, &c->q[i])) ||
		    (ret = busyloop(d, i, &c->q[i])))
			return ret;
	}
	if ((ret = vhxdev_set_features(d, c->features)))
		return ret;
	/* QEMU asks, and acks what it was offered; a device without it is fine. */
	if (c->backend_features && !vhxdev_get_backend_features(d, &bf) &&
	    (ret = vhxdev_set_backend_features(d, bf)))
		return ret;
	d->err = 0;
	if ((ret = vhxdev_set_mem_table(d, c->mem)))
		return ret;
	for (i = 0; i < c->nqueues; i++) {
		if ((ret = ring(d, i, &c->q[i])) ||
		    (ret = vhxdev_set_vring_kick(d, i, c->q[i].kick)))
			return ret;
	}
	for (i = 0; i < c->nqueues; i++) {
		if ((ret = backend(d, i, &c->q[i])))
			return ret;
	}
	return 0;
}

/*
 * kvmtool: the memory map first, then each queue whole as the guest
 * configures it (kick before the ring, backend straight after), and the
 * features only at DRIVER_OK, when every backend is already on.
 */
static int order_kvmtool(struct vhxdev *d, const struct vhxdev_config *c)
{
	unsigned int i;
	int ret;

	if ((ret = vhxdev_set_mem_table(d, c->mem)))
		return ret;
	for (i = 0; i < c->nqueues; i++) {
		const struct vhxdev_queue *q = &c->q[i];

		if ((ret = vhxdev_set_vring_kick(d, i, q->kick)) ||
		    (ret = ring(d, i, q)) ||
		    (ret = vhxdev_set_vring_call(d, i, q->call)) ||
		    (ret = err_fd(d, i, q)) || (ret = busyloop(d, i, q)) ||
		    (ret = backend(d, i, q)))
			return ret;
	}
	return vhxdev_set_features(d, c->features);
}

/*
 * crosvm: features first, the memory map, then each queue whole with its
 * backend last.  The error eventfd comes before the ring, so that a bad
 * ring is reported on it.
 */
static int order_crosvm(struct vhxdev *d, const struct vhxdev_config *c)
{
	unsigned int i;
	int ret;

	if ((ret = vhxdev_set_features(d, c->features)) ||
	    (ret = vhxdev_set_mem_table(d, c->mem)))
		return ret;
	for (i = 0; i < c->nqueues; i++) {
		const struct vhxdev_queue *q = &c->q[i];

		if ((ret = vhxdev_set_vring_num(d, i, q->num)) ||
		    (ret = err_fd(d, i, q)) ||
		    (ret = vhxdev_set_vring_addr(d, i, q)) ||
		    (ret = vhxdev_set_vring_base(d, i, q->base)) ||
		    (ret = vhxdev_set_vring_call(d, i, q->call)) ||
		    (ret = vhxdev_set_vring_kick(d, i, q->kick)) ||
		    (ret = busyloop(d, i, q)) || (ret = backend(d, i, q)))
			return ret;
	}
	return 0;
}

int vhxdev_setup(struct vhxdev *d, const struct vhxdev_config *c,
		 enum vhxdev_order order, uint64_t *offered)
{
	uint64_t have;
	int ret;

	if ((ret = vhxdev_set_owner(d)) ||
	    (ret = vhxdev_get_features(d, &have)))
		return ret;
	if (offered)
		*offered = have;
	if ((c->features & have) != c->features) {
		d->err = -EOPNOTSUPP;
		snprintf(d->what, sizeof(d->what),
			 "features %#llx not offered",
			 (unsigned long long)(c->features & ~have));
		return d->err;
	}
	if (c->log_base && (ret = vhxdev_set_log_base(d, c->log_base)))
		return ret;
	switch (order) {
	case VHXDEV_ORDER_KVMTOOL:
		return order_kvmtool(d, c);
	case VHXDEV_ORDER_CROSVM:
		return order_crosvm(d, c);
	default:
		return order_qemu(d, c);
	}
}

int vhxdev_order_parse(const char *name)
{
	static const char *const names[] = {
		[VHXDEV_ORDER_QEMU] = "qemu",
		[VHXDEV_ORDER_KVMTOOL] = "kvmtool",
		[VHXDEV_ORDER_CROSVM] = "crosvm",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}
