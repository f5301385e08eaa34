// SPDX-License-Identifier: GPL-2.0
/*
 * The worker: one task per device that does all data-path work.
 *
 * Why a task of our own, and not a workqueue?  Because the rings and
 * buffers are user addresses in the owner's process: the task runs in the
 * owner's mm so that plain copy_from_user works on them, and in the
 * owner's cgroups, so its CPU time is charged where the guest's is.
 * task.c gives us that task: a vhost_task (a thread of the owner) where
 * the kernel has one, a kthread that borrows the mm before.
 *
 * Work is queued lock-free: an llist push, and a wake-up.  A work item is
 * on the list at most once (the QUEUED bit), so a storm of kicks costs one
 * run.  The worker takes the whole list, reverses it to queue order, and
 * clears each item's bit before running it, so a kick that arrives during
 * the run queues it again rather than being lost.
 *
 * Kicks arrive through vhx_poll: a wait-queue entry on the eventfd whose
 * wake-up callback queues the work.  Nothing runs in the waker's context.
 *
 * dev->worker is what queuers wake; it is RCU-protected because a vhost
 * task can die under us (its process was killed) while kicks still
 * arrive.  dev->task is the handle that start and stop own, under
 * dev->mutex.
 */
#include <linux/rcupdate.h>

#include "task.h"
#include "vhx.h"

void vhx_work_init(struct vhx_work *work, vhx_work_fn_t fn)
{
	work->fn = fn;
	work->flags = 0;
}

/* Queue @work unless it is queued already.  True if we queued it. */
bool vhx_work_queue(struct vhx_dev *dev, struct vhx_work *work)
{
	struct vhx_task *worker;
	bool queued = false;

	rcu_read_lock();
	worker = rcu_dereference(dev->worker);
	if (worker && !test_and_set_bit(VHX_WORK_QUEUED, &work->flags)) {
		llist_add(&work->node, &dev->work_list);
		vhx_task_wake(worker);
		queued = true;
	}
	rcu_read_unlock();
	return queued;
}

struct vhx_flush {
	struct vhx_work work;
	struct completion done;
};

static void vhx_flush_fn(struct vhx_work *work)
{
	complete(&container_of(work, struct vhx_flush, work)->done);
}

/* Wait until everything queued before this call has run. */
void vhx_dev_flush(struct vhx_dev *dev)
{
	struct vhx_flush flush;

	might_sleep();
	init_completion(&flush.done);
	vhx_work_init(&flush.work, vhx_flush_fn);
	if (vhx_work_queue(dev, &flush.work))
		wait_for_completion(&flush.done);
}

/*
 * Is there work for the worker other than what it is running?  Queued, or
 * taken with the batch it is running and still waiting its turn: a flush
 * queued just before the worker took the list is not on it any more, and
 * a busy poll that looked only at the list would spin in front of it.
 * Called by the worker itself (busy polls), which alone writes dev->batch.
 */
bool vhx_dev_has_work(struct vhx_dev *dev)
{
	return dev->batch || !llist_empty(&dev->work_list);
}

/* One pass of the task's loop: run what is queued.  False if nothing was. */
static bool vhx_worker_fn(void *data)
{
	struct vhx_dev *dev = data;
	struct llist_node *node;

	node = llist_del_all(&dev->work_list);
	if (!node)
		return false;
	__set_current_state(TASK_RUNNING);
	node = llist_reverse_order(node);
	while (node) {
		struct vhx_work *work = llist_entry(node, struct vhx_work, node);

		/* Before fn: it may queue the work again, reusing its node. */
		node = node->next;
		dev->batch = node;
		clear_bit(VHX_WORK_QUEUED, &work->flags);
		/* A re-queue must see the state fn is about to read. */
		smp_mb__after_atomic();
		work->fn(work);
		cond_resched();
	}
	return true;
}

/*
 * Take everything off the list without running it.  Flushes are the
 * exception: someone sleeps on each, and it must be let go.
 */
