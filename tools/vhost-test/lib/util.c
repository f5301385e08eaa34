// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int failures;

void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

int io(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

long files_in_use(void)
{
	FILE *f = fopen("/proc/sys/fs/file-nr", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

long files_slack(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long batch;

	if (cpus < 1)
		cpus = 1;
	batch = cpus * 2 > 32 ? cpus * 2 : 32;
	/* Each reading is off by less than batch per CPU, either way. */
	return 2 * batch * cpus;
}

unsigned int util_rnd(unsigned int *state, unsigned int lo, unsigned int hi)
{
	*state = *state * 1103515245u + 12345u;
	return lo + (*state >> 8) % (hi - lo + 1);
}
