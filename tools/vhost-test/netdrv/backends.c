// SPDX-License-Identifier: GPL-2.0
/*
 * Backends: hostile backend fds, detach and re-attach, and RING_RESET of
 * the TX queue while RX stays attached.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/guestmem.h"
#include "../lib/killloop.h"
#include "../lib/util.h"
#include "../lib/traffic.h"
#include "../../lib/vhxdev.h"
#include "../../../drivers/virtio/vring.h"
#include "../../../include/uapi/linux/vhx.h"

#include "netdrv.h"

/*
 * NET_SET_BACKEND with what is not a usable socket: each must fail with
 * ENOTSOCK (upstream's answer for all of them), fd -1 must always succeed,
 * and the device must still carry traffic afterwards.
 */
void run_backends(struct net *n)
{
	struct {
		const char *what;
		int fd;
	} bad[] = {
		{ "/dev/null", open("/dev/null", O_RDWR | O_CLOEXEC) },
		{ "a UDP socket", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) },
		{ "a Unix socket", socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) },
		{ "a datagram packet socket",
		  socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0) },
		{ "an eventfd", eventfd(0, EFD_CLOEXEC) },
		{ "a closed fd", 1000 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vhx_vring_file b = { i % 2, bad[i].fd };
		int ret = io(n->dev.fd, VHX_NET_SET_BACKEND, &b);

		result(ret == -ENOTSOCK, "%s: NET_SET_BACKEND with %s -> ENOTSOCK (got %s)",
		       n->o.name, bad[i].what, ret ? strerror(-ret) : "ok");
		if (bad[i].fd != 1000)
			close(bad[i].fd);
	}
	{
		struct vhx_vring_file b = { 2, n->tap };
		int ret = io(n->dev.fd, VHX_NET_SET_BACKEND, &b);

		result(ret == -ENOBUFS, "%s: NET_SET_BACKEND queue 2 -> ENOBUFS (got %s)",
		       n->o.name, ret ? strerror(-ret) : "ok");
	}
	for (i = 0; i < 2; i++) {
		struct vhx_vring_file b = { i, -1 };
		int r1 = io(n->dev.fd, VHX_NET_SET_BACKEND, &b);
		int r2 = io(n->dev.fd, VHX_NET_SET_BACKEND, &b);

		b.fd = n->tap;
		result(!r1 && !r2 && !io(n->dev.fd, VHX_NET_SET_BACKEND, &b),
		       "%s: queue %u: detach twice, then re-attach", n->o.name, i);
	}
}

/*
 * RING_RESET as QEMU does it, on the TX queue while RX stays attached:
 * detach, read the base (it must be all we offered), set the ring up again
 * from there, re-attach.  Traffic must flow both ways afterwards.
 */
void run_reset(struct net *n)
{
	struct q *q = &n->q[1];
	struct vhxdev_queue vq = net_queue(n, 1);
	uint32_t base = 0;
	int ret;

	ret = vhxdev_set_backend(&n->dev, 1, -1);
	if (!ret)
		ret = vhxdev_get_vring_base(&n->dev, 1, &base);
	result(!ret && base == vdrv_stopped_base(&q->v),
	       "%s: TX queue reset: base %#x after stop, %#x offered", n->o.name,
	       base, vdrv_stopped_base(&q->v));
	vq.base = vdrv_stopped_base(&q->v);
	if (!ret)
		ret = vhxdev_set_vring_num(&n->dev, 1, vq.num);
	if (!ret)
		ret = vhxdev_set_vring_base(&n->dev, 1, vq.base);
	if (!ret)
		ret = vhxdev_set_vring_addr(&n->dev, 1, &vq);
	if (!ret)
		ret = vhxdev_set_vring_kick(&n->dev, 1, vq.kick);
	if (!ret)
		ret = vhxdev_set_backend(&n->dev, 1, n->tap);
	result(!ret, "%s: TX queue set up again and re-attached (%s)", n->o.name,
	       ret ? vhxdev_error(&n->dev) : "ok");
}
