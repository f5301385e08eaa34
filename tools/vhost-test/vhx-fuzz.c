// SPDX-License-Identifier: GPL-2.0
/*
 * vhx-fuzz: random, grammar-aware ioctl sequences and lifecycles against
 * /dev/vhx-net and /dev/vhx-test, as a hostile launcher would drive them.
 *
 *   vhx-fuzz [--seed N] [--calls N] [--seconds S] [--round-calls N]
 *            [--device net|test|both] [--single] [--quiet]
 *
 * The launcher is not trusted: anyone in group kvm may open /dev/vhx-net.
 * So every argument is drawn from what a launcher can get wrong, next to
 * what it gets right: memory tables with holes, overlaps, huge, unaligned
 * and kernel-space regions; log bases anywhere; ring sizes, bases and
 * addresses of every kind; the fds of every file type there is (eventfds,
 * taps, packet sockets, pipes, the device itself, closed numbers); and
 * full, valid setups, so that rings really run.  Around the main thread,
 * which issues the calls:
 *
 *  - a scribbler thread writes descriptors, avail indexes and garbage
 *    into the rings the devices were given, kicks their eventfds and sends
 *    frames into their taps, all while the workers serve them;
 *  - a closer thread closes, dup2()s over and reopens the very fds the
 *    main thread is using;
 *  - forked children (not owners) call the ioctls too, and must get EPERM
 *    for everything but the feature ioctls and SET_OWNER; some are
 *    SIGKILLed halfway;
 *  - guest memory under running rings is made inaccessible and replaced.
 *
 * The kernel is the main oracle (the VM lane's log gate: KASAN, lockdep,
 * UBSAN, WARN, hung tasks), with what this program checks itself: every
 * call returns 0 or an errno from the set a vhost device may answer, the
 * children's EPERMs, and no call blocks for more than a minute.  After the
 * run everything is closed: the caller checks that vhx unloads and that
 * nothing leaked.
 *
 * Runs are rounds of --round-calls calls, each from its own seed, printed
 * as the round starts: "--seed S --calls N" with that seed replays the
 * round's calls (--single also replays the threads' work in line, in one
 * thread, so the whole sequence is the same; with threads the
 * interleaving is the scheduler's).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/virtio_config.h>

#include "lib/util.h"
#include "../../include/uapi/linux/vhx.h"

/* ---------------------------------------------------------------- random */

/* splitmix64: small, fast, and every seed gives a good stream. */
struct rng {
	uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rbelow(struct rng *r, uint64_t n)
{
	return n ? rnext(r) % n : 0;
}

static bool chance(struct rng *r, unsigned int pct)
{
	return rbelow(r, 100) < pct;
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	struct rng r = { a ^ (b * 0xd6e8feb86659fd93ULL) };

	return rnext(&r);
}

/* A value that a field of any width is likely to get wrong. */
static uint64_t edge_u64(struct rng *r)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
		0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 1,
		4096, 4095, 4097, 32768, 32769, 65535,
	};

	if (chance(r, 60))
		return edges[rbelow(r, sizeof(edges) / sizeof(edges[0]))];
	return rnext(r) >> rbelow(r, 64);
}

/* ---------------------------------------------------------------- memory */

/*
 * The guest's memory, laid out so that nothing the device can be told
 * about reaches the fuzzer's own state (heap, stacks, libraries): the
 * device writes wherever the launcher says (used entries, dirty bits, RX
 * frames), so the launcher must only ever say places it owns and does
 * not mind.  One reservation:
 *
 *	arena     8 MiB  read-write: rings, buffers, the usual log
 *	noaccess  4 MiB  PROT_NONE, right after the arena (things straddle)
 *	hole      4 MiB  PROT_NONE too (unmapped, something else of ours
 *	                 could be mapped there meanwhile)
 *	logspace 16 MiB  read-write, never touched by us: dirty bitmaps that
 *	                 start in the arena run on into it
 *	guard    32 MiB  PROT_NONE
 *
 * and 4 GiB reserved but never populated (huge regions and descriptors),
 * with a guard after it too.  Every user range handed over lies in one of
 * the two; anything else is a kernel or non-canonical address, which the
 * device must refuse.  Guest addresses stay below 2^39, so that a dirty
 * bit (at base + gpa / 32768) never lands more than 16 MiB past its base,
 * or at 2^62 and over, where the bitmap would be out of user space.
 */
#define ARENA_SIZE	(8UL << 20)
#define NOACCESS_SIZE	(4UL << 20)
#define HOLE_SIZE	(4UL << 20)
#define LOGSPACE_SIZE	(16UL << 20)
#define GUARD_SIZE	(32UL << 20)
#define RESERVED	(ARENA_SIZE + NOACCESS_SIZE + HOLE_SIZE + LOGSPACE_SIZE + GUARD_SIZE)
#define PIECE		(64UL << 10)	/* unit of memory churn */
#define HUGE_SIZE	((4ULL << 30) + (1ULL << 20))
#define GPA_BASE	0x100000ULL
#define GPA_LIMIT	(1ULL << 39)	/* 16 MiB of bitmap */

static uint8_t *arena, *noaccess, *hole, *logspace, *huge;

