/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Owner death at scale: a driver process SIGKILLed in the middle of its
 * traffic, over and over.  See killloop.c.
 */
#ifndef _VHX_KILLLOOP_H
#define _VHX_KILLLOOP_H

#include <stdbool.h>

struct kill_loop {
	unsigned int cycles;	/* children to kill */
	unsigned int seed;
	const char *prefix;	/* the device's debugfs entries: "test-", "net-" */
	/*
	 * The child: set up a device, start traffic, write a byte to
	 * @ready once it flows, and carry on until killed.
	 */
	void (*child)(void *arg, int ready);
	void *arg;
};

/* Runs the loop and prints its PASS/FAIL lines; true if all passed. */
bool kill_loop_run(const struct kill_loop *k, const char *name);

#endif /* _VHX_KILLLOOP_H */
