// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-testdrv ioctls: hostile ioctls, each must get its errno; eventfd
 * swaps must not leak files.
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

#define EXPECT(call, err, what) do {					\
	int __r = (call);						\
	result(__r == (err), "ioctl: %s -> %s (got %s)", what,		\
	       (err) ? strerror(-(err)) : "ok",				\
	       __r ? strerror(-__r) : "ok");				\
} while (0)

/*
 * Replacing an eventfd must drop the reference to the old one (the class
 * of CVE-2015-6252): 1000 swaps of each kind, then close, and the kernel
 * must hold no more files than before.  A leaked kick pins its file and
 * shows here (checked: dropping the fput makes this fail with ~1000 extra
 * files).  CALL, ERR and LOG_FD hold eventfd contexts, which pin no file:
 * for those this checks only that swapping works and closes cleanly.
 */
static void fd_leaks(struct opts *o)
{
	long before = files_in_use(), after;
	unsigned int i;
	int fd, bad = 0;

	fd = open(o->device, O_RDWR | O_CLOEXEC);
	if (fd < 0 || io(fd, VHX_SET_OWNER, NULL))
		bad++;
	for (i = 0; i < 1000 && !bad; i++) {
		int efd = eventfd(0, EFD_CLOEXEC);

		if (io_file(fd, VHX_SET_VRING_CALL, 0, efd) ||
		    io_file(fd, VHX_SET_VRING_KICK, 1, efd) ||
		    io_file(fd, VHX_SET_VRING_ERR, 0, efd) ||
		    io(fd, VHX_SET_LOG_FD, &efd))
			bad++;
		close(efd);
	}
	close(fd);
	usleep(100000);
	after = files_in_use();
	result(!bad && before >= 0 && after <= before + files_slack(),
	       "ioctl: 1000 swaps of CALL, KICK, ERR and LOG_FD leak no file (%ld files before, %ld after, counter slack %ld)",
	       before, after, files_slack());
}

