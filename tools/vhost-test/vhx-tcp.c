// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-tcp: verified TCP transfers and request/response between the test VM
 * and a nested guest, so the end-to-end tests need neither iperf nor
 * netperf, and every byte that crossed the virtqueues is checked.
 *
 *   vhx-tcp serve  [--port P]                     (in the guest, forever)
 *   vhx-tcp sink   HOST [--bytes N] [--seed S]    we send, the server checks
 *   vhx-tcp source HOST [--bytes N] [--seed S]    the server sends, we check
 *   vhx-tcp rr     HOST [--count N]               1-byte ping-pong
 *   vhx-tcp quit   HOST                           the server exits
 *
 * The payload is a deterministic stream (a counter through splitmix64,
 * eight bytes per step) keyed by the seed, so the receiving side compares
 * every byte with what must arrive, and both sides hash what they moved
 * (FNV-1a, 64 bits): the two hashes are printed side by side.
 *
 * Clients print one line of key=value pairs and exit 0 only if the data
 * arrived intact.  --wait SECS retries the connection while the server
 * boots.  Built static: the nested guest has busybox and nothing else.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAGIC		0x76687874u	/* "vhxt" */
#define CHUNK		(64 * 1024)

enum cmd { CMD_SINK = 1, CMD_SOURCE, CMD_RR, CMD_QUIT };

struct request {
	uint32_t magic, cmd;
	uint64_t size, seed;
};

struct report {
	uint64_t bytes, bad, hash;
};

struct stream {
	uint64_t seed, off, hash;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * The @len bytes of the stream from its current offset (then advanced).
 * Byte k of each word is bits 8k..8k+7: a little-endian store, which is
 * the fast path on whole words.
 */
static void stream_fill(struct stream *s, unsigned char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint64_t w = splitmix64(s->seed + s->off / 8);

		if (s->off % 8 == 0 && len - i >= 8) {
			w = htole64(w);
			memcpy(buf + i, &w, 8);
			i += 8;
			s->off += 8;
		} else {
			buf[i++] = w >> (8 * (s->off % 8));
			s->off++;
		}
	}
}

static void hash_update(uint64_t *h, const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		*h = (*h ^ buf[i]) * 0x100000001b3ull;
}

/* Move all @len bytes through write() (@out) or read(); -1 if cut short. */
static int io_all(int fd, char *p, size_t len, bool out)
{
	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	return io_all(fd, (char *)buf, len, true);
}

static int read_all(int fd, void *buf, size_t len)
{
	return io_all(fd, buf, len, false);
}

/* Send @size bytes of the stream; false on a socket error. */
static bool send_stream(int fd, struct stream *s, uint64_t size)
{
	static unsigned char buf[CHUNK];

	while (size) {
		size_t len = size < CHUNK ? size : CHUNK;

		stream_fill(s, buf, len);
		hash_update(&s->hash, buf, len);
		if (write_all(fd, buf, len))
			return false;
		size -= len;
	}
	return true;
}

/* Receive up to @size bytes, comparing each with the stream. */
static struct report recv_stream(int fd, struct stream *s, uint64_t size)
{
	static unsigned char buf[CHUNK], want[CHUNK];
	struct report r = { 0 };

	while (r.bytes < size) {
		size_t len = size - r.bytes < CHUNK ? size - r.bytes : CHUNK;
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		stream_fill(s, want, n);
		if (memcmp(buf, want, n))
			for (ssize_t i = 0; i < n; i++)
				r.bad += buf[i] != want[i];
		hash_update(&s->hash, buf, n);
		r.bytes += n;
	}
	r.hash = s->hash;
	return r;
}

static void serve_one(int fd)
{
	struct request req;
	struct stream s = { .hash = 0xcbf29ce484222325ull };
	struct report r;
	unsigned char c;

	if (read_all(fd, &req, sizeof(req)) || req.magic != MAGIC)
		return;
	s.seed = req.seed;
	switch (req.cmd) {
	case CMD_SINK:
		r = recv_stream(fd, &s, req.size);
		write_all(fd, &r, sizeof(r));
		break;
	case CMD_SOURCE:
		/* The data, then what we sent as a trailer: its size and hash. */
		if (send_stream(fd, &s, req.size)) {
			r = (struct report){ req.size, 0, s.hash };
			write_all(fd, &r, sizeof(r));
		}
		break;
	case CMD_RR:
		for (uint64_t i = 0; i < req.size; i++)
			if (read_all(fd, &c, 1) || write_all(fd, &c, 1))
				break;
		break;
	case CMD_QUIT:
		close(fd);
		exit(0);
	}
}

