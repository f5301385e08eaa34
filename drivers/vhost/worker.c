// SPDX-License-Identifier: GPL-2.0
/*
 * The worker: one kernel thread per device that does all data-path work.
 *
 * Why a thread of our own, and not a workqueue?  Because the rings and
 * buffers are user addresses in the owner's process: the thread adopts the
 * owner's mm (kthread_use_mm) so that plain copy_from_user works on them,
 * and joins the owner's cgroups, so its CPU time is charged where the
 * guest's is.
 *
 * Work is queued lock-free: an llist push, and a wake-up.  A work item is
 * on the list at most once (the QUEUED bit), so a storm of kicks costs one
 * run.  The worker takes the whole list, reverses it to queue order, and
 * clears each item's bit before running it, so a kick that arrives during
 * the run queues it again rather than being lost.
 *
 * Kicks arrive through vhx_poll: a wait-queue entry on the eventfd whose
 * wake-up callback queues the work.  Nothing runs in the waker's context.
 */
#include <linux/cgroup.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>

#include "vhx.h"

void vhx_work_init(struct vhx_work *work, vhx_work_fn_t fn)
{
	work->fn = fn;
	work->flags = 0;
}

/* Queue @work unless it is queued already.  True if we queued it. */
bool vhx_work_queue(struct vhx_dev *dev, struct vhx_work *work)
{
	if (!dev->worker)
		return false;
	if (test_and_set_bit(VHX_WORK_QUEUED, &work->flags))
		return false;
	llist_add(&work->node, &dev->work_list);
	wake_up_process(dev->worker);
	return true;
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

	init_completion(&flush.done);
	vhx_work_init(&flush.work, vhx_flush_fn);
	if (vhx_work_queue(dev, &flush.work))
		wait_for_completion(&flush.done);
}

static int vhx_worker_fn(void *data)
{
	struct vhx_dev *dev = data;
	struct vhx_work *work, *next;
	struct llist_node *node;

	kthread_use_mm(dev->mm);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		node = llist_del_all(&dev->work_list);
		if (!node) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		node = llist_reverse_order(node);
		llist_for_each_entry_safe(work, next, node, node) {
			clear_bit(VHX_WORK_QUEUED, &work->flags);
			/* A re-queue must see the state fn is about to read. */
			smp_mb__after_atomic();
			work->fn(work);
			cond_resched();
		}
	}
	kthread_unuse_mm(dev->mm);
	return 0;
}

/* Called by SET_OWNER, with dev->mm already taken from current. */
int vhx_worker_start(struct vhx_dev *dev)
{
	struct task_struct *task;
	int ret;

	task = kthread_create(vhx_worker_fn, dev, "vhx-%d", current->pid);
	if (IS_ERR(task))
		return PTR_ERR(task);
	ret = cgroup_attach_task_all(current, task);
	if (ret) {
		kthread_stop(task);
		return ret;
	}
	dev->worker = task;
	wake_up_process(task);
	return 0;
}

/* Every poll must be stopped and flushed before the worker goes. */
void vhx_worker_stop(struct vhx_dev *dev)
{
	if (!dev->worker)
		return;
	vhx_dev_flush(dev);
	kthread_stop(dev->worker);
	dev->worker = NULL;
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