static int memory_init(void)
{
	uint8_t *p = mmap(NULL, RESERVED, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	arena = p;
	noaccess = arena + ARENA_SIZE;
	hole = noaccess + NOACCESS_SIZE;
	logspace = hole + HOLE_SIZE;
	if (mprotect(arena, ARENA_SIZE, PROT_READ | PROT_WRITE) ||
	    mprotect(logspace, LOGSPACE_SIZE, PROT_READ | PROT_WRITE))
		return -errno;
	huge = mmap(NULL, HUGE_SIZE + GUARD_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (huge == MAP_FAILED)
		return -errno;
	return mprotect(huge, HUGE_SIZE, PROT_READ | PROT_WRITE) ? -errno : 0;
}

/* Is [a, a + n) inside memory we reserved for the device? */
static bool ours_to_hand(uint64_t a, uint64_t n)
{
	uint64_t r0 = (uintptr_t)arena, h0 = (uintptr_t)huge;

	return (a >= r0 && n <= RESERVED && a - r0 <= RESERVED - n) ||
	       (a >= h0 && n <= HUGE_SIZE + GUARD_SIZE &&
		a - h0 <= HUGE_SIZE + GUARD_SIZE - n);
}

/* A kernel address: what a range we may not hand over becomes. */
static uint64_t kernel_addr(struct rng *r)
{
	return 0xffff888000000000ULL + rbelow(r, 1 << 20);
}

/*
 * Write @n bytes at @dst in guest memory without faulting ourselves: the
 * memory may be made inaccessible by another thread at any moment.
 */
static void guest_write(void *dst, const void *src, size_t n)
{
	struct iovec l = { (void *)src, n }, r = { dst, n };

	process_vm_writev(getpid(), &l, 1, &r, 1, 0);
}

/*
 * A user address of some kind for @len bytes, aligned to @align (a power
 * of 2): for what the device reads and writes as guest memory (regions,
 * rings, the log).  Never one of the fuzzer's own.
 */
static uint64_t pick_hva(struct rng *r, uint64_t len, size_t align)
{
	uint64_t a, in_arena = len < ARENA_SIZE / 2;

	switch (rbelow(r, 20)) {
	case 0:
		return 0;
	case 1:
		return kernel_addr(r) & ~(align - 1);
	case 2:		/* not canonical */
		return 0x0000800000000000ULL + rbelow(r, 1 << 20);
	case 3:
		return (uintptr_t)noaccess + (rbelow(r, NOACCESS_SIZE) & ~(align - 1));
	case 4:
		return (uintptr_t)hole + (rbelow(r, HOLE_SIZE) & ~(align - 1));
	case 5:		/* straddling the end of the arena */
		a = (uintptr_t)arena + ARENA_SIZE - rbelow(r, in_arena ? len + 1 : 4096) - 1;
		return chance(r, 50) ? a & ~(align - 1) : a;
	case 6:
		if (len >= HUGE_SIZE)
			return (uintptr_t)huge;
		return (uintptr_t)huge + (rbelow(r, HUGE_SIZE - len) & ~(align - 1));
	case 7:		/* unaligned */
		if (!in_arena)
			return (uintptr_t)arena + 1;
		return (uintptr_t)arena + rbelow(r, ARENA_SIZE - len - 1) + 1;
	default:
		if (!in_arena)
			return (uintptr_t)arena;
		return ((uintptr_t)arena + rbelow(r, ARENA_SIZE - len)) & ~(align - 1);
	}
}

/* A guest address: in the arena's window mostly, else an edge (see above). */
static uint64_t pick_gpa(struct rng *r)
{
	uint64_t g;

	if (chance(r, 80))
		return GPA_BASE + rbelow(r, ARENA_SIZE);
	g = edge_u64(r);
	if (g >= GPA_LIMIT && g < (1ULL << 62))
		g = chance(r, 50) ? g % GPA_LIMIT : g | (1ULL << 62);
	return g;
}

/*
 * A bad pointer for an ioctl argument of @len bytes: one the kernel must
 * refuse whole.  Never readable memory: an argument read from the arena
 * (which the scribbler fills with garbage) could name any address of
 * ours as a ring or a region, and the device would write there.
 */
static void *bad_ptr(struct rng *r, size_t len)
{
	switch (rbelow(r, 6)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)kernel_addr(r);
	case 2:
		return (void *)(uintptr_t)(0x0000800000000000ULL - 1 - rbelow(r, 4));
	case 3:
		return noaccess + rbelow(r, NOACCESS_SIZE - len);
	case 4:
		return hole + rbelow(r, HOLE_SIZE - len);
	default:	/* its first bytes readable, the rest not */
		return arena + ARENA_SIZE - 1 - rbelow(r, len > 1 ? len - 1 : 1);
	}
}

/* ------------------------------------------------------------------ fds */

enum kind {
	K_NONE, K_NET, K_TEST, K_EVENTFD, K_TAP, K_PACKET, K_PIPE, K_FILE,
	K_UNIX, K_EPOLL, K_TIMERFD, K_KINDS,
};

#define NSLOTS	48

struct slot {
	int fd;
	enum kind kind;
	int ifindex;		/* K_TAP, K_PACKET: the tap's */
	bool owned;		/* K_NET, K_TEST: we did SET_OWNER */
};

/*
 * The fds in play.  The closer thread changes them under the lock; the
 * main thread reads fd numbers without it on purpose: a number may be
 * closed or stand for another file by the time the call is made, which is
 * exactly what a racing launcher does.
 */
static struct {
	pthread_mutex_t lock;
	struct slot s[NSLOTS];
	int ntaps;
} world = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* What the scribbler may write to: rings the devices were given. */
#define NRINGS	8
static struct ringrec {
	uint64_t desc, avail, used;	/* HVAs */
	unsigned int num;
	bool packed;
} rings[NRINGS];
static pthread_mutex_t rings_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int rings_next;

static const char *dev_path[2] = { VHX_NET_DEVICE, VHX_TEST_DEVICE };
static bool use_dev[2] = { true, true };
static bool quiet;

/* Counters, shared by the threads. */
static atomic_ulong calls, unexpected, children, kills, reported;
static atomic_ulong progress;	/* the main thread's heartbeat */
static const char *volatile current_op = "start";

static void record_ring(uint64_t desc, uint64_t avail, uint64_t used,
			unsigned int num, bool packed)
{
	pthread_mutex_lock(&rings_lock);
	rings[rings_next++ % NRINGS] = (struct ringrec){ desc, avail, used,
							 num, packed };
	pthread_mutex_unlock(&rings_lock);
}

/* A free slot (or a random one to replace), with the lock held. */
static struct slot *slot_for_new(struct rng *r)
{
	unsigned int i, start = rbelow(r, NSLOTS);

	for (i = 0; i < NSLOTS; i++) {
		struct slot *s = &world.s[(start + i) % NSLOTS];

		if (s->kind == K_NONE)
			return s;
	}
	return NULL;
}

static void slot_close(struct slot *s)
{
	if (s->kind == K_NONE)
		return;
	if (s->kind == K_TAP)
		world.ntaps--;
	close(s->fd);
	s->kind = K_NONE;
	s->fd = -1;
	s->owned = false;
}

static int tap_new(struct rng *r, int *ifindex)
{
	static unsigned int seq;
	struct ifreq ifr = { 0 };
	int fd, sk, hlen = chance(r, 50) ? 12 : 10;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, IFNAMSIZ, "vhxfz%u", seq++ % 1000);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
			(chance(r, 30) ? IFF_MULTI_QUEUE : 0);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hlen)) {
		close(fd);
		return -1;
	}
	if (chance(r, 20)) {
		int sndbuf = 4096;

		ioctl(fd, TUNSETSNDBUF, &sndbuf);
	}
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk >= 0) {
		ifr.ifr_flags = IFF_UP;
		ioctl(sk, SIOCSIFFLAGS, &ifr);
		close(sk);
	}
	*ifindex = if_nametoindex(ifr.ifr_name);
	return fd;
}

/* A packet socket on a tap, if there is one: it feeds the tap (RX). */
static int packet_new(int *ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	unsigned int i;
	int fd;

	*ifindex = 0;
	for (i = 0; i < NSLOTS; i++)
		if (world.s[i].kind == K_TAP && world.s[i].ifindex)
			*ifindex = world.s[i].ifindex;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    htons(ETH_P_ALL));
	if (fd >= 0 && *ifindex) {
		sll.sll_ifindex = *ifindex;
		bind(fd, (struct sockaddr *)&sll, sizeof(sll));
	}
	return fd;
}

