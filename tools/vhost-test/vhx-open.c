// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-open: open and close a device node, many times, and say how it went.
 *
 *   vhx-open [--count N] [--expect-errno NAME] DEVICE
 *
 * Without --expect-errno every open must succeed.  With it, every open must
 * fail with exactly that errno (EACCES, ENOENT, ...): that is how the tests
 * check a node's permissions from an unprivileged user.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EACCES", EACCES }, { "EPERM", EPERM }, { "ENOENT", ENOENT },
	{ "ENXIO", ENXIO }, { "ENODEV", ENODEV }, { "EBUSY", EBUSY },
};

static int errno_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].value;
	fprintf(stderr, "vhx-open: unknown errno name '%s'\n", name);
	exit(2);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vhx-open [--count N] [--expect-errno NAME] DEVICE\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "expect-errno", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long count = 1, i;
	int expect = 0, opt;
	char *end;

	while ((opt = getopt_long(argc, argv, "c:e:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1) {
				fprintf(stderr, "vhx-open: bad count '%s'\n", optarg);
				return 2;
			}
			break;
		case 'e':
			expect = errno_by_name(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}

	for (i = 0; i < count; i++) {
		int fd = open(argv[optind], O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			if (close(fd)) {
				perror("vhx-open: close");
				return 1;
			}
			if (expect) {
				fprintf(stderr, "vhx-open: open %ld of %s succeeded, expected %s\n",
					i + 1, argv[optind], strerror(expect));
				return 1;
			}
		} else if (errno != expect) {
			fprintf(stderr, "vhx-open: open %ld of %s: %s\n",
				i + 1, argv[optind], strerror(errno));
			return 1;
		}
	}
	printf("vhx-open: %s: %ld open(s) as expected (%s)\n", argv[optind],
	       count, expect ? strerror(expect) : "success");
	return 0;
}
