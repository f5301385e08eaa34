/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vhx device core: what every vhx device (net, test) is built from.
 *
 * A device (one open file) has an owner (the process whose memory is the
 * guest's), a worker thread running in that owner's mm, a memory table,
 * and virtqueues.  Each virtqueue has a ring (ring.c), the eventfds the
 * guest kicks and we call, and a backend: while the backend pointer is set
 * the worker serves the ring.
 *
 * Locking: dev->mutex serialises ioctls; vq->mutex protects everything a
 * virtqueue holds, and is the only lock the data path takes.  Order:
 * dev->mutex, then vq->mutex.  Outside the worker, vq->mutex is taken with
 * vhx_vq_lock(): a busy-polling worker holds it while it spins, and gives
 * way to whoever waits for it.
 */
#ifndef _VHX_H
#define _VHX_H

#include <linux/llist.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/wait.h>

#include "ring.h"

struct vhx_dev;
struct vhx_task;
struct vhx_work;
typedef void (*vhx_work_fn_t)(struct vhx_work *work);

#define VHX_WORK_QUEUED	0

/* Something for the worker to do; queued at most once at a time. */
struct vhx_work {
	struct llist_node node;
	vhx_work_fn_t fn;
	unsigned long flags;
};

/* Turns readiness of a file (a kick eventfd, a socket) into work. */
struct vhx_poll {
	poll_table table;
	wait_queue_head_t *wqh;
	wait_queue_entry_t wait;
	struct vhx_work work;
	__poll_t mask;
	struct vhx_dev *dev;
};

/* Per-queue counters (stats.c), written by the worker under vq->mutex. */
struct vhx_vq_stats {
	u64 packets;		/* frames (net) or chains (test) moved */
	u64 bytes;		/* payload bytes moved */
	u64 dropped;		/* taken from the ring, not delivered */
	u64 signals;		/* call eventfd signals to the guest */
	u64 errors;		/* bad input reported on the err eventfd */
	u64 batched;		/* of packets, those batched (net: net_batch.c) */
	u64 busy_polls;		/* busy polls that timed out or gave way */
};

struct vhx_vq {
	struct vhx_dev *dev;
	unsigned int index;
	struct mutex mutex;
	atomic_t lockers;		/* waiting in vhx_vq_lock() */
	struct vhx_ring ring;
	bool device_reads;		/* for the ring, at each reset: net TX */

	struct file *kick;
	struct eventfd_ctx *call_ctx;
	struct eventfd_ctx *error_ctx;
	/*
	 * The device's log eventfd, this queue's own reference to it: the
	 * worker may signal it while SET_LOG_FD replaces the device's.
	 */
	struct eventfd_ctx *log_ctx;
	struct vhx_poll poll;		/* on kick */
	vhx_work_fn_t handle_kick;

	/*
	 * What the device serves the ring into (net: the socket); NULL while
	 * stopped.  The worker reads it with vhx_vq_backend().
	 */
	void *backend;
	u32 busyloop_timeout;

	struct vhx_vq_stats stats;
};

/* What a device adds to the ioctls every device shares (dev.c). */
struct vhx_dev_ops {
	const char *name;	/* "net", "test": the debugfs directory */
	/* Its own ioctls, owner checked; -ENOIOCTLCMD for any other. */
	long (*ioctl)(struct vhx_dev *dev, unsigned int ioctl,
		      void __user *argp);
	/* Stop every backend: before RESET_OWNER and on release. */
	void (*stop)(struct vhx_dev *dev);
	/* The acked features changed (optional). */
	void (*features_changed)(struct vhx_dev *dev);
};

struct vhx_dev {
	const struct vhx_dev_ops *ops;
	struct mutex mutex;
	struct mm_struct *mm;		/* the owner's; NULL: no owner */
	pid_t owner_tgid;		/* for the stats; 0: no owner */
	struct dentry *debugfs;
	struct vhx_task *task;		/* the worker; NULL: none */
	struct vhx_task __rcu *worker;	/* what to wake; NULL: dead */
	struct llist_head work_list;
	/* The worker's: what its current batch still holds (worker.c). */
	struct llist_node *batch;
	struct vhx_vq **vqs;
	unsigned int nvqs;
	struct vhx_mem *mem;
	void __user *log_base;
	/* SET_LOG_FD's eventfd; queues signal their own copies (log_ctx). */
	struct file *log_file;
	u64 features;			/* offered */
	u64 acked_features;
	u64 backend_features;
	unsigned int weight;		/* chains per worker run */
	unsigned int byte_weight;	/* bytes per worker run */
};

/* worker.c */
void vhx_work_init(struct vhx_work *work, vhx_work_fn_t fn);
bool vhx_work_queue(struct vhx_dev *dev, struct vhx_work *work);
bool vhx_dev_has_work(struct vhx_dev *dev);
void vhx_dev_flush(struct vhx_dev *dev);
int vhx_worker_start(struct vhx_dev *dev);
void vhx_worker_stop(struct vhx_dev *dev);
void vhx_poll_init(struct vhx_poll *poll, vhx_work_fn_t fn, __poll_t mask,
		   struct vhx_dev *dev);
int vhx_poll_start(struct vhx_poll *poll, struct file *file);
void vhx_poll_stop(struct vhx_poll *poll);

/* dev.c: the ioctls */
int vhx_dev_init(struct vhx_dev *dev, const struct vhx_dev_ops *ops,
		 struct vhx_vq **vqs, unsigned int nvqs, u64 features,
		 unsigned int weight, unsigned int byte_weight);
void vhx_dev_release(struct vhx_dev *dev);
long vhx_dev_unlocked_ioctl(struct file *f, unsigned int ioctl,
			    unsigned long arg);

/* vq.c: a queue's lifecycle, and what the worker does between chains */
int vhx_vq_init(struct vhx_vq *vq, struct vhx_dev *dev, unsigned int index);
void vhx_vq_free(struct vhx_vq *vq);
void vhx_vq_reset(struct vhx_vq *vq);
void vhx_vq_sync(struct vhx_vq *vq);
bool vhx_vq_rings_ok(const struct vhx_ring *r);
int vhx_vq_start(struct vhx_vq *vq, void *backend);
void vhx_vq_stop(struct vhx_vq *vq);
bool vhx_vq_over_weight(struct vhx_vq *vq, unsigned int chains, u64 bytes);
bool vhx_vq_busy_poll(struct vhx_vq *vq, bool (*ready)(struct vhx_vq *vq));
bool vhx_vq_avail_pending(struct vhx_vq *vq);
bool vhx_vq_idle(struct vhx_vq *vq, bool (*ready)(struct vhx_vq *vq));

/*
 * Take a queue's mutex from outside the worker (ioctls, statistics).  The
 * worker may hold it while it busy polls, for as long as the launcher's
 * timeout says (minutes, if it says so); counted here, we make it let go.
 */
static inline void vhx_vq_lock(struct vhx_vq *vq)
{
	atomic_inc(&vq->lockers);
	mutex_lock(&vq->mutex);
	atomic_dec(&vq->lockers);
}

static inline void vhx_vq_unlock(struct vhx_vq *vq)
{
	mutex_unlock(&vq->mutex);
}

/* The backend of a running queue, NULL if stopped: under vq->mutex. */
static inline void *vhx_vq_backend(struct vhx_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	return vq->backend;
}

/* stats.c */
void vhx_stats_add_dev(struct vhx_dev *dev, const char *kind);
void vhx_stats_remove_dev(struct vhx_dev *dev);
void vhx_stats_init(void);
void vhx_stats_exit(void);

extern unsigned int vhx_max_mem_regions;

/* The device nodes (net.c, test.c), registered by main.c. */
extern struct miscdevice vhx_net_misc;
extern struct miscdevice vhx_net_alias_misc;
extern struct miscdevice vhx_test_misc;

#endif /* _VHX_H */