/* Open a file of @kind into a slot; with the lock held.  Its fd or -1. */
static int slot_open(struct rng *r, enum kind kind)
{
	struct slot *s = slot_for_new(r);
	int fd = -1, p[2], ifindex = 0;

	if (!s)
		return -1;
	switch (kind) {
	case K_NET:
	case K_TEST:
		if (!use_dev[kind == K_TEST])
			return -1;
		fd = open(dev_path[kind == K_TEST], O_RDWR | O_CLOEXEC);
		calls++;
		break;
	case K_EVENTFD:
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		break;
	case K_TAP:
		if (world.ntaps >= 4)
			return -1;
		fd = tap_new(r, &ifindex);
		if (fd >= 0)
			world.ntaps++;
		break;
	case K_PACKET:
		fd = packet_new(&ifindex);
		break;
	case K_PIPE:
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
			return -1;
		close(p[chance(r, 50)]);
		fd = p[0] >= 0 && fcntl(p[0], F_GETFD) >= 0 ? p[0] : p[1];
		break;
	case K_FILE:
		fd = chance(r, 50) ? open("/dev/null", O_RDWR | O_CLOEXEC) :
				     memfd_create("vhx-fuzz", MFD_CLOEXEC);
		break;
	case K_UNIX:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, p))
			return -1;
		close(p[1]);
		fd = p[0];
		break;
	case K_EPOLL:
		fd = epoll_create1(EPOLL_CLOEXEC);
		break;
	case K_TIMERFD:
		fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		break;
	default:
		return -1;
	}
	if (fd < 0)
		return -1;
	*s = (struct slot){ .fd = fd, .kind = kind, .ifindex = ifindex };
	return fd;
}

/* The fd of a slot of @kind (any kind: K_NONE), or something worse. */
static int pick_fd(struct rng *r, enum kind kind)
{
	unsigned int i, start = rbelow(r, NSLOTS);
	int fd = -1;

	switch (rbelow(r, 20)) {
	case 0:
		return -1;
	case 1:
		return (int)edge_u64(r);
	case 2:
		return 1000 + rbelow(r, 24);	/* closed, most likely */
	}
	pthread_mutex_lock(&world.lock);
	for (i = 0; i < NSLOTS; i++) {
		struct slot *s = &world.s[(start + i) % NSLOTS];

		if (s->kind != K_NONE && (kind == K_NONE || s->kind == kind ||
					  chance(r, 3))) {
			fd = s->fd;
			break;
		}
	}
	pthread_mutex_unlock(&world.lock);
	return fd;
}

/* A device slot: its fd, its kind and index, or -1. */
static int pick_dev(struct rng *r, enum kind *kind, int *idx)
{
	unsigned int i, start = rbelow(r, NSLOTS);
	int fd = -1;

	pthread_mutex_lock(&world.lock);
	for (i = 0; i < NSLOTS; i++) {
		unsigned int k = (start + i) % NSLOTS;
		struct slot *s = &world.s[k];

		if (s->kind == K_NET || s->kind == K_TEST) {
			fd = s->fd;
			*kind = s->kind;
			*idx = k;
			break;
		}
	}
	pthread_mutex_unlock(&world.lock);
	return fd;
}

/* --------------------------------------------------------------- calls */

/*
 * The errnos a vhost device answers with, and those of the other files a
 * racing closer may have put under the number meanwhile.  Anything else
 * (EIO, ENOENT, a positive return) is a finding.
 */
static bool errno_ok(int e)
{
	switch (e) {
	case EFAULT: case EINVAL: case EPERM: case EBUSY: case ENOBUFS:
	case E2BIG: case EOPNOTSUPP: case EBADF: case ENOTSOCK: case ENOTTY:
	case ENOMEM: case EINTR: case ENOSPC: case EAGAIN: case EEXIST:
	case ENXIO: case ENODEV: case EACCES: case ENOSYS:
		return true;
	}
	return false;
}

static void report(const char *what, long ret, int e)
{
	unexpected++;
	if (reported++ < 20)
		fprintf(stderr, "vhx-fuzz: %s returned %ld (%s)\n", what, ret,
			ret < 0 ? strerror(e) : "not 0");
}

/* One ioctl, checked: 0 or -errno. */
static int fz_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
	long ret;
	int e;

	calls++;
	ret = ioctl(fd, req, arg);
	e = errno;
	if (ret > 0 || (ret < 0 && !errno_ok(e)))
		report(what, ret, e);
	return ret < 0 ? -e : 0;
}

/* An argument pointer: usually @p, sometimes one the kernel must refuse. */
static void *argp(struct rng *r, void *p, size_t len)
{
	return chance(r, 92) ? p : bad_ptr(r, len);
}

static unsigned int pick_index(struct rng *r)
{
	return chance(r, 85) ? rbelow(r, 2) : (unsigned int)edge_u64(r);
}

static unsigned int pick_num(struct rng *r)
{
	return chance(r, 70) ? 1u << rbelow(r, 11) : (unsigned int)edge_u64(r);
}

/* A ring base: fresh, a split index, a packed position with wrap bits. */
static unsigned int pick_base(struct rng *r, bool packed)
{
	if (chance(r, 50))
		return packed ? 0x80008000u : 0;
	if (chance(r, 50))
		return rbelow(r, 0x10000) | (chance(r, 50) ? 0x8000 : 0) |
		       (unsigned int)rbelow(r, 0x10000) << 16;
	return (unsigned int)edge_u64(r);
}

/* ------------------------------------------------- the device ioctls */

struct ctx {
	struct rng r;
	bool child;		/* a forked non-owner */
};

static uint64_t features_of(enum kind kind)
{
	/* What the devices offer; a subset of it, or anything at all. */
	return kind == K_NET ? 0x170009f008000ULL : 0x13d000000ULL;
}

static uint64_t pick_features(struct rng *r, enum kind kind)
{
	uint64_t f = features_of(kind);

	if (chance(r, 80))
		return f & rnext(r);
	return edge_u64(r);
}

/* A memory table: mostly the arena in pieces, with every defect there is. */
static struct vhx_memory *pick_table(struct rng *r, bool sane)
{
	unsigned int n = sane ? 1 + rbelow(r, 8) :
			 chance(r, 90) ? rbelow(r, 12) :
			 (unsigned int)(chance(r, 50) ? 509 + rbelow(r, 3) : edge_u64(r));
	unsigned int alloc = n > 600 ? 1 : n, i;
	struct vhx_memory *m = calloc(1, sizeof(*m) + alloc * sizeof(m->regions[0]));
	uint64_t piece = ARENA_SIZE / (n ? n : 1) & ~4095ULL;

