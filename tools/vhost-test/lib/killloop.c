// SPDX-License-Identifier: GPL-2.0
/*
 * Owner death at scale.
 *
 * A launcher dies without warning (kill -9, a crash, the OOM killer) with
 * its rings running, its worker in the middle of a chain, its log pages
 * pinned, and the kernel must give back everything the device held.  A
 * single kill proves little: what leaks a file or a page per death shows
 * after hundreds.  So: fork a driver, let its traffic flow, SIGKILL it at
 * a random moment (one time in eight before it is even set up), reap it,
 * again and again.  Afterwards the kernel must hold what it held before:
 * no device left (its debugfs entry goes with its last fd), no more open
 * files, no page still pinned; the caller then unloads vhx.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "killloop.h"
#include "util.h"

/* Pages pinned for the kernel's use (FOLL_PIN) and not yet unpinned. */
static long pins_held(void)
{
	FILE *f = fopen("/proc/vmstat", "r");
	long acq = -1, rel = -1, v;
	char key[64];

	while (f && fscanf(f, "%63s %ld", key, &v) == 2) {
		if (!strcmp(key, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(key, "nr_foll_pin_released"))
			rel = v;
	}
	if (f)
		fclose(f);
	return acq < 0 || rel < 0 ? -1 : acq - rel;
}

/* Open devices of one kind: their debugfs entries. */
static int devices_open(const char *prefix)
{
	DIR *d = opendir("/sys/kernel/debug/vhx");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return d ? n : -1;
}

bool kill_loop_run(const struct kill_loop *k, const char *name)
{
	unsigned int rnd = k->seed, i, early = 0, mid = 0, bad = 0;
	long files0, pins0, files1 = 0, pins1 = 0, slack = files_slack();
	int devs = 0, t;
	bool ok;

	/* Let what earlier tests closed settle before the baseline. */
	sleep(1);
	files0 = files_in_use();
	pins0 = pins_held();
	for (i = 0; i < k->cycles; i++) {
		int p[2], st;
		pid_t pid;
		char c;

		if (pipe2(p, O_CLOEXEC))
			return false;
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			k->child(k->arg, p[1]);
			_exit(0);
		}
		close(p[1]);
		if (util_rnd(&rnd, 0, 7) == 0) {
			/* Anywhere: opening, setting up, starting. */
			usleep(util_rnd(&rnd, 0, 3000));
			early++;
		} else {
			struct pollfd pf = { .fd = p[0], .events = POLLIN };

			if (poll(&pf, 1, 30000) != 1 || read(p[0], &c, 1) != 1) {
				fprintf(stderr, "%s: cycle %u: no traffic within 30 s\n",
					name, i);
				bad++;
			}
			usleep(util_rnd(&rnd, 0, 5000));
			mid++;
		}
		kill(pid, SIGKILL);
		close(p[0]);
		if (waitpid(pid, &st, 0) != pid ||
		    (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) &&
		     !(WIFEXITED(st) && !WEXITSTATUS(st)))) {
			fprintf(stderr, "%s: cycle %u: the driver failed on its own (status %#x)\n",
				name, i, st);
			bad++;
		}
		if ((i + 1) % 100 == 0) {
			printf("%s: %u of %u drivers killed\n", name, i + 1, k->cycles);
			fflush(stdout);
		}
	}
	/* Releases run as each process exits; give the last ones a moment. */
	for (t = 0; t < 100; t++) {
		devs = devices_open(k->prefix);
		files1 = files_in_use();
		pins1 = pins_held();
		if (!devs && files1 <= files0 + slack && pins1 <= pins0)
			break;
		usleep(100000);
	}
	ok = !bad && mid > k->cycles / 2;
	result(ok, "%s: %u drivers SIGKILLed (%u in traffic, %u while setting up), %u failed on their own",
	       name, k->cycles, mid, early, bad);
	result(devs == 0, "%s: every device released afterwards (%d left)", name, devs);
	result(files1 <= files0 + slack,
	       "%s: no file leaked (%ld struct files before, %ld after, counter slack %ld)",
	       name, files0, files1, slack);
	result(pins1 <= pins0, "%s: no page left pinned (%ld before, %ld after)",
	       name, pins0, pins1);
	return ok && !devs && files1 <= files0 + slack && pins1 <= pins0;
}
