// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-tapfeed: feed frames into a tap and count what comes back.
 *
 *   vhx-tapfeed --iface TAP [--frames N] [--window W] [--flows F]
 *               [--min-size B] [--max-size B] [--timeout SEC] [--seed S]
 *   vhx-tapfeed --iface TAP --blast SEC [--min-size B] [--max-size B]
 *
 * A client that echoes (DPDK's testpmd in "io" forwarding, say) reads the
 * tap's frames through its kernel data path and writes each one back.  A
 * packet socket bound to the tap is both ends of that loop: what it sends
 * goes out of the tap (to the tap's reader, the vhost device), and what
 * the reader writes into the tap comes in on it.  Every frame is UDP over
 * IPv4 with a sequence number, its length and a pattern drawn from both,
 * so an echo is checked byte for byte, and a frame that comes back twice,
 * truncated or garbled is counted as such.
 *
 * At most W frames are in flight (default 64, well under a 256-slot
 * ring), so that nothing is dropped for want of buffers: every count must
 * then be exact.  Half a second of quiet after the last echo catches
 * duplicates.  F flows (UDP source ports) spread frames over the queues
 * of a multi-queue tap.  Prints one line, "tapfeed: sent=N echoed=N
 * bad=N dup=N lost=N secs=S", and exits 0 only when every frame came back
 * right, once.
 *
 * --blast SEC: a source for benchmarks; frames as fast as the socket takes
 * them for SEC seconds, nothing checked ("tapfeed: sent=N secs=S").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/util.h"

#define MAGIC 0x76687866u	/* "vhxf" */
#define HDRS (sizeof(struct ether_header) + sizeof(struct iphdr) + sizeof(struct udphdr))
#define MIN_FRAME (HDRS + 12)
#define MAX_FRAME 1514

struct opts {
	const char *iface;
	unsigned int frames, window, flows, min_size, max_size, seed;
	double timeout, blast;
};

/* The payload's byte @i of frame @seq: both must be right to match. */
static uint8_t pattern(uint32_t seq, unsigned int i)
{
	return (uint8_t)(seq * 131 + i * 7 + (i >> 8));
}

static uint16_t ip_csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Frame @seq, @len bytes, into @f. */
static void build(uint8_t *f, uint32_t seq, unsigned int len, const struct opts *o)
{
	struct ether_header *eth = (void *)f;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	uint8_t *pl = (uint8_t *)(udp + 1);
	unsigned int i, plen = len - HDRS;
	uint32_t v;

	memcpy(eth->ether_dhost, "\x52\x54\x00\x18\x00\x02", 6);
	memcpy(eth->ether_shost, "\x52\x54\x00\x18\x00\x01", 6);
	eth->ether_type = htons(ETHERTYPE_IP);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(len - sizeof(*eth));
	ip->saddr = htonl(0xc6120001);	/* 198.18.0.1 */
	ip->daddr = htonl(0xc6120002);	/* 198.18.0.2 */
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = htons(40000 + seq % o->flows);
	udp->dest = htons(7777);
	udp->len = htons(len - sizeof(*eth) - sizeof(*ip));
	udp->check = 0;		/* none: allowed over IPv4 */
	v = htonl(MAGIC);
	memcpy(pl, &v, 4);
	v = htonl(seq);
	memcpy(pl + 4, &v, 4);
	v = htonl(len);
	memcpy(pl + 8, &v, 4);
	for (i = 12; i < plen; i++)
		pl[i] = pattern(seq, i);
}

/*
 * A received frame: -1 if it is not ours (anything else on the tap), else
 * its sequence number, or UINT32_MAX - 1 if it is ours but wrong.
 */
static int64_t check(const uint8_t *f, ssize_t n, unsigned int frames)
{
	const uint8_t *pl = f + HDRS;
	uint32_t v, seq, len;
	unsigned int i;

	if (n < (ssize_t)MIN_FRAME)
		return -1;
	memcpy(&v, pl, 4);
	if (ntohl(v) != MAGIC)
		return -1;
	memcpy(&v, pl + 4, 4);
	seq = ntohl(v);
	memcpy(&v, pl + 8, 4);
	len = ntohl(v);
	if (seq >= frames || len != (uint32_t)n)
		return UINT32_MAX - 1;
	for (i = 12; i < len - HDRS; i++)
		if (pl[i] != pattern(seq, i))
			return UINT32_MAX - 1;
	return seq;
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: vhx-tapfeed --iface TAP [--frames N] [--window W] [--flows F]\n"
		"                   [--min-size B] [--max-size B] [--timeout SEC] [--seed S]\n"
		"       vhx-tapfeed --iface TAP --blast SEC [--min-size B] [--max-size B]\n");
	exit(status);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "frames", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "flows", required_argument, NULL, 'f' },
		{ "min-size", required_argument, NULL, 'm' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "timeout", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "blast", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*o = (struct opts){ .frames = 1000, .window = 64, .flows = 1,
			    .min_size = 60, .max_size = MAX_FRAME, .seed = 1,
			    .timeout = 30 };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 'n':
			o->frames = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			o->window = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			o->flows = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			o->min_size = strtoul(optarg, NULL, 0);
			break;
		case 'M':
			o->max_size = strtoul(optarg, NULL, 0);
			break;
		case 't':
			o->timeout = strtod(optarg, NULL);
			break;
		case 's':
			o->seed = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			o->blast = strtod(optarg, NULL);
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (!o->iface || optind != argc || !o->window || !o->flows ||
	    o->min_size > o->max_size || o->max_size > MAX_FRAME)
		usage(2);
	if (o->min_size < MIN_FRAME)
		o->min_size = MIN_FRAME;
}

static int open_tap_socket(const char *iface)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	int rcvbuf = 16 << 20;

	if (fd < 0) {
		perror("vhx-tapfeed: socket(AF_PACKET)");
		exit(1);
	}
	/*
	 * Room for every echo in flight (the default, 208 KiB, holds about
	 * 90 full-size frames): a frame dropped here is not the device's.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		perror("vhx-tapfeed: SO_RCVBUFFORCE");
	sll.sll_ifindex = if_nametoindex(iface);
	if (!sll.sll_ifindex || bind(fd, (void *)&sll, sizeof(sll))) {
		fprintf(stderr, "vhx-tapfeed: bind to %s: %s\n", iface, strerror(errno));
		exit(1);
	}
	return fd;
}

/* --blast: send for o->blast seconds, check nothing. */
static int blast(int fd, const struct opts *o)
{
	unsigned int state = o->seed, sent = 0;
	double start = now();
	uint8_t f[2048];
	int one = 1;

	/* Our own frames would be copied back to us: a cost, not a result. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	while (now() - start < o->blast) {
		unsigned int len = util_rnd(&state, o->min_size, o->max_size);

		build(f, sent, len, o);
		if (send(fd, f, len, 0) == (ssize_t)len)
			sent++;
	}
	printf("tapfeed: sent=%u secs=%.3f\n", sent, now() - start);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int sent = 0, echoed = 0, bad = 0, dup = 0, state;
	uint8_t *seen, f[2048];
	double start, last;
	struct opts o;
	int fd;

	parse(argc, argv, &o);
	fd = open_tap_socket(o.iface);
	if (o.blast > 0)
		return blast(fd, &o);
	seen = calloc(o.frames, 1);
	if (!seen)
		return 1;
	state = o.seed;
	start = last = now();
	/* Once all are back, half a second more catches late duplicates. */
	while (now() - last < (echoed < o.frames ? o.timeout : 0.5)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;
		int64_t seq;

		/* Keep the window full: what is sent and not yet back. */
		while (sent < o.frames && sent - echoed - bad < o.window) {
			unsigned int len = util_rnd(&state, o.min_size, o.max_size);

			build(f, sent, len, &o);
			if (send(fd, f, len, 0) != (ssize_t)len) {
				perror("vhx-tapfeed: send");
				return 1;
			}
			sent++;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recvfrom(fd, f, sizeof(f), MSG_DONTWAIT, (void *)&from, &fl);
		/* Our own frames going out show up here too. */
		if (n < 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		seq = check(f, n, o.frames);
		if (seq < 0)
			continue;
		last = now();
		if (seq == UINT32_MAX - 1)
			bad++;
		else if (seen[seq]++)
			dup++;
		else
			echoed++;
	}
	printf("tapfeed: sent=%u echoed=%u bad=%u dup=%u lost=%u secs=%.3f\n",
	       sent, echoed, bad, dup, sent - echoed - bad, now() - start);
	return sent == o.frames && echoed == o.frames && !bad && !dup ? 0 : 1;
}
