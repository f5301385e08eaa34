// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-testdrv lifecycle: close in flight, the owner killed, open/close
 * cycles; where the worker runs.
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

/* The first line of a small file, without its newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, size, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/* The tid of a task named @comm under @dir (/proc or /proc/self/task). */
static int find_task(const char *dir, const char *comm)
{
	char path[300], name[64];
	struct dirent *e;
	int tid = -1;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d)) && tid < 0) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, e->d_name);
		read_line(path, name, sizeof(name));
		if (!strcmp(name, comm))
			tid = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return tid;
}

/* Kernels from 6.10 run the worker as a vhost_task. */
static bool kernel_has_vhost_task(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 10);
}

/*
 * Where the worker runs: in a cgroup of our own, the worker must be in it
 * too, and from 6.10 it must be one of our threads (a vhost_task).
 * Runs in a child, so that the cgroup move stays there.
 */
static void check_worker_placement(const struct opts *o)
{
	char cg[256], path[300], own[300], theirs[300], comm[32];
	bool thread = false, same = false, found = false;
	struct drv d = { .o = *o, .dev.fd = -1 };
	int pipefd[2], status, tid;
	char verdict[3] = { 0 };
	pid_t pid;

	if (pipe(pipefd))
		return result(false, "lifecycle: pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		snprintf(cg, sizeof(cg), "/sys/fs/cgroup/vhx-owner-%d", getpid());
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		if (mkdir(cg, 0755) == 0) {
			FILE *f = fopen(path, "w");

			if (f) {
				fprintf(f, "%d\n", getpid());
				fclose(f);
			}
		}
		d.o.queues = 1;
		if (drv_open(&d) || drv_setup(&d) || drv_pump(&d, 16))
			_exit(2);
		snprintf(comm, sizeof(comm), "vhx-%d", getpid());
		tid = find_task("/proc/self/task", comm);
		thread = tid > 0;
		if (tid < 0)
			tid = find_task("/proc", comm);
		found = tid > 0;
		read_line("/proc/self/cgroup", own, sizeof(own));
		snprintf(path, sizeof(path), "/proc/%d/cgroup", tid);
		read_line(path, theirs, sizeof(theirs));
		same = found && !strcmp(own, theirs) && strstr(own, "vhx-owner-");
		verdict[0] = found ? (thread ? 't' : 'k') : '-';
		verdict[1] = same ? 's' : 'd';
		if (write(pipefd[1], verdict, 2) != 2)
			_exit(3);
		drv_close(&d);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], verdict, 2) != 2)
		verdict[0] = 0;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/vhx-owner-%d", pid);
	rmdir(cg);
	found = verdict[0] == 't' || verdict[0] == 'k';
	thread = verdict[0] == 't';
	result(found && thread == kernel_has_vhost_task() && verdict[1] == 's',
	       "lifecycle: worker is %s, in the owner's cgroup: %s",
	       !found ? "NOT FOUND" : thread ? "a thread of the owner (vhost_task)" :
	       "a kthread", verdict[1] == 's' ? "yes" : "NO");
}

/*
 * The owner is killed while its parent still holds the device (a
 * launcher that opened it and handed it down, as libvirt does).  The
 * device outlives its worker: ioctls are refused as from any non-owner,
 * and the parent's close must still tear it down cleanly.
 */
static void check_orphaned_device(const struct opts *o)
{
	unsigned int i, bad = 0, refused = 0;
	int status, fd, ret;
	uint64_t features;
	pid_t pid;

	for (i = 0; i < 5; i++) {
		fd = open(o->device, O_RDWR);
		if (fd < 0) {
			bad++;
			continue;
		}
		pid = fork();
		if (pid == 0) {
			struct drv d = { .o = *o, .dev.fd = -1 };

			d.o.chains = 1u << 30;
			if (drv_open(&d))
				_exit(2);
			close(d.dev.fd);
			d.dev.fd = fd;
			if (drv_setup(&d))
				_exit(2);
			drv_pump(&d, d.o.chains);
			_exit(3);
		}
		usleep(150000 + 50000 * i);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status))
			bad++;
		ret = io_state(fd, VHX_SET_VRING_NUM, 0, 64);
		refused += ret == -EPERM;
		if (io(fd, VHX_SET_OWNER, NULL) != -EBUSY ||
		    io(fd, VHX_GET_FEATURES, &features))
			bad++;
		close(fd);
	}
	result(!bad && refused == 5,
	       "lifecycle: 5 owners killed with the device held by their parent: ioctls refused (%u of 5 EPERM), close clean",
	       refused);
}

int mode_lifecycle(struct opts *o)
{
	unsigned int i, bad = 0;
	int status;
	pid_t pid;

	/* Close with chains in flight: offered and kicked, never collected. */
	for (i = 0; i < 20; i++) {
		struct drv d = { .o = *o, .dev.fd = -1 };
		uint64_t one = 1;

		d.o.queues = 2;
		if (drv_open(&d) || drv_setup(&d) ||
		    traffic_add(&d.q[0].t, d.o.ring) <= 0)
			bad++;
		vdrv_publish(&d.q[0].v);
		if (write(d.q[0].kick, &one, sizeof(one)) != sizeof(one))
			bad++;
		drv_close(&d);
	}
	result(!bad, "lifecycle: 20 closes with chains in flight");

	/* The owner is killed in the middle of traffic. */
	bad = 0;
	for (i = 0; i < 10; i++) {
		pid = fork();
		if (pid == 0) {
			struct drv d = { .o = *o, .dev.fd = -1 };

			d.o.chains = 1u << 30;
			if (drv_open(&d) || drv_setup(&d))
				_exit(2);
			drv_pump(&d, d.o.chains);
			_exit(3);
		}
		usleep(100000 + 30000 * i);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status))
			bad++;
	}
	result(!bad, "lifecycle: 10 owners killed during traffic");

	check_orphaned_device(o);
	check_worker_placement(o);

	/* Many full cycles: open, own, set up, a little traffic, close. */
	bad = 0;
	for (i = 0; i < o->cycles && bad < 3; i++) {
		struct drv d = { .o = *o, .dev.fd = -1 };

		d.o.ring = 8;
		d.o.queues = 1;
		d.o.tp.max_len = 64;
		if (drv_open(&d) || drv_setup(&d) || drv_pump(&d, 4))
			bad++;
		drv_close(&d);
	}
	result(!bad, "lifecycle: %u open/setup/traffic/close cycles (%u failed)",
	       o->cycles, bad);
	return failures ? -EIO : 0;
}
