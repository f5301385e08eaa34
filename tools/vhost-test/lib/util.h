/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers the vhx test tools share.
 */
#ifndef _VHX_UTIL_H
#define _VHX_UTIL_H

#include <stdbool.h>

/* Failed checks so far (result() counts them). */
extern int failures;

/* Print "PASS: ..." or "FAIL: ..." (the scripts/lib.sh protocol). */
void result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ioctl(), returning 0 or -errno. */
int io(int fd, unsigned long req, void *arg);
/* Monotonic seconds. */
double now(void);
/* Allocated struct files, system-wide (file-nr's first field); -1: unknown. */
long files_in_use(void);
/*
 * How far two files_in_use() readings may differ with no file leaked: the
 * kernel counts files in a per-CPU counter and file-nr reads only its
 * folded part, each CPU holding back up to max(32, 2 * CPUs) of its own.
 */
long files_slack(void);
/* A repeatable pseudo-random number in [lo, hi], stepping *state. */
unsigned int util_rnd(unsigned int *state, unsigned int lo, unsigned int hi);

#endif /* _VHX_UTIL_H */