	if (!m)
		return NULL;
	m->nregions = n;
	if (!sane && chance(r, 3))
		m->padding = 1;
	for (i = 0; i < alloc; i++) {
		struct vhx_memory_region *g = &m->regions[i];

		/* The arena in order, gpa = GPA_BASE + offset. */
		g->guest_phys_addr = GPA_BASE + i * piece;
		g->memory_size = piece;
		g->userspace_addr = (uintptr_t)arena + i * piece;
		if (sane)
			continue;
		switch (rbelow(r, 14)) {
		case 0:
			g->memory_size = edge_u64(r);
			break;
		case 1:
			g->guest_phys_addr = pick_gpa(r);
			break;
		case 2:
			g->userspace_addr = pick_hva(r, g->memory_size, 1);
			break;
		case 3:		/* overlaps the one before */
			if (i)
				g->guest_phys_addr -= piece / 2;
			break;
		case 4:		/* 4 GiB, never populated */
			g->guest_phys_addr = 0x100000000ULL * (1 + rbelow(r, 4));
			g->userspace_addr = (uintptr_t)huge;
			g->memory_size = HUGE_SIZE;
			break;
		case 5:
			g->memory_size = 0;
			break;
		case 6:		/* unaligned */
			g->userspace_addr += 1 + rbelow(r, 4095);
			g->guest_phys_addr += rbelow(r, 4096);
			break;
		case 7:		/* a hole between regions */
			g->guest_phys_addr += piece * 2;
			break;
		}
		/*
		 * A user range we did not reserve is one the device could
		 * write into our own state: make it a kernel address, which
		 * the device must refuse.  So is a guest range whose dirty
		 * bits would land past our reservation.
		 */
		if (g->userspace_addr < 0x800000000000ULL &&
		    !ours_to_hand(g->userspace_addr, g->memory_size))
			g->userspace_addr = kernel_addr(r);
		if (g->guest_phys_addr < (1ULL << 62) &&
		    (g->guest_phys_addr >= GPA_LIMIT ||
		     g->memory_size > GPA_LIMIT - g->guest_phys_addr))
			g->memory_size = chance(r, 50) ? GPA_LIMIT - g->guest_phys_addr :
							 ~0ULL - g->guest_phys_addr + 1;
	}
	return m;
}

static void do_mem_table(struct ctx *c, int fd, bool sane)
{
	struct vhx_memory *m = pick_table(&c->r, sane);

	if (!m)
		return;
	fz_ioctl(fd, VHX_SET_MEM_TABLE,
		 argp(&c->r, m, sizeof(*m) + sizeof(m->regions[0])), "SET_MEM_TABLE");
	free(m);
}

static void do_vring_addr(struct ctx *c, int fd, unsigned int idx,
			  unsigned int num, bool packed, bool sane)
{
	struct rng *r = &c->r;
	size_t dsz = (size_t)(num ? num : 1) * 16;
	struct vhx_vring_addr a;

	if (num > 32768)
		sane = false;
	a = (struct vhx_vring_addr){
		.index = idx,
		.desc_user_addr = sane ? (uintptr_t)arena + (rbelow(r, ARENA_SIZE - dsz) & ~15ULL) :
			pick_hva(r, dsz, 16),
		.avail_user_addr = sane ? (uintptr_t)arena + (rbelow(r, ARENA_SIZE - 65536) & ~3ULL) :
			pick_hva(r, 6 + 2 * num, 2),
		.used_user_addr = sane ? (uintptr_t)arena + (rbelow(r, ARENA_SIZE - 600000) & ~3ULL) :
			pick_hva(r, 6 + 8 * num, 4),
		.log_guest_addr = chance(r, 70) ? GPA_BASE + (rbelow(r, ARENA_SIZE) & ~3ULL) :
			pick_gpa(r),
		.flags = chance(r, 80) ? (chance(r, 30) ? 1u << VHX_VRING_F_LOG : 0) :
			(unsigned int)edge_u64(r),
	};

	if (!fz_ioctl(fd, VHX_SET_VRING_ADDR, argp(r, &a, sizeof(a)), "SET_VRING_ADDR"))
		record_ring(a.desc_user_addr, a.avail_user_addr, a.used_user_addr,
			    num, packed);
}

static void do_vring_state(struct ctx *c, int fd, unsigned long req,
			   unsigned int idx, unsigned int num, const char *what)
{
	struct vhx_vring_state s = { idx, num };

	fz_ioctl(fd, req, argp(&c->r, &s, sizeof(s)), what);
}

static void do_vring_file(struct ctx *c, int fd, unsigned long req,
			  unsigned int idx, int efd, const char *what)
{
	struct vhx_vring_file f = { idx, efd };

	fz_ioctl(fd, req, argp(&c->r, &f, sizeof(f)), what);
}

/*
 * A whole setup that a launcher would do, in its order, so that the
 * rings run and the scribbler's descriptors are served; a few of its
 * values may still be off.
 */
static void do_setup(struct ctx *c, int fd, enum kind kind, int idx)
{
	struct rng *r = &c->r;
	bool sane = chance(r, 80);
	uint64_t f = features_of(kind) & rnext(r);
	bool packed = f & (1ULL << VIRTIO_F_RING_PACKED);
	unsigned int q;

	if (!fz_ioctl(fd, VHX_SET_OWNER, NULL, "SET_OWNER") && !c->child)
		world.s[idx].owned = true;
	if (chance(r, 30))
		f |= 1ULL << VHX_F_LOG_ALL;
	if (f & (1ULL << VHX_F_LOG_ALL)) {
		uint64_t base = chance(r, 70) ?
			(uintptr_t)arena + ARENA_SIZE / 2 + rbelow(r, 4096) :
			pick_hva(r, 4096, 1);

		fz_ioctl(fd, VHX_SET_LOG_BASE, &base, "SET_LOG_BASE");
	}
	do_mem_table(c, fd, sane);
	fz_ioctl(fd, VHX_SET_FEATURES, &f, "SET_FEATURES");
	for (q = 0; q < 2; q++) {
		unsigned int num = sane ? 1u << rbelow(r, 9) : pick_num(r);

		do_vring_state(c, fd, VHX_SET_VRING_NUM, q, num, "SET_VRING_NUM");
		do_vring_state(c, fd, VHX_SET_VRING_BASE, q,
			       packed ? 0x80008000u : 0, "SET_VRING_BASE");
		do_vring_addr(c, fd, q, num, packed, sane);
		do_vring_file(c, fd, VHX_SET_VRING_KICK, q, pick_fd(r, K_EVENTFD),
			      "SET_VRING_KICK");
		do_vring_file(c, fd, VHX_SET_VRING_CALL, q, pick_fd(r, K_EVENTFD),
			      "SET_VRING_CALL");
		if (chance(r, 50))
			do_vring_file(c, fd, VHX_SET_VRING_ERR, q,
				      pick_fd(r, K_EVENTFD), "SET_VRING_ERR");
	}
	for (q = 0; q < 2; q++) {
		if (kind == K_NET)
			do_vring_file(c, fd, VHX_NET_SET_BACKEND, q,
				      pick_fd(r, chance(r, 80) ? K_TAP : K_PACKET),
				      "NET_SET_BACKEND");
		else
			do_vring_file(c, fd, VHX_TEST_SET_BACKEND, q, 0,
				      "TEST_SET_BACKEND");
	}
}

