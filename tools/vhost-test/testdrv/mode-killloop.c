// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-testdrv killloop: owners SIGKILLed mid-traffic, in a loop.
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

/*
 * killloop: the owner SIGKILLed with its traffic running, --cycles times
 * (killloop.c).  Each child sets up the device in the chosen launcher's
 * order, with dirty logging if asked (pages pinned as it dies), and pumps
 * verified traffic until it is killed.
 */
static void killloop_child(void *arg, int ready)
{
	struct opts *o = arg;
	struct drv d = { .o = *o, .dev.fd = -1 };

	if (drv_open(&d) || drv_setup(&d))
		_exit(2);
	if (drv_pump(&d, 64))
		_exit(3);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;)
		if (drv_pump(&d, drv_completed(&d) + 1024))
			_exit(5);
}

int mode_killloop(struct opts *o)
{
	struct kill_loop k = {
		.cycles = o->cycles, .seed = o->tp.seed, .prefix = "test-",
		.child = killloop_child, .arg = o,
	};

	return kill_loop_run(&k, o->name) ? 0 : -EIO;
}
