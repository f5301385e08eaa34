/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kick-to-used loop of a device that serves one chain at a time: the
 * test device in the kernel (test.c), and the unit tests and the fuzzer
 * in userspace, which so run the very loop the kernel does.
 *
 * Inline, with its three steps passed as functions: each user's steps are
 * known where it calls the loop, so the compiler puts them in place and
 * the data path makes no indirect call.
 */
#ifndef _VHX_RING_SERVE_H
#define _VHX_RING_SERVE_H

#include "ring.h"

/* What a run of vhx_ring_serve() gave back to the guest. */
struct vhx_ring_served {
	unsigned int chains;
	u64 bytes;		/* read from them and written into them */
};

struct vhx_ring_server {
	/*
	 * Serve chain @c: 0 with what was written into its writable buffers
	 * in *written, or a negative errno to put it back and stop.
	 */
	int (*chain)(void *arg, const struct vhx_chain *c, u32 *written);
	/*
	 * The ring ran dry: true to go on (more came meanwhile), false to
	 * stop until the next kick.  vhx_ring_idle() at its simplest; the
	 * kernel may busy poll first (vhx_vq_idle()).
	 */
	bool (*idle)(void *arg);
	/*
	 * After @chains chains and @bytes bytes this run: true to stop now,
	 * for fairness (the kernel queues the run again behind the others).
	 */
	bool (*enough)(void *arg, unsigned int chains, u64 bytes);
};

/*
 * Serve @r until it runs dry, a chain fails, or the server has had
 * enough: take each chain, serve it, mark what it wrote dirty, and give it
 * back; used entries go out in batches (vhx_ring_push_used()), and all of
 * them before this returns.  Kicks stay off while we work: we are going
 * to look at the ring anyway.  What was given back is counted in @done
 * (once, at the end: counters cost nothing per chain).  Returns what the
 * last vhx_ring_get() or chain step returned: 0 (dry, or enough), or a
 * negative errno.
 */
static __always_inline int vhx_ring_serve(struct vhx_ring *r,
					  const struct vhx_ring_server *s,
					  void *arg,
					  struct vhx_ring_served *done)
{
	unsigned int chains = 0;
	struct vhx_chain c;
	u64 bytes = 0;
	u32 written;
	int ret;

	vhx_ring_assert_held(r);
	vhx_ring_disable_notify(r);
	for (;;) {
		ret = vhx_ring_get(r, &c);
		if (ret < 0)
			break;
		if (!ret) {
			if (s->idle(arg))
				continue;
			break;
		}
		ret = s->chain(arg, &c, &written);
		if (ret) {
			vhx_ring_unget(r, &c, 1);
			break;
		}
		if (r->log_base)
			vhx_ring_log_chain(r, &c, written);
		vhx_ring_push_used(r, c.id, written);
		bytes += c.out_len + written;
		if (s->enough(arg, ++chains, bytes))
			break;
	}
	vhx_ring_flush(r);
	done->chains = chains;
	done->bytes = bytes;
	return ret;
}

#endif /* _VHX_RING_SERVE_H */