static void do_features(struct ctx *c, int fd, enum kind kind)
{
	struct rng *r = &c->r;
	/*
	 * The feature arrays: count words after the count, which the kernel
	 * reads or writes as far as the count says.  At the end of the
	 * arena, a huge count runs into the inaccessible megabyte, not
	 * over our stack.
	 */
	uint64_t *buf = (uint64_t *)(arena + ARENA_SIZE) - 6, w[3], f;

	switch (rbelow(r, 6)) {
	case 0:
		fz_ioctl(fd, VHX_GET_FEATURES, argp(r, &f, 8), "GET_FEATURES");
		break;
	case 1:
		f = pick_features(r, kind);
		fz_ioctl(fd, VHX_SET_FEATURES, argp(r, &f, 8), "SET_FEATURES");
		break;
	case 2:
		/* A count of the buffer's size, or anything: the rest faults. */
		w[0] = chance(r, 70) ? rbelow(r, 6) : edge_u64(r);
		guest_write(buf, w, 8);
		fz_ioctl(fd, VHX_GET_FEATURES_ARRAY, argp(r, buf, 8), "GET_FEATURES_ARRAY");
		break;
	case 3:
		w[0] = chance(r, 70) ? rbelow(r, 6) : edge_u64(r);
		w[1] = pick_features(r, kind);
		w[2] = chance(r, 80) ? 0 : rnext(r);
		guest_write(buf, w, sizeof(w));
		fz_ioctl(fd, VHX_SET_FEATURES_ARRAY, argp(r, buf, 8), "SET_FEATURES_ARRAY");
		break;
	case 4:
		fz_ioctl(fd, VHX_GET_BACKEND_FEATURES, argp(r, &f, 8),
			 "GET_BACKEND_FEATURES");
		break;
	default:
		f = chance(r, 50) ? 1ULL << VHX_BACKEND_F_IOTLB_MSG_V2 : edge_u64(r);
		fz_ioctl(fd, VHX_SET_BACKEND_FEATURES, argp(r, &f, 8),
			 "SET_BACKEND_FEATURES");
	}
}

/* Anything else: an unknown number of vhost's type, or of any type. */
static void do_random_ioctl(struct ctx *c, int fd)
{
	struct rng *r = &c->r;
	uint8_t buf[512];
	unsigned long req;

	memset(buf, 0, sizeof(buf));
	/* vhost's type only: a number of another type may mean anything
	 * to whatever file the closer put under the fd. */
	req = _IOC(rbelow(r, 4), VHX_VIRTIO, rbelow(r, 256), rbelow(r, 256));
	calls++;
	if (ioctl(fd, req, argp(r, buf, sizeof(buf))) > 0)
		report("an unknown ioctl", 1, 0);
}

/* read, write (vhost's IOTLB messages), poll, mmap on the device fd. */
static void do_file_ops(struct ctx *c, int fd)
{
	struct rng *r = &c->r;
	uint8_t buf[128] = { 0 };
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	void *m;

	ssize_t n;

	calls++;
	switch (rbelow(r, 4)) {
	case 0:
		n = read(fd, argp(r, buf, sizeof(buf)), rbelow(r, sizeof(buf)));
		(void)n;
		break;
	case 1:
		n = write(fd, argp(r, buf, sizeof(buf)), rbelow(r, sizeof(buf)));
		(void)n;
		break;
	case 2:
		poll(&p, 1, 0);
		break;
	default:
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED)
			munmap(m, 4096);
	}
}

/*
 * The grammar's weights, per call on a device.  Owner changes are rarer
 * than the rest: each makes or stops a worker, which costs a hundred
 * calls' time, and what runs between them is what finds bugs.
 */
static const unsigned char call_weights[] = {
	3,	/* 0 SET_OWNER */
	1,	/* 1 RESET_OWNER */
	12,	/* 2 features */
	10,	/* 3 SET_MEM_TABLE */
	5,	/* 4 SET_LOG_BASE */
	5,	/* 5 SET_LOG_FD */
	8,	/* 6 SET_VRING_NUM */
	8,	/* 7 SET_VRING_ADDR */
	8,	/* 8 SET/GET_VRING_BASE */
	10,	/* 9 SET_VRING_KICK/CALL/ERR */
	4,	/* 10 busyloop timeout */
	6,	/* 11 backends */
	3,	/* 12 a whole setup */
	6,	/* 13 an unknown ioctl */
	3,	/* 14 read, write, poll, mmap */
};

static unsigned int pick_call(struct rng *r)
{
	unsigned int i, sum = 0, k;

	for (i = 0; i < sizeof(call_weights); i++)
		sum += call_weights[i];
	k = rbelow(r, sum);
	for (i = 0; k >= call_weights[i]; i++)
		k -= call_weights[i];
	return i;
}

/* One call on a device, its kind drawn from the grammar. */
static void do_device_call(struct ctx *c, int fd, enum kind kind, int idx)
{
	struct rng *r = &c->r;
	unsigned int q = pick_index(r);
	uint64_t v;
	int run;

	switch (pick_call(r)) {
	case 0:
		current_op = "SET_OWNER";
		if (!fz_ioctl(fd, VHX_SET_OWNER, NULL, "SET_OWNER") && !c->child)
			world.s[idx].owned = true;
		break;
	case 1:
		current_op = "RESET_OWNER";
		if (!fz_ioctl(fd, VHX_RESET_OWNER, NULL, "RESET_OWNER") && !c->child)
			world.s[idx].owned = false;
		break;
	case 2:
		current_op = "features";
		do_features(c, fd, kind);
		break;
	case 3:
		current_op = "SET_MEM_TABLE";
		do_mem_table(c, fd, chance(r, 50));
		break;
	case 4:
		current_op = "SET_LOG_BASE";
		v = pick_hva(r, 1 << 16, 1);
		fz_ioctl(fd, VHX_SET_LOG_BASE, argp(r, &v, 8), "SET_LOG_BASE");
		break;
	case 5:
		current_op = "SET_LOG_FD";
		run = pick_fd(r, K_EVENTFD);
		fz_ioctl(fd, VHX_SET_LOG_FD, argp(r, &run, 4), "SET_LOG_FD");
		break;
	case 6:
		current_op = "SET_VRING_NUM";
		do_vring_state(c, fd, VHX_SET_VRING_NUM, q, pick_num(r), "SET_VRING_NUM");
		break;
	case 7:
		current_op = "SET_VRING_ADDR";
		do_vring_addr(c, fd, q, pick_num(r), chance(r, 50), chance(r, 50));
		break;
	case 8:
		current_op = "VRING_BASE";
		do_vring_state(c, fd, chance(r, 50) ? VHX_SET_VRING_BASE :
			       VHX_GET_VRING_BASE, q, pick_base(r, chance(r, 50)),
			       "SET/GET_VRING_BASE");
		break;
	case 9:
		current_op = "VRING_FILE";
		do_vring_file(c, fd, (unsigned long[]){ VHX_SET_VRING_KICK,
			      VHX_SET_VRING_CALL, VHX_SET_VRING_ERR }[rbelow(r, 3)],
			      q, pick_fd(r, chance(r, 80) ? K_EVENTFD : K_NONE),
			      "SET_VRING_KICK/CALL/ERR");
		break;
	case 10:
		current_op = "BUSYLOOP";
		do_vring_state(c, fd, chance(r, 50) ? VHX_SET_VRING_BUSYLOOP_TIMEOUT :
			       VHX_GET_VRING_BUSYLOOP_TIMEOUT, q,
			       chance(r, 80) ? rbelow(r, 100) : (unsigned int)edge_u64(r),
			       "BUSYLOOP_TIMEOUT");
		break;
	case 11:
		current_op = "backend";
		if (kind == K_NET) {
			do_vring_file(c, fd, VHX_NET_SET_BACKEND, q,
				      pick_fd(r, chance(r, 60) ? K_TAP : K_NONE),
				      "NET_SET_BACKEND");
		} else if (chance(r, 50)) {
			run = chance(r, 80) ? (int)rbelow(r, 2) : (int)edge_u64(r);
			fz_ioctl(fd, VHX_TEST_RUN, argp(r, &run, 4), "TEST_RUN");
		} else {
			do_vring_file(c, fd, VHX_TEST_SET_BACKEND, q,
				      chance(r, 70) ? 0 : -1, "TEST_SET_BACKEND");
		}
		break;
	case 12:
		current_op = "setup";
		do_setup(c, fd, kind, idx);
		break;
	case 13:
		current_op = "random ioctl";
		do_random_ioctl(c, fd);
		break;
	default:
		current_op = "file ops";
		do_file_ops(c, fd);
	}
}

