/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhx-testdrv: play the guest (and the launcher) for /dev/vhx-test.
 *
 *   vhx-testdrv traffic  [options]   verified traffic, with mid-run events
 *   vhx-testdrv ioctls   [options]   hostile ioctls: each gets its errno
 *   vhx-testdrv hostile  [options]   hostile rings through the kernel
 *   vhx-testdrv lifecycle [options]  close in flight, owner killed, cycles
 *   vhx-testdrv fairness [options]   one busy queue does not starve another
 *   vhx-testdrv killloop [options]   owners SIGKILLed mid-traffic, in a loop
 *
 * One file per mode (mode-*.c) on the shared driver (drv.c), which sets
 * the device up through tools/lib/vhxdev; main.c reads the options.
 *
 * Guest memory is a guestmem (several shuffled regions), the rings are
 * driven by drivers/virtio/vring_split.c, the kicks and calls are eventfds,
 * as a launcher with KVM's ioeventfd/irqfd would have them.  Every mode
 * prints PASS/FAIL lines (scripts/lib.sh) and exits 1 if any failed.
 */
#ifndef _VHX_TESTDRV_H
#define _VHX_TESTDRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/guestmem.h"
#include "../lib/logedge.h"
#include "../lib/traffic.h"
#include "../lib/util.h"
#include "../../lib/vhxdev.h"

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


/* drv.c */
int io_state(int fd, unsigned long req, unsigned int idx, unsigned int num);
int io_file(int fd, unsigned long req, unsigned int idx, int efd);
int drv_mem_table(struct drv *d, bool split);
struct vhxdev_queue drv_queue(struct drv *d, unsigned int i, bool log);
int drv_addr(struct drv *d, unsigned int i, bool log);
uint64_t drv_wanted_features(struct drv *d);
int drv_rings(struct drv *d);
int drv_log(struct drv *d);
int drv_setup(struct drv *d);
int drv_open(struct drv *d);
void drv_close(struct drv *d);
uint64_t efd_read(int efd);
uint64_t drv_completed(struct drv *d);
uint64_t drv_in_flight(struct drv *d);
int drv_pump(struct drv *d, uint64_t target);
int drv_reattach(struct drv *d);
int drv_mid(struct drv *d);
bool drv_no_errors(struct drv *d);

/* mode-traffic.c */
int mode_traffic(struct opts *o);

/* mode-ioctls.c */
int mode_ioctls(struct opts *o);

/* mode-hostile.c */
int mode_hostile(struct opts *o);

/* mode-lifecycle.c */
int mode_lifecycle(struct opts *o);

/* mode-fairness.c */
int mode_fairness(struct opts *o);

/* mode-killloop.c */
int mode_killloop(struct opts *o);

#endif /* _VHX_TESTDRV_H */
