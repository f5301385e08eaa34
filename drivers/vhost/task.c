// SPDX-License-Identifier: GPL-2.0
/*
 * The worker's task, on each kernel (task.h says what it does).
 */
#include <linux/err.h>
#include <linux/sched.h>

#include "compat.h"
#include "task.h"

#ifdef VHX_HAVE_VHOST_TASK
#include <linux/sched/vhost_task.h>

/*
 * The handle is the kernel's vhost_task itself: nothing of ours to keep
 * beside it, and no second allocation.
 */
static struct vhost_task *vhx_vtask(struct vhx_task *t)
{
	return (struct vhost_task *)t;
}

struct vhx_task *vhx_task_create(bool (*fn)(void *arg),
				 void (*kill)(void *arg), void *arg,
				 const char *name)
{
	struct vhost_task *t = vhost_task_create(fn, kill, arg, name);

	/* NULL until 6.14 (and its stable backports), ERR_PTR after. */
	if (!t)
		return ERR_PTR(-ENOMEM);
	if (IS_ERR(t))
		return ERR_CAST(t);
	return (struct vhx_task *)t;
}

void vhx_task_start(struct vhx_task *t)
{
	vhost_task_start(vhx_vtask(t));
}

void vhx_task_wake(struct vhx_task *t)
{
	vhost_task_wake(vhx_vtask(t));
}

void vhx_task_stop(struct vhx_task *t)
{
	vhost_task_stop(vhx_vtask(t));
}

#else /* a kthread in the owner's mm and cgroups */
#include <linux/cgroup.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

struct vhx_task {
	struct task_struct *task;
	struct mm_struct *mm;
	bool (*fn)(void *arg);
	void *arg;
};

static int vhx_task_kthread(void *data)
{
	struct vhx_task *t = data;

	kthread_use_mm(t->mm);
	for (;;) {
		/* Paired with the wake-up: no work queued before it is lost. */
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (!t->fn(t->arg))
			schedule();
	}
	kthread_unuse_mm(t->mm);
	return 0;
}

struct vhx_task *vhx_task_create(bool (*fn)(void *arg),
				 void (*kill)(void *arg), void *arg,
				 const char *name)
{
	struct vhx_task *t = kzalloc(sizeof(*t), GFP_KERNEL);
	int ret;

	if (!t)
		return ERR_PTR(-ENOMEM);
	t->fn = fn;
	t->arg = arg;
	t->mm = current->mm;
	mmgrab(t->mm);
	t->task = kthread_create(vhx_task_kthread, t, "%s", name);
	if (IS_ERR(t->task)) {
		ret = PTR_ERR(t->task);
		goto fail;
	}
	/* Charged where the guest is: the owner's cgroups, before it runs. */
	ret = cgroup_attach_task_all(current, t->task);
	if (ret) {
		kthread_stop(t->task);
		goto fail;
	}
	return t;
fail:
	mmdrop(t->mm);
	kfree(t);
	return ERR_PTR(ret);
}

void vhx_task_start(struct vhx_task *t)
{
	wake_up_process(t->task);
}

void vhx_task_wake(struct vhx_task *t)
{
	wake_up_process(t->task);
}

void vhx_task_stop(struct vhx_task *t)
{
	kthread_stop(t->task);
	mmdrop(t->mm);
	kfree(t);
}
#endif