/* --------------------------------------------- children: non-owners */

static bool owner_only(unsigned long req)
{
	switch (req) {
	case VHX_GET_FEATURES: case VHX_SET_FEATURES:
	case VHX_GET_FEATURES_ARRAY: case VHX_SET_FEATURES_ARRAY:
	case VHX_GET_BACKEND_FEATURES: case VHX_SET_BACKEND_FEATURES:
	case VHX_SET_OWNER:
		return false;
	}
	return true;
}

/*
 * A forked child, with the parent's fds: every owner-only ioctl on a
 * device must get EPERM, whatever its argument (a device is owned by an
 * address space, and the child's is its own).  SET_OWNER comes last, once:
 * a device the child took is no longer one it does not own, and a slot
 * does not tell which device it is (the closer dup2()s them).
 */
static void child_main(uint64_t seed, struct slot *snap)
{
	static const unsigned long reqs[] = {
		VHX_RESET_OWNER, VHX_SET_MEM_TABLE,
		VHX_SET_LOG_BASE, VHX_SET_LOG_FD, VHX_SET_VRING_NUM,
		VHX_SET_VRING_ADDR, VHX_SET_VRING_BASE, VHX_GET_VRING_BASE,
		VHX_SET_VRING_KICK, VHX_SET_VRING_CALL, VHX_SET_VRING_ERR,
		VHX_NET_SET_BACKEND, VHX_TEST_RUN, VHX_TEST_SET_BACKEND,
		VHX_GET_FEATURES, VHX_SET_FEATURES, VHX_GET_BACKEND_FEATURES,
		VHX_SET_VRING_BUSYLOOP_TIMEOUT, VHX_GET_VRING_BUSYLOOP_TIMEOUT,
	};
	struct ctx c = { .r = { seed }, .child = true };
	uint8_t buf[256];
	unsigned int i;

	for (i = 0; i < 50; i++) {
		struct slot *s = &snap[rbelow(&c.r, NSLOTS)];
		unsigned long req = reqs[rbelow(&c.r, sizeof(reqs) / sizeof(reqs[0]))];
		long ret;

		if (s->kind != K_NET && s->kind != K_TEST)
			continue;
		memset(buf, 0, sizeof(buf));
		for (unsigned int j = 0; j < sizeof(buf); j++)
			buf[j] = chance(&c.r, 80) ? 0 : (uint8_t)rnext(&c.r);
		if (req == VHX_SET_FEATURES)
			memset(buf, 0, 8);	/* nothing that changes a running ring */
		ret = ioctl(s->fd, req, argp(&c.r, buf, sizeof(buf)));
		if (owner_only(req) && !(ret < 0 && errno == EPERM)) {
			char msg[160];
			int n = snprintf(msg, sizeof(msg),
					 "vhx-fuzz: child: ioctl %#lx by a non-owner returned %ld (%s), not EPERM\n",
					 req, ret, ret < 0 ? strerror(errno) : "ok");

			if (write(2, msg, n) < 0)
				_exit(3);
			_exit(2);
		}
		if (chance(&c.r, 10)) {
			close(s->fd);	/* a close point in the child */
			s->kind = K_NONE;
		}
	}
	/* Taking a device, now or never: EBUSY if it is owned. */
	for (i = 0; i < NSLOTS; i++)
		if ((snap[i].kind == K_NET || snap[i].kind == K_TEST) &&
		    chance(&c.r, 20))
			ioctl(snap[i].fd, VHX_SET_OWNER, NULL);
	_exit(0);
}

static pid_t kids[16];
static unsigned long kill_at[16];	/* SIGKILL once calls reach it; 0: never */

static void do_fork(struct ctx *c)
{
	struct slot snap[NSLOTS];
	unsigned int i;
	pid_t pid;

	for (i = 0; i < 16 && kids[i]; i++)
		;
	if (i == 16)
		return;
	pthread_mutex_lock(&world.lock);
	memcpy(snap, world.s, sizeof(snap));
	pid = fork();
	if (pid == 0)
		child_main(rnext(&c->r), snap);
	pthread_mutex_unlock(&world.lock);
	if (pid < 0)
		return;
	children++;
	kids[i] = pid;
	/* Some die halfway, a few calls of ours from now (never waited for). */
	kill_at[i] = chance(&c->r, 40) ? calls + 1 + rbelow(&c->r, 5) : 0;
}

static void kill_due(void)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (kids[i] && kill_at[i] && calls >= kill_at[i]) {
			kill(kids[i], SIGKILL);
			kill_at[i] = 0;
			kills++;
		}
	}
}

/* Collect children; with @all, wait for every one. */
static void reap(bool all)
{
	unsigned int i;
	int st;

	for (i = 0; i < 16; i++) {
		if (!kids[i])
			continue;
		if (waitpid(kids[i], &st, all ? 0 : WNOHANG) != kids[i])
			continue;
		kids[i] = 0;
		if (WIFEXITED(st) && WEXITSTATUS(st)) {
			unexpected++;
			fprintf(stderr, "vhx-fuzz: a non-owner child failed (exit %d)\n",
				WEXITSTATUS(st));
		}
	}
}

/* ------------------------------------- the scribbler and the closer */

static atomic_bool threads_stop;