static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 60 };
	int one = 1, lfd, fd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 8)) {
		perror("vhx-tcp: serve");
		return 1;
	}
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		/* A peer that vanishes must not wedge the server. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve_one(fd);
		close(fd);
	}
}

static int connect_to(const char *host, int port, double wait)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 60 };
	double deadline = now() + wait;
	int fd, one = 1;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "vhx-tcp: %s: not an IPv4 address\n", host);
		return -1;
	}
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		/* Bounds connect() too: a peer that is gone fails in 20 s. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO,
			   &(struct timeval){ .tv_sec = 20 }, sizeof(struct timeval));
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		close(fd);
		if (now() >= deadline) {
			fprintf(stderr, "vhx-tcp: connect %s:%d: %s\n", host, port,
				strerror(errno));
			return -1;
		}
		usleep(200000);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int client(enum cmd cmd, const char *host, int port, uint64_t size,
		  uint64_t seed, double wait)
{
	struct request req = { MAGIC, cmd, size, seed };
	struct stream s = { .seed = seed, .hash = 0xcbf29ce484222325ull };
	struct report r = { 0 }, peer = { 0 };
	const char *name[] = { "", "sink", "source", "rr", "quit" };
	double t0, secs;
	unsigned char c = 0;
	uint64_t i;
	bool ok;
	int fd;

	fd = connect_to(host, port, wait);
	if (fd < 0 || write_all(fd, &req, sizeof(req)))
		return 1;
	t0 = now();
	switch (cmd) {
	case CMD_SINK:
		ok = send_stream(fd, &s, size) && !read_all(fd, &peer, sizeof(peer));
		secs = now() - t0;
		r = (struct report){ size, 0, s.hash };
		break;
	case CMD_SOURCE:
		r = recv_stream(fd, &s, size);
		ok = !read_all(fd, &peer, sizeof(peer));
		secs = now() - t0;
		break;
	case CMD_RR:
		for (i = 0; i < size; i++, c++)
			if (write_all(fd, &c, 1) || read_all(fd, &c, 1))
				break;
		secs = now() - t0;
		ok = i == size;
		printf("vhx-tcp: rr transactions=%llu secs=%.3f tps=%.0f latency_us=%.1f ok=%d\n",
		       (unsigned long long)i, secs, i / secs,
		       i ? secs * 1e6 / i : 0.0, ok);
		close(fd);
		return ok ? 0 : 1;
	default:
		close(fd);
		return 0;
	}
	close(fd);
	ok = ok && r.bytes == size && peer.bytes == size && !r.bad &&
	     !peer.bad && r.hash == peer.hash;
	printf("vhx-tcp: %s bytes=%llu secs=%.3f mbps=%.1f hash=%016llx peer_hash=%016llx bad=%llu ok=%d\n",
	       name[cmd], (unsigned long long)r.bytes, secs,
	       r.bytes * 8 / secs / 1e6, (unsigned long long)r.hash,
	       (unsigned long long)peer.hash,
	       (unsigned long long)(r.bad + peer.bad), ok);
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vhx-tcp serve [--port P]\n"
		"       vhx-tcp sink|source HOST [--bytes N] [--seed S] [--port P] [--wait SECS]\n"
		"       vhx-tcp rr HOST [--count N] [--port P] [--wait SECS]\n"
		"       vhx-tcp quit HOST [--port P] [--wait SECS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t bytes = 16 << 20, count = 2000, seed = 1;
	const char *mode;
	double wait = 0;
	int port = 7777, c;

	while ((c = getopt_long(argc, argv, "p:b:n:s:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = atoi(optarg); break;
		case 'b': bytes = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'w': wait = atof(optarg); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	mode = argv[optind++];
	if (!strcmp(mode, "serve"))
		return serve(port);
	if (optind >= argc)
		usage();
	if (!strcmp(mode, "sink"))
		return client(CMD_SINK, argv[optind], port, bytes, seed, wait);
	if (!strcmp(mode, "source"))
		return client(CMD_SOURCE, argv[optind], port, bytes, seed, wait);
	if (!strcmp(mode, "rr"))
		return client(CMD_RR, argv[optind], port, count, seed, wait);
	if (!strcmp(mode, "quit"))
		return client(CMD_QUIT, argv[optind], port, 0, 0, wait);
	usage();
	return 2;
}
