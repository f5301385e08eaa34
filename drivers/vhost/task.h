/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The worker's task: vhx_task_create(fn, kill, arg, name) makes a task
 * that calls fn(arg) in a loop, in the caller's address space and cgroups.
 * fn is entered in TASK_INTERRUPTIBLE and returns whether it found work;
 * when it did not, the task sleeps until vhx_task_wake().  vhx_task_stop()
 * ends the loop and frees the task.
 *
 * Where the kernel has a vhost_task (6.10 on), the task is a thread of the
 * owner process: it dies with the process, and on SIGKILL calls kill(arg)
 * in its own context before exiting.  The caller must then stop waking
 * it, since the task may be gone.  kill and vhx_task_stop() exclude each
 * other; after kill has run, stop only waits and frees.  Before 6.10 it
 * is a kthread that borrows the owner's mm and joins its cgroups, as
 * vhost's was for years; a kthread ignores signals, and kill is never
 * called.  task.c holds both; which one builds is compat.h's decision.
 */
#ifndef _VHX_TASK_H
#define _VHX_TASK_H

#include <linux/types.h>

struct vhx_task;

struct vhx_task *vhx_task_create(bool (*fn)(void *arg),
				 void (*kill)(void *arg), void *arg,
				 const char *name);
void vhx_task_start(struct vhx_task *t);
void vhx_task_wake(struct vhx_task *t);
void vhx_task_stop(struct vhx_task *t);

#endif /* _VHX_TASK_H */