/* Plausible descriptors and indexes, or garbage, into a ring in use. */
static void scribble(struct rng *r)
{
	struct ringrec g;
	uint8_t buf[64];
	unsigned int i, n;
	uint64_t at;

	pthread_mutex_lock(&rings_lock);
	g = rings[rbelow(r, NRINGS)];
	pthread_mutex_unlock(&rings_lock);
	if (!g.desc || !g.num || g.num > 32768)
		return;
	n = 1 + rbelow(r, 8);
	for (i = 0; i < n; i++) {
		struct {
			uint64_t addr;
			uint32_t len;
			uint16_t flags, next;
		} d = {
			.addr = chance(r, 80) ? GPA_BASE + rbelow(r, ARENA_SIZE) :
				edge_u64(r),
			/* Mostly buffers; some of any length (the device
			 * refuses or serves them, at its cost). */
			.len = chance(r, 97) ? rbelow(r, 4096) : (uint32_t)edge_u64(r),
			.flags = chance(r, 70) ? rbelow(r, 8) : (uint16_t)rnext(r),
			.next = chance(r, 80) ? rbelow(r, g.num) : (uint16_t)rnext(r),
		};

		if (g.packed && chance(r, 50))	/* avail and used bits: this lap */
			d.flags = (d.flags & 7) | (chance(r, 70) ? 1u << 7 : 1u << 15);
		guest_write((void *)(uintptr_t)(g.desc + 16 * rbelow(r, g.num)), &d,
			    sizeof(d));
	}
	if (!g.packed) {
		uint16_t head = rbelow(r, g.num), idx;

		/* A head into the ring, then the index forward. */
		at = g.avail + 4 + 2 * rbelow(r, g.num);
		guest_write((void *)(uintptr_t)at, &head, 2);
		idx = chance(r, 90) ? (uint16_t)rbelow(r, 65536) : 0;
		if (process_vm_readv(getpid(),
				     &(struct iovec){ &idx, 2 }, 1,
				     &(struct iovec){ (void *)(uintptr_t)(g.avail + 2), 2 },
				     1, 0) == 2)
			idx += 1 + rbelow(r, chance(r, 90) ? 4 : 65536);
		guest_write((void *)(uintptr_t)(g.avail + 2), &idx, 2);
	}
	if (chance(r, 10)) {	/* garbage anywhere in the ring */
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = rnext(r);
		at = (chance(r, 50) ? g.used : g.avail) + rbelow(r, 64);
		guest_write((void *)(uintptr_t)at, buf, 1 + rbelow(r, sizeof(buf)));
	}
}

/* Kick an eventfd, or feed a tap a frame through a packet socket. */
static void kick_or_feed(struct rng *r)
{
	uint8_t frame[1514];
	uint64_t one = 1;
	int fd;

	/* Not our stdio: a kick is 8 binary bytes. */
	if (chance(r, 75)) {
		fd = pick_fd(r, K_EVENTFD);
		if (fd > 2 && write(fd, &one, 8) < 0)
			return;
		return;
	}
	fd = pick_fd(r, K_PACKET);
	if (fd <= 2)
		return;
	memset(frame, 0, 14);
	frame[0] = 0x02;		/* a local unicast */
	frame[6] = 0x02;
	frame[12] = 0x88;
	frame[13] = 0xb5;
	send(fd, frame, 60 + rbelow(r, sizeof(frame) - 60), MSG_DONTWAIT);
}