int mode_ioctls(struct opts *o)
{
	struct drv d = { .o = *o, .dev.fd = -1 };
	struct vhost_memory *t;
	uint64_t f, arr[5];
	unsigned int max_regions = 509;
	int nullfd, ret, status;
	pid_t pid;

	ret = drv_open(&d);
	if (ret) {
		result(false, "ioctl: setup: %s", strerror(-ret));
		return ret;
	}
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, &(struct vhx_memory){ 0 }), -EPERM,
	       "SET_MEM_TABLE before SET_OWNER");
	EXPECT(io(d.dev.fd, VHX_GET_FEATURES, &d.features), 0, "GET_FEATURES before SET_OWNER");
	EXPECT(io(d.dev.fd, VHX_SET_OWNER, NULL), 0, "SET_OWNER");
	EXPECT(io(d.dev.fd, VHX_SET_OWNER, NULL), -EBUSY, "SET_OWNER twice");

	pid = fork();
	if (pid == 0) {
		/* Another process (another mm) is not the owner. */
		_exit(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 256) == -EPERM ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	result(WIFEXITED(status) && !WEXITSTATUS(status),
	       "ioctl: SET_VRING_NUM from another process -> EPERM");

	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 2, 256), -ENOBUFS, "vq index 2 of 2");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0xffffffff, 256), -ENOBUFS, "vq index 2^32-1");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 0), -EINVAL, "SET_VRING_NUM 0");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 3), -EINVAL, "SET_VRING_NUM 3");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 65536), -EINVAL, "SET_VRING_NUM 65536");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_BASE, 0, 0x10000), -EINVAL, "SET_VRING_BASE 0x10000");

	{
		struct vhx_vring_addr a = { .index = 0, .flags = 2 };

		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EOPNOTSUPP, "SET_VRING_ADDR flags 2");
		a.flags = 0;
		a.avail_user_addr = 0x1001;
		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EINVAL, "avail address odd");
		a.avail_user_addr = 0x1000;
		a.used_user_addr = 0x1002;
		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EINVAL, "used address not 4-aligned");
		a.used_user_addr = 0x1000;
		a.log_guest_addr = 0x1001;
		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EINVAL, "log address not 4-aligned");
	}

	f = 1ULL << 63;
	EXPECT(io(d.dev.fd, VHX_SET_FEATURES, &f), -EOPNOTSUPP, "SET_FEATURES unknown bit 63");
	arr[0] = 4;
	memset(&arr[1], 0xff, 4 * sizeof(arr[0]));
	EXPECT(io(d.dev.fd, VHX_GET_FEATURES_ARRAY, arr), 0, "GET_FEATURES_ARRAY count 4");
	result(arr[1] == d.features && !arr[2] && !arr[3] && !arr[4],
	       "ioctl: GET_FEATURES_ARRAY: word 0 = features, words 1..3 zeroed");
	arr[0] = 2;
	arr[1] = 1ULL << VIRTIO_F_VERSION_1;
	arr[2] = 1;
	EXPECT(io(d.dev.fd, VHX_SET_FEATURES_ARRAY, arr), -EOPNOTSUPP, "SET_FEATURES_ARRAY word 1 non-zero");
	arr[2] = 0;
	EXPECT(io(d.dev.fd, VHX_SET_FEATURES_ARRAY, arr), 0, "SET_FEATURES_ARRAY VERSION_1");
	f = 1ULL << 40;
	EXPECT(io(d.dev.fd, VHX_SET_BACKEND_FEATURES, &f), -EOPNOTSUPP, "SET_BACKEND_FEATURES unknown");
	EXPECT(io(d.dev.fd, VHX_GET_BACKEND_FEATURES, &f), 0, "GET_BACKEND_FEATURES");
	result(f == (1ULL << VHX_BACKEND_F_IOTLB_MSG_V2),
	       "ioctl: backend features are IOTLB_MSG_V2, as vhost-net's (%#llx)",
	       (unsigned long long)f);

	t = calloc(1, sizeof(*t) + (max_regions + 1) * sizeof(t->regions[0]));
	t->padding = 1;
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -EOPNOTSUPP, "SET_MEM_TABLE padding 1");
	t->padding = 0;
	t->nregions = max_regions + 1;
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -E2BIG, "SET_MEM_TABLE 510 regions");
	t->nregions = 2;
	t->regions[0] = (struct vhost_memory_region){ 0, 0x2000, 0x100000, 0 };
	t->regions[1] = (struct vhost_memory_region){ 0x1000, 0x2000, 0x200000, 0 };
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -EINVAL, "SET_MEM_TABLE overlapping");
	t->regions[1] = (struct vhost_memory_region){ 0x4000, 0, 0x200000, 0 };
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -EINVAL, "SET_MEM_TABLE empty region");
	t->regions[1] = (struct vhost_memory_region){ 0x4000, 0x1000, 0xffff888000000000ULL, 0 };
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), -EFAULT, "SET_MEM_TABLE kernel address");
	t->nregions = max_regions;
	for (unsigned int i = 0; i < max_regions; i++)
		t->regions[i] = (struct vhost_memory_region){
			0x100000ULL * i, 0x1000, 0x7f0000000000ULL + 0x1000ULL * i, 0 };
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, t), 0, "SET_MEM_TABLE 509 regions");
	free(t);
	EXPECT(io(d.dev.fd, VHX_SET_MEM_TABLE, (void *)8), -EFAULT, "SET_MEM_TABLE bad pointer");

	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_KICK, 0, nullfd), -EINVAL, "SET_VRING_KICK not an eventfd");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_KICK, 0, 999), -EBADF, "SET_VRING_KICK closed fd");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_CALL, 0, nullfd), -EINVAL, "SET_VRING_CALL not an eventfd");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_ERR, 1, 999), -EBADF, "SET_VRING_ERR closed fd");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_CALL, 0, -1), 0, "SET_VRING_CALL -1 (unbind)");
	EXPECT(io_file(d.dev.fd, VHX_SET_VRING_KICK, 0, -1), 0, "SET_VRING_KICK -1 (unbind)");
	close(nullfd);
	{
		int bad = 999;

		EXPECT(io(d.dev.fd, VHX_SET_LOG_FD, &bad), -EBADF, "SET_LOG_FD closed fd");
		bad = -1;
		EXPECT(io(d.dev.fd, VHX_SET_LOG_FD, &bad), 0, "SET_LOG_FD -1");
	}
	{
		struct vhx_vring_state s = { 1, 0 };

		EXPECT(io_state(d.dev.fd, VHX_SET_VRING_BUSYLOOP_TIMEOUT, 1, 50), 0, "SET_VRING_BUSYLOOP_TIMEOUT 50");
		EXPECT(io(d.dev.fd, VHX_GET_VRING_BUSYLOOP_TIMEOUT, &s), 0, "GET_VRING_BUSYLOOP_TIMEOUT");
		result(s.num == 50, "ioctl: busyloop timeout reads back 50 (got %u)", s.num);
	}
	{
		int run = 2;

		EXPECT(io(d.dev.fd, VHX_TEST_RUN, &run), -EINVAL, "TEST_RUN 2");
	}
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 2, 0), -ENOBUFS, "TEST_SET_BACKEND vq 2");
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 1, 0), -EINVAL, "TEST_SET_BACKEND before SET_VRING_NUM");
	EXPECT(io(d.dev.fd, _IO(VHX_VIRTIO, 0x7e), NULL), -ENOTTY, "unknown ioctl");

	/* Running: NUM and BASE are refused, ADDR is checked. */
	EXPECT(drv_mem_table(&d, false), 0, "SET_MEM_TABLE real");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, d.o.ring), 0, "SET_VRING_NUM");
	EXPECT(drv_addr(&d, 0, false), 0, "SET_VRING_ADDR");
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 0, 0), 0, "start queue 0");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 64), -EBUSY, "SET_VRING_NUM while running");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_BASE, 0, 0), -EBUSY, "SET_VRING_BASE while running");
	{
		/* The ring layout is a feature: it may not change under a ring. */
		uint64_t f = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_PACKED);

		EXPECT(io(d.dev.fd, VHX_SET_FEATURES, &f), -EBUSY,
		       "SET_FEATURES switching to packed rings while running");
		f = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX);
		EXPECT(io(d.dev.fd, VHX_SET_FEATURES, &f), 0,
		       "SET_FEATURES with the same layout while running");
	}
	{
		struct vhx_vring_addr a = { .index = 0,
			.desc_user_addr = 0xffff888000000000ULL,
			.avail_user_addr = 0x1000, .used_user_addr = 0x1000 };

		EXPECT(io(d.dev.fd, VHX_SET_VRING_ADDR, &a), -EINVAL, "SET_VRING_ADDR kernel address while running");
	}
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 0, -1), 0, "stop queue 0");
	EXPECT(io_file(d.dev.fd, VHX_TEST_SET_BACKEND, 0, -1), 0, "stop queue 0 again");
	EXPECT(io(d.dev.fd, VHX_RESET_OWNER, NULL), 0, "RESET_OWNER");
	EXPECT(io_state(d.dev.fd, VHX_SET_VRING_NUM, 0, 256), -EPERM, "SET_VRING_NUM after RESET_OWNER");
	EXPECT(io(d.dev.fd, VHX_SET_OWNER, NULL), 0, "SET_OWNER after RESET_OWNER");
	drv_close(&d);
	fd_leaks(o);
	return failures ? -EIO : 0;
}
