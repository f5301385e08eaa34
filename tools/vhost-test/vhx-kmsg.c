// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-kmsg: every line the kernel logs, kept as it is written.
 *
 *   vhx-kmsg OUT               follow /dev/kmsg into OUT until SIGTERM
 *   vhx-kmsg --flood N TEXT    log N lines of TEXT (numbered) through /dev/kmsg
 *
 * The VM lane judges a run by the kernel's log.  Read once at the end
 * (dmesg), the log is what the kernel's ring buffer still holds: a run that
 * makes the kernel print a lot (hostile input earns rate-limited lines)
 * can push a WARNING out before anyone reads it, and the run would pass.
 * So the harness starts this first thing and stops it last: it copies
 * each record to OUT as it comes, and since every record carries a
 * sequence number, it knows when it missed any (it fell behind by a whole
 * buffer): then it says so in OUT, in a line the lane's gate fails on
 * ("vhx-kmsg: lost").  It also says so if records were gone before it
 * started.  On SIGTERM it reads what is left and exits.
 *
 * It runs at the highest nice priority: it sleeps nearly always, and when
 * the kernel logs in bursts (or --flood writes), it must keep up with the
 * writer rather than share the CPU with it.
 *
 * --flood is the gate's own test: it writes lines faster than a reader
 * that is stopped can keep, to roll the buffer over on purpose.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define KMSG		"/dev/kmsg"
#define RECORD_MAX	8192	/* a record, header and text, always fits */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Write the text of one record ("pri,seq,usec,flags[,...];text\n" and
 * continuation lines) as "[sec.usec] text": the form dmesg prints.  The
 * kernel escapes unprintable bytes as \xNN; they are left so.  Returns the
 * record's sequence number, or -1 for a line we cannot parse.
 */
static int64_t emit(FILE *out, const char *rec, size_t len)
{
	unsigned long long seq, usec;
	const char *text, *end;
	unsigned int pri;

	if (sscanf(rec, "%u,%llu,%llu,", &pri, &seq, &usec) != 3)
		return -1;
	text = memchr(rec, ';', len);
	if (!text)
		return -1;
	text++;
	end = memchr(text, '\n', len - (text - rec));
	if (!end)
		end = rec + len;
	fprintf(out, "[%5llu.%06llu] %.*s\n", usec / 1000000, usec % 1000000,
		(int)(end - text), text);
	return (int64_t)seq;
}

static void lost(FILE *out, uint64_t n, const char *when)
{
	fprintf(out, "vhx-kmsg: lost %" PRIu64 " kernel log records %s: the log buffer rolled over\n",
		n, when);
	fflush(out);
}

static int follow(const char *path)
{
	char rec[RECORD_MAX];
	int64_t next = 0;	/* the sequence number we expect */
	FILE *out;
	int fd;

	fd = open(KMSG, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		perror("vhx-kmsg: " KMSG);
		return 1;
	}
	out = fopen(path, "a");
	if (!out) {
		perror(path);
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (setpriority(PRIO_PROCESS, 0, -20))
		perror("vhx-kmsg: setpriority");
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r = read(fd, rec, sizeof(rec) - 1);
		int64_t seq;

		if (r < 0 && errno == EPIPE) {
			/* Overwritten under us: the next read resumes; the
			 * sequence numbers say how many went. */
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			fflush(out);
			if (stop)
				break;
			poll(&p, 1, 500);
			continue;
		}
		if (r <= 0) {
			perror("vhx-kmsg: read");
			break;
		}
		rec[r] = '\0';
		seq = emit(out, rec, r);
		if (seq < 0)
			continue;
		if (seq > next)
			lost(out, seq - next, next ? "while following" : "before vhx-kmsg started");
		next = seq + 1;
	}
	fflush(out);
	fclose(out);
	close(fd);
	return 0;
}

static int flood(unsigned long n, const char *text)
{
	char line[512];
	unsigned long i;
	int fd = open(KMSG, O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		perror("vhx-kmsg: " KMSG);
		return 1;
	}
	for (i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "%s %lu\n", text, i);

		if (write(fd, line, len) != len) {
			perror("vhx-kmsg: write");
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "flood", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n = 0;
	bool flooding = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'f':
			n = strtoul(optarg, NULL, 0);
			flooding = true;
			break;
		case 'h':
			printf("usage: vhx-kmsg OUT | vhx-kmsg --flood N TEXT\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: vhx-kmsg OUT | vhx-kmsg --flood N TEXT\n");
		return 2;
	}
	return flooding ? flood(n, argv[optind]) : follow(argv[optind]);
}