/* Guest memory made inaccessible, or replaced, under running rings. */
static void churn(struct rng *r)
{
	uint8_t *p = arena + rbelow(r, ARENA_SIZE / PIECE) * PIECE;

	if (chance(r, 50)) {
		mprotect(p, PIECE, PROT_NONE);
		usleep(rbelow(r, 500));
		mprotect(p, PIECE, PROT_READ | PROT_WRITE);
	} else {
		mmap(p, PIECE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
}

static void scribbler_step(struct rng *r)
{
	unsigned int k = rbelow(r, 100);

	if (k < 50)
		scribble(r);
	else if (k < 97)
		kick_or_feed(r);
	else
		churn(r);
}

/* Close, dup2() over, or reopen an fd the main thread may be using. */
static void closer_step(struct rng *r)
{
	static const enum kind fresh[] = { K_EVENTFD, K_EVENTFD, K_EVENTFD,
		K_NET, K_TEST, K_TAP, K_PACKET, K_PIPE, K_FILE, K_UNIX, K_EPOLL,
		K_TIMERFD };
	struct slot *a, *b;

	pthread_mutex_lock(&world.lock);
	a = &world.s[rbelow(r, NSLOTS)];
	b = &world.s[rbelow(r, NSLOTS)];
	switch (rbelow(r, 4)) {
	case 0:
		slot_close(a);
		break;
	case 1:		/* b's number now means a's file */
		if (a != b && a->kind != K_NONE && b->kind != K_NONE &&
		    a->kind != K_TAP && b->kind != K_TAP &&
		    dup2(a->fd, b->fd) == b->fd) {
			b->kind = a->kind;
			b->owned = a->owned;
			b->ifindex = a->ifindex;
		}
		break;
	default:
		slot_open(r, fresh[rbelow(r, sizeof(fresh) / sizeof(fresh[0]))]);
	}
	pthread_mutex_unlock(&world.lock);
}

struct thread_arg {
	uint64_t seed;
	void (*step)(struct rng *r);
	unsigned int pause_us;
};

static void *thread_fn(void *p)
{
	struct thread_arg *a = p;
	struct rng r = { a->seed };

	while (!threads_stop) {
		a->step(&r);
		if (a->pause_us)
			usleep(rbelow(&r, a->pause_us));
	}
	return NULL;
}

/* -------------------------------------------------------------- rounds */

static void world_open(struct rng *r)
{
	unsigned int i;

	pthread_mutex_lock(&world.lock);
	for (i = 0; i < NSLOTS; i++)
		world.s[i] = (struct slot){ .fd = -1 };
	for (i = 0; i < 8; i++)
		slot_open(r, K_EVENTFD);
	for (i = 0; i < 2; i++)
		slot_open(r, K_TAP);
	slot_open(r, K_PACKET);
	for (i = 0; i < 2; i++) {
		slot_open(r, K_NET);
		slot_open(r, K_TEST);
	}
	slot_open(r, (enum kind)(K_PIPE + rbelow(r, K_KINDS - K_PIPE)));
	pthread_mutex_unlock(&world.lock);
	memset(rings, 0, sizeof(rings));
}

static void world_close(void)
{
	unsigned int i;

	pthread_mutex_lock(&world.lock);
	for (i = 0; i < NSLOTS; i++)
		slot_close(&world.s[i]);
	world.ntaps = 0;
	pthread_mutex_unlock(&world.lock);
	/* Guest memory back as it was. */
	mmap(arena, ARENA_SIZE, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

/* One round: a fresh world, @n calls on it, everything closed. */
static void round_run(uint64_t seed, unsigned long n, bool single)
{
	struct ctx c = { .r = { seed } };
	struct thread_arg sa = { mix(seed, 1), scribbler_step, 1000 };
	struct thread_arg ca = { mix(seed, 2), closer_step, 10000 };
	struct rng sr = { sa.seed }, cr = { ca.seed };
	pthread_t st, ct;
	unsigned long start = calls;

	world_open(&c.r);
	threads_stop = false;
	if (!single) {
		pthread_create(&st, NULL, thread_fn, &sa);
		pthread_create(&ct, NULL, thread_fn, &ca);
	}
	while (calls - start < n) {
		unsigned int k = rbelow(&c.r, 100);
		enum kind kind;
		int fd, idx;

		progress++;
		if (single) {
			/* The threads' work, in line. */
			scribbler_step(&sr);
			if (chance(&c.r, 10))
				closer_step(&cr);
		}
		if (k < 1) {
			current_op = "fork";
			do_fork(&c);
		} else if (k < 5) {
			current_op = "open";
			pthread_mutex_lock(&world.lock);
			slot_open(&c.r, chance(&c.r, 50) ? K_NET : K_TEST);
			pthread_mutex_unlock(&world.lock);
		} else if (k < 7) {
			current_op = "close";
			pthread_mutex_lock(&world.lock);
			slot_close(&world.s[rbelow(&c.r, NSLOTS)]);
			pthread_mutex_unlock(&world.lock);
		} else if (k < 10) {
			current_op = "new fd";
			pthread_mutex_lock(&world.lock);
			slot_open(&c.r, (enum kind)(K_EVENTFD + rbelow(&c.r, K_KINDS - K_EVENTFD)));
			pthread_mutex_unlock(&world.lock);
		} else {
			fd = pick_dev(&c.r, &kind, &idx);
			if (fd < 0) {
				calls++;	/* a round with no device left */
				continue;
			}
			do_device_call(&c, fd, kind, idx);
		}
		kill_due();
		reap(false);
	}
	threads_stop = true;
	if (!single) {
		pthread_join(st, NULL);
		pthread_join(ct, NULL);
	}
	current_op = "end of round";
	for (unsigned int i = 0; i < 16; i++)
		if (kids[i])
			kill(kids[i], SIGKILL);
	reap(true);
	world_close();
}

/* Up to @size - 1 bytes of a small file, 0-terminated; its length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

/*
 * Where every vhx worker is, in the kernel: on a single CPU a worker that
 * is not running right now has a stable stack to read, even one that
 * spins (it was preempted).
 */
static void dump_workers(void)
{
	char path[600], buf[4096];
	struct dirent *p, *t;
	DIR *pd = opendir("/proc"), *td;
	ssize_t n;

	while (pd && (p = readdir(pd))) {
		snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
		td = opendir(path);
		while (td && (t = readdir(td))) {
			snprintf(path, sizeof(path), "/proc/%s/task/%s/comm",
				 p->d_name, t->d_name);
			n = read_small(path, buf, sizeof(buf));
			if (n < 4 || strncmp(buf, "vhx-", 4) || !strncmp(buf, "vhx-f", 5) ||
			    !strncmp(buf, "vhx-k", 5))
				continue;
			fprintf(stderr, "vhx-fuzz: worker %s/%s %s", p->d_name,
				t->d_name, buf);
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stack",
				 p->d_name, t->d_name);
			if (read_small(path, buf, sizeof(buf)) > 0)
				fprintf(stderr, "%s", buf);
		}
		if (td)
			closedir(td);
	}
	if (pd)
		closedir(pd);
}

/* A call that blocks for a minute is a finding: the owner cannot recover. */
static void *watchdog_fn(void *p)
{
	unsigned long last = 0, same = 0;

	(void)p;
	for (;;) {
		sleep(1);
		if (progress != last) {
			last = progress;
			same = 0;
			continue;
		}
		if (++same == 60) {
			fprintf(stderr, "vhx-fuzz: no progress for 60 s, in %s\n",
				current_op);
			dump_workers();
			printf("FAIL: vhx-fuzz: a call blocked for 60 s (%s)\n",
			       current_op);
			fflush(stdout);
			_exit(3);
		}
	}
	return NULL;
}

/*
 * A fault of ours may be the kernel's doing (a device writing where it was
 * not told to): say where, in which call, before dying.
 */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	char msg[200];
	void *bt[32];
	int n;

	(void)uc;
	n = snprintf(msg, sizeof(msg),
		     "vhx-fuzz: signal %d at address %p during %s; arena %p, huge %p\n",
		     sig, si->si_addr, current_op, (void *)arena, (void *)huge);
	if (write(2, msg, n) < 0)
		_exit(4);
	n = backtrace(bt, 32);
	backtrace_symbols_fd(bt, n, 2);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vhx-fuzz [options]\n"
		"  --seed N         the run's seed (default: from the clock); rounds\n"
		"                   print their own, which replay them\n"
		"  --calls N        stop after N calls (default 100000)\n"
		"  --seconds S      ... or after S seconds, whichever first\n"
		"  --round-calls N  calls per round, each a fresh world (default 5000)\n"
		"  --device net|test|both  (default both)\n"
		"  --single         no threads: the scribbler and closer run in line\n"
		"  --quiet          no line per round; progress every 60 s, not 10\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "calls", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 't' },
		{ "round-calls", required_argument, NULL, 'r' },
		{ "device", required_argument, NULL, 'd' },
		{ "single", no_argument, NULL, '1' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long max_calls = 100000, round_calls = 5000, rounds = 0;
	double seconds = 0, t0, last;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	bool single = false;
	pthread_t wd;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'c': max_calls = strtoul(optarg, NULL, 0); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'r': round_calls = strtoul(optarg, NULL, 0); break;
		case 'd':
			use_dev[0] = strcmp(optarg, "test");
			use_dev[1] = strcmp(optarg, "net");
			break;
		case '1': single = true; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!round_calls) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa = { .sa_sigaction = on_fault,
					.sa_flags = SA_SIGINFO };

		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
	}
	ret = memory_init();
	if (ret) {
		result(false, "vhx-fuzz: guest memory: %s", strerror(-ret));
		return 1;
	}
	pthread_create(&wd, NULL, watchdog_fn, NULL);
	printf("vhx-fuzz: seed %#llx, %lu calls%s, rounds of %lu\n",
	       (unsigned long long)seed, max_calls,
	       seconds > 0 ? " or the time given" : "", round_calls);
	fflush(stdout);
	t0 = last = now();
	while (calls < max_calls && (seconds <= 0 || now() - t0 < seconds)) {
		uint64_t rs = mix(seed, rounds);
		unsigned long n = max_calls - calls < round_calls ?
				  max_calls - calls : round_calls;

		/* The first round replays with --seed of the run itself. */
		if (!rounds)
			rs = seed;
		if (!quiet)
			printf("vhx-fuzz: round %lu: --seed %#llx --calls %lu\n",
			       rounds, (unsigned long long)rs, n);
		fflush(stdout);
		round_run(rs, n, single);
		rounds++;
		if (now() - last >= (quiet ? 60 : 10)) {
			last = now();
			printf("vhx-fuzz: %lu calls, %lu rounds, %.0f calls/s, %lu children (%lu killed), last round --seed %#llx\n",
			       (unsigned long)calls, rounds, calls / (last - t0),
			       (unsigned long)children, (unsigned long)kills,
			       (unsigned long long)rs);
			fflush(stdout);
		}
	}
	result(!unexpected,
	       "vhx-fuzz seed %#llx: %lu calls in %.0f s (%.0f calls/s), %lu rounds, %lu non-owner children (%lu killed), %lu unexpected results",
	       (unsigned long long)seed, (unsigned long)calls, now() - t0,
	       calls / (now() - t0), rounds, (unsigned long)children,
	       (unsigned long)kills, (unsigned long)unexpected);
	return failures ? 1 : 0;
}
