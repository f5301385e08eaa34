// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-fds: open what a multiqueue vhost launcher needs, then run it.
 *
 *   vhx-fds --tap NAME --queues N [--vhost DEVICE] -- COMMAND [ARG...]
 *
 * Opens N queues of the multi-queue tap NAME (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR | IFF_MULTI_QUEUE) and, with --vhost, N opens of DEVICE
 * (/dev/vhx-net, /dev/vhost-net), all inherited by COMMAND.  In COMMAND's
 * arguments, "@TAPFDS@" and "@VHOSTFDS@" become the colon-separated fd
 * numbers.  That is what libvirt does for QEMU: QEMU 7.2 takes vhostfds=
 * only together with fds=, so a shell alone cannot start a multiqueue
 * guest on a vhost device of its choosing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_QUEUES 16

static void usage(void)
{
	fprintf(stderr,
		"usage: vhx-fds --tap NAME --queues N [--vhost DEVICE] -- COMMAND [ARG...]\n");
	exit(2);
}

static int open_tap_queue(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR);

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* "a:b:c" of @n fds. */
static char *join(const int *fds, int n)
{
	char *s = calloc(1, n * 12 + 1);

	for (int i = 0; s && i < n; i++)
		sprintf(s + strlen(s), "%s%d", i ? ":" : "", fds[i]);
	return s;
}

/* @arg with every @key replaced by @val. */
static char *replace(const char *arg, const char *key, const char *val)
{
	size_t klen = strlen(key), vlen = strlen(val), n = 0;
	const char *p;
	char *out, *o;

	for (p = arg; (p = strstr(p, key)); p += klen)
		n++;
	out = malloc(strlen(arg) + n * vlen + 1);
	if (!out)
		return NULL;
	for (o = out, p = arg; *p;) {
		if (!strncmp(p, key, klen)) {
			memcpy(o, val, vlen);
			o += vlen;
			p += klen;
		} else {
			*o++ = *p++;
		}
	}
	*o = 0;
	return out;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "queues", required_argument, NULL, 'q' },
		{ "vhost", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int tapfds[MAX_QUEUES], vhostfds[MAX_QUEUES], queues = 1, c, i;
	const char *tap = NULL, *vhost = NULL;
	char *taps, *vhosts;

	while ((c = getopt_long(argc, argv, "+t:q:v:", opts, NULL)) != -1) {
		switch (c) {
		case 't': tap = optarg; break;
		case 'q': queues = atoi(optarg); break;
		case 'v': vhost = optarg; break;
		default: usage();
		}
	}
	if (!tap || queues < 1 || queues > MAX_QUEUES || optind >= argc)
		usage();
	for (i = 0; i < queues; i++) {
		tapfds[i] = open_tap_queue(tap);
		if (tapfds[i] < 0) {
			fprintf(stderr, "vhx-fds: tap %s queue %d: %s\n", tap, i,
				strerror(errno));
			return 1;
		}
		vhostfds[i] = vhost ? open(vhost, O_RDWR) : -1;
		if (vhost && vhostfds[i] < 0) {
			fprintf(stderr, "vhx-fds: %s: %s\n", vhost, strerror(errno));
			return 1;
		}
	}
	taps = join(tapfds, queues);
	vhosts = join(vhostfds, vhost ? queues : 0);
	if (!taps || !vhosts)
		return 1;
	for (i = optind; i < argc; i++) {
		argv[i] = replace(argv[i], "@TAPFDS@", taps);
		if (argv[i])
			argv[i] = replace(argv[i], "@VHOSTFDS@", vhosts);
		if (!argv[i])
			return 1;
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "vhx-fds: %s: %s\n", argv[optind], strerror(errno));
	return 127;
}