static void vhx_worker_drain(struct vhx_dev *dev)
{
	struct vhx_work *work, *next;
	struct llist_node *node;

	node = llist_reverse_order(llist_del_all(&dev->work_list));
	llist_for_each_entry_safe(work, next, node, node) {
		clear_bit(VHX_WORK_QUEUED, &work->flags);
		if (work->fn == vhx_flush_fn)
			work->fn(work);
	}
}

/*
 * The owner process was killed, and the vhost task with it: this runs in
 * the dying task.  Nobody may wake it from now on.  Once every queuer
 * that saw the old pointer is done (synchronize_rcu), the list is
 * final: flushes are completed, guest work is dropped, because the guest
 * it would serve is gone.  The device stays open, owned and inert until
 * it is released.
 */
static void vhx_worker_killed(void *data)
{
	struct vhx_dev *dev = data;

	RCU_INIT_POINTER(dev->worker, NULL);
	synchronize_rcu();
	vhx_worker_drain(dev);
}

/* Called by SET_OWNER, with dev->mm already taken from current. */
int vhx_worker_start(struct vhx_dev *dev)
{
	struct vhx_task *task;
	char name[TASK_COMM_LEN];

	snprintf(name, sizeof(name), "vhx-%d", current->pid);
	task = vhx_task_create(vhx_worker_fn, vhx_worker_killed, dev, name);
	if (IS_ERR(task))
		return PTR_ERR(task);
	dev->task = task;
	rcu_assign_pointer(dev->worker, task);
	vhx_task_start(task);
	return 0;
}

/*
 * Every poll must be stopped before the worker goes: then nothing queues
 * work but this flush.  Works left on the list afterwards (a requeue by
 * a handler past its weight) are dropped, so that a later owner's worker
 * does not run them.
 */
void vhx_worker_stop(struct vhx_dev *dev)
{
	might_sleep();
	if (!dev->task)
		return;
	vhx_dev_flush(dev);
	RCU_INIT_POINTER(dev->worker, NULL);
	synchronize_rcu();
	vhx_task_stop(dev->task);
	dev->task = NULL;
	vhx_worker_drain(dev);
}

static void vhx_poll_func(struct file *file, wait_queue_head_t *wqh,
			  poll_table *pt)
{
	struct vhx_poll *poll = container_of(pt, struct vhx_poll, table);

	poll->wqh = wqh;
	add_wait_queue(wqh, &poll->wait);
}

static int vhx_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct vhx_poll *poll = container_of(wait, struct vhx_poll, wait);

	if (key && !(key_to_poll(key) & poll->mask))
		return 0;
	vhx_work_queue(poll->dev, &poll->work);
	return 0;
}

void vhx_poll_init(struct vhx_poll *poll, vhx_work_fn_t fn, __poll_t mask,
		   struct vhx_dev *dev)
{
	init_waitqueue_func_entry(&poll->wait, vhx_poll_wakeup);
	init_poll_funcptr(&poll->table, vhx_poll_func);
	poll->mask = mask;
	poll->dev = dev;
	poll->wqh = NULL;
	vhx_work_init(&poll->work, fn);
}

/*
 * Start watching @file.  If it is ready already, the work is queued at
 * once: a kick that came before we listened is not lost.
 */
int vhx_poll_start(struct vhx_poll *poll, struct file *file)
{
	__poll_t mask;

	if (poll->wqh)
		return 0;
	mask = vfs_poll(file, &poll->table);
	if (mask & poll->mask)
		vhx_work_queue(poll->dev, &poll->work);
	if (mask & EPOLLERR) {
		vhx_poll_stop(poll);
		return -EINVAL;
	}
	return 0;
}

void vhx_poll_stop(struct vhx_poll *poll)
{
	if (poll->wqh) {
		remove_wait_queue(poll->wqh, &poll->wait);
		poll->wqh = NULL;
	}
}
