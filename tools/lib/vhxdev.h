/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhxdev: drive a vhx (or vhost) device from userspace.
 *
 * A launcher hands a vhost-style device five things: an owner, the
 * features both sides agreed on, a map of guest memory, and per queue its
 * rings, its eventfds and a backend.  Each of those is one ioctl or a few;
 * what differs from one launcher to the next is only the order in which it
 * makes them (QEMU sets call eventfds when the device is created and the
 * rest at DRIVER_OK, kvmtool acks features last, crosvm acks them first).
 * This library makes the calls, in one of those orders or one at a time,
 * and remembers which call failed and why, so that a launcher can say
 * "VHOST_SET_VRING_ADDR (queue 1): Invalid argument" instead of "setup
 * failed".
 *
 * Every function returns 0 or a negative errno, and on failure leaves the
 * call's name, its queue and the error in vhxdev_error().  Nothing here
 * prints; the caller decides what to say.
 */
#ifndef _VHXDEV_H
#define _VHXDEV_H

#include <stdbool.h>
#include <stdint.h>

struct vhost_memory;

struct vhxdev {
	int fd;
	/* The backend ioctl: VHX_NET_SET_BACKEND or VHX_TEST_SET_BACKEND. */
	unsigned long set_backend;
	int err;		/* the last failure: -errno, 0 if none */
	char what[64];		/* its ioctl and queue */
	char msg[128];		/* what vhxdev_error() returns */
};

/* The ioctl orders of the launchers vhx is tested with. */
enum vhxdev_order {
	VHXDEV_ORDER_QEMU,	/* QEMU 7.2+: calls at init, rest at DRIVER_OK */
	VHXDEV_ORDER_KVMTOOL,	/* rings and backends first, features last */
	VHXDEV_ORDER_CROSVM,	/* features first, then memory and rings */
};

/* One queue as vhxdev_setup() hands it over. */
struct vhxdev_queue {
	unsigned int num;	/* ring size */
	uint32_t base;		/* SET_VRING_BASE: see vhxdev_fresh_base() */
	uint64_t desc, avail, used;	/* the rings, as process addresses */
	uint64_t log_addr;	/* guest address of the used ring, if logged */
	bool log;		/* VHOST_VRING_F_LOG */
	int kick, call;		/* eventfds */
	int err;		/* eventfd, or -1: none */
	int backend;		/* fd, or -1: leave unset */
	int busyloop;		/* microseconds, or -1: leave unset */
};

/* Everything vhxdev_setup() needs, SET_OWNER onwards. */
struct vhxdev_config {
	uint64_t features;	/* acked: a subset of what the device offers */
	const struct vhost_memory *mem;
	void *log_base;		/* the dirty log, or NULL: none */
	bool backend_features;	/* GET_/SET_BACKEND_FEATURES, as QEMU does */
	unsigned int nqueues;
	const struct vhxdev_queue *q;
};

/*
 * Open @path (read-write, close-on-exec).  The backend ioctl is chosen from
 * the name: a path ending in "-test" is the test device, anything else net.
 */
int vhxdev_open(struct vhxdev *d, const char *path);
/* Adopt an fd the caller opened. */
void vhxdev_init(struct vhxdev *d, int fd, bool test_device);
void vhxdev_close(struct vhxdev *d);

/* "NAME (queue N): strerror", or "NAME: strerror"; "" if nothing failed. */
const char *vhxdev_error(struct vhxdev *d);

/* The ioctls, one each. */
int vhxdev_set_owner(struct vhxdev *d);
int vhxdev_reset_owner(struct vhxdev *d);
int vhxdev_get_features(struct vhxdev *d, uint64_t *features);
int vhxdev_set_features(struct vhxdev *d, uint64_t features);
int vhxdev_get_backend_features(struct vhxdev *d, uint64_t *features);
int vhxdev_set_backend_features(struct vhxdev *d, uint64_t features);
int vhxdev_set_mem_table(struct vhxdev *d, const struct vhost_memory *mem);
int vhxdev_set_log_base(struct vhxdev *d, void *base);
int vhxdev_set_log_fd(struct vhxdev *d, int fd);
int vhxdev_set_vring_num(struct vhxdev *d, unsigned int index, unsigned int num);
int vhxdev_set_vring_base(struct vhxdev *d, unsigned int index, uint32_t base);
int vhxdev_get_vring_base(struct vhxdev *d, unsigned int index, uint32_t *base);
int vhxdev_set_vring_addr(struct vhxdev *d, unsigned int index,
			  const struct vhxdev_queue *q);
int vhxdev_set_vring_kick(struct vhxdev *d, unsigned int index, int fd);
int vhxdev_set_vring_call(struct vhxdev *d, unsigned int index, int fd);
int vhxdev_set_vring_err(struct vhxdev *d, unsigned int index, int fd);
int vhxdev_set_busyloop(struct vhxdev *d, unsigned int index, unsigned int us);
/* @fd -1 unbinds (stops the queue and keeps its ring). */
int vhxdev_set_backend(struct vhxdev *d, unsigned int index, int fd);

/*
 * SET_OWNER, then everything in @c, in @order.  Fails with -EOPNOTSUPP
 * (and says which bits) if the device lacks a feature in @c->features; in
 * @offered (if not NULL) it leaves what the device offered.
 */
int vhxdev_setup(struct vhxdev *d, const struct vhxdev_config *c,
		 enum vhxdev_order order, uint64_t *offered);
/* "qemu", "kvmtool" or "crosvm"; -1 for anything else. */
int vhxdev_order_parse(const char *name);

/*
 * The SET_VRING_BASE of a ring nobody used yet.  Split: 0.  Packed: both
 * positions 0 with their wrap counters 1 (bit 15 for avail, bit 31 for
 * used), in the 32-bit form QEMU sends.
 */
static inline uint32_t vhxdev_fresh_base(bool packed)
{
	return packed ? 0x80008000u : 0;
}

#endif /* _VHXDEV_H */
