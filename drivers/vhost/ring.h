/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device side of a virtqueue: everything that reads what the guest
 * wrote into its rings.  One interface for both layouts; ring.c holds what
 * they share, ring_split.c and ring_packed.c what they do not.
 */
#ifndef _VHX_RING_H
#define _VHX_RING_H

#include "env.h"
#include "mem.h"

/* Most iovecs one chain may map to, as the kernel's UIO_MAXIOV. */
#define VHX_IOV_MAX		1024
/* Largest indirect table we walk, in descriptors. */
#define VHX_INDIRECT_MAX	65536
/* Guest pages are 4 KiB in the dirty bitmap, whatever the host uses. */
#define VHX_LOG_PAGE_SHIFT	12
/*
 * Used entries gathered before one write of the used index (BATCH), and
 * room for more (MAX): entries that must reach the guest together, all
 * the buffers of one RX frame, may take the batch past BATCH
 * (vhx_ring_push_used_together()).
 */
#define VHX_USED_BATCH		64
#define VHX_USED_MAX		256

/* A writable guest span, to be marked dirty once the device wrote it. */
struct vhx_log_span {
	u64 gpa;
	u64 len;
};

/* One descriptor chain, as vhx_ring_get() found it. */
struct vhx_chain {
	/*
	 * What its used entry must name: the head descriptor's index (split)
	 * or the buffer id of its last descriptor (packed).
	 */
	u16 id;
	/*
	 * Where it was taken, for unget: the avail ring's index (split), or
	 * the descriptor slot with the wrap counter in bit 15 (packed).
	 */
	u16 pos;
	unsigned int iov_off;	/* its iovecs start at ring->iov[iov_off] */
	unsigned int log_off;	/* its dirty spans at ring->log[log_off] */
	unsigned int out;	/* readable iovecs: [0 .. out) from iov_off */
	unsigned int in;	/* writable iovecs: [out .. out + in) */
	u64 out_len;		/* readable bytes */
	u64 in_len;		/* writable bytes */
	unsigned int nlog;	/* spans in ring->log[] (dirty logging only) */
};

struct mutex;

struct vhx_ring {
	/*
	 * The lock everything below is read and written under (in the
	 * kernel, the virtqueue's mutex): the ring's entry points assert it
	 * (vhx_ring_assert_held(), env.h).
	 */
	struct mutex *lock;
	unsigned int num;	/* entries, a power of 2; 0 while unset */
	bool packed;		/* VIRTIO_F_RING_PACKED layout */
	/*
	 * The three areas.  Split: descriptors, avail ring, used ring.
	 * Packed: descriptors, the driver's event suppression structure,
	 * the device's.  Same order, so the vring address ioctl fills both.
	 */
	union {
		struct vring_desc __user *desc;
		struct vring_packed_desc __user *pdesc;
	};
	union {
		struct vring_avail __user *avail;
		struct vring_packed_desc_event __user *driver_event;
	};
	union {
		struct vring_used __user *used;
		struct vring_packed_desc_event __user *device_event;
	};
	const struct vhx_mem *mem;
	unsigned int mem_hint;	/* region of the last lookup: vhx_mem_translate() */

	/* From the acked features (vhx_ring_configure()). */
	bool event_idx;
	bool notify_on_empty;
	bool in_order;		/* VIRTIO_F_IN_ORDER: see vhx_ring_add_used() */
	/*
	 * The device only reads this queue's buffers (net TX): a packed
	 * indirect table's WRITE flags are ignored, see ring_packed.c.
	 */
	bool device_reads;

	u16 last_avail_idx;	/* next avail entry we will take */
	u16 avail_idx;		/* avail->idx as we last read it */
	u16 last_used_idx;	/* next used entry we will fill */
	u16 used_flags;		/* split: our copy of used->flags */
	u16 signalled_used;	/* last_used_idx at our last signal */
	bool signalled_used_valid;

	/*
	 * Packed only.  last_avail_idx and last_used_idx are positions in
	 * the descriptor ring, each with its wrap counter here.  ids[] holds,
	 * per buffer id, how many ring descriptors its chain took; 0 means
	 * the id is not in flight.  It is how a used entry knows how far to
	 * move, and how a guest reusing an id in flight is caught.
	 */
	bool avail_wrap;
	bool used_wrap;
	bool kicks_off;		/* we asked the driver not to kick */
	/*
	 * Packed: the slot (and lap) where a get last found nothing, as
	 * avail_idx is for the split ring.  After chains are given back
	 * (unget), the slots before it are available but were not enough;
	 * new buffers are news only once this slot is available.
	 */
	u16 probe_idx;
	bool probe_wrap;
	u16 *ids;			/* num entries */
	u32 used_since_signal;	/* descriptors used since the last check */

	/* Dirty logging (migration): NULL log_base means off. */
	void __user *log_base;
	bool log_used;		/* VHOST_VRING_F_LOG: log used-ring writes */
	u64 log_addr;		/* guest-physical address of the used ring */
	bool logged;		/* a bit was set: tell the launcher */

	/*
	 * Used entries taken back from the backend and not yet written to
	 * the guest's ring (vhx_ring_push_used(), vhx_ring_flush()).
	 */
	unsigned int npending;

	/* The embedder's buffers, kept across resets (vhx_ring_init()). */
	struct iovec *iov;		/* VHX_IOV_MAX entries */
	struct vhx_log_span *log;	/* VHX_IOV_MAX entries, if logging */

	/* The used entries npending counts, in the ring: one load less. */
	struct vring_used_elem pending[VHX_USED_MAX];
};

static inline u16 vhx16(__virtio16 v)
{
	return le16_to_cpu((__force __le16)v);
}

static inline u32 vhx32(__virtio32 v)
{
	return le32_to_cpu((__force __le32)v);
}

static inline u64 vhx64(__virtio64 v)
{
	return le64_to_cpu((__force __le64)v);
}

static inline __virtio16 cpu_to_vhx16(u16 v)
{
	return (__force __virtio16)cpu_to_le16(v);
}

static inline __virtio32 cpu_to_vhx32(u32 v)
{
	return (__force __virtio32)cpu_to_le32(v);
}

static inline struct vring_used_elem vhx_used_elem(u16 id, u32 len)
{
	struct vring_used_elem e = {
		.id = cpu_to_vhx32(id),
		.len = cpu_to_vhx32(len),
	};
	return e;
}

/*
 * Bad input from the guest or a fault on its memory.  Provided by whoever
 * embeds the ring: the kernel prints it rate-limited and signals the vq's
 * error eventfd; the tests record it.
 */
void vhx_ring_error(struct vhx_ring *r, const char *fmt, ...) __printf(2, 3);
/*
 * Also the embedder's: the guest wants an interrupt for the used entries
 * just written (the kernel signals the queue's call eventfd), and pages
 * were marked dirty in the log since the last call (the kernel signals
 * the log eventfd).  Both are called by vhx_ring_flush() only.
 */
void vhx_ring_call(struct vhx_ring *r);
void vhx_ring_logged(struct vhx_ring *r);

void vhx_ring_init(struct vhx_ring *r, struct mutex *lock, struct iovec *iov,
		   struct vhx_log_span *log);
void vhx_ring_reset(struct vhx_ring *r);
void vhx_ring_configure(struct vhx_ring *r, u64 features,
			const struct vhx_mem *mem, void __user *log_base);
int vhx_ring_start(struct vhx_ring *r);
int vhx_ring_get(struct vhx_ring *r, struct vhx_chain *c);
int vhx_ring_get_at(struct vhx_ring *r, struct vhx_chain *c,
		    unsigned int iov_off, unsigned int log_off);
void vhx_ring_unget(struct vhx_ring *r, const struct vhx_chain *c,
		    unsigned int n);
int vhx_ring_add_used(struct vhx_ring *r, const struct vring_used_elem *e,
		      unsigned int n);
bool vhx_ring_should_signal(struct vhx_ring *r);
void vhx_ring_disable_notify(struct vhx_ring *r);
int vhx_ring_enable_notify(struct vhx_ring *r);
bool vhx_ring_avail_pending(struct vhx_ring *r);
int vhx_ring_log_chain(struct vhx_ring *r, const struct vhx_chain *c,
		       u64 written);
int vhx_ring_flush(struct vhx_ring *r);
bool vhx_ring_idle(struct vhx_ring *r);
u32 vhx_ring_get_base(const struct vhx_ring *r);
int vhx_ring_set_base(struct vhx_ring *r, u32 base);

/*
 * The ring ran dry: ask for kicks again.  Returns true if the guest added
 * buffers meanwhile (a kick for them may have been suppressed: notify is
 * off again, go on serving), false if we may sleep until the next kick.
 */
static inline bool vhx_ring_rearm(struct vhx_ring *r)
{
	if (vhx_ring_enable_notify(r) <= 0)
		return false;
	vhx_ring_disable_notify(r);
	return true;
}

/*
 * Give a chain back to the guest: gathered, and written out in one go at
 * the batch's end (or when the batch or the ring is full).  Inline: the
 * receive path calls it for every buffer.
 */
static inline void vhx_ring_push_used(struct vhx_ring *r, u16 id, u32 len)
{
	vhx_ring_assert_held(r);
	r->pending[r->npending++] = vhx_used_elem(id, len);
	if (r->npending == VHX_USED_BATCH || r->npending >= r->num)
		vhx_ring_flush(r);
}

/*
 * Give back @n chains whose entries must become visible to the guest in
 * one write of the used index: the buffers of one mergeable RX frame.  A
 * driver takes num_buffers entries as soon as it sees the frame's first,
 * and drops the frame if they are not all there (Linux's virtio_net and
 * DPDK's PMD both do, and the spec asks the device to use them together).
 * So the batch is written out before the frame if the frame would not fit,
 * and after it if it is full, never in the middle.  The chains were filled
 * in order with @len bytes in all; @n is at most the ring's size (the
 * chains are all in flight at once) and at most VHX_USED_MAX.
 */
static inline void vhx_ring_push_used_together(struct vhx_ring *r,
					       const struct vhx_chain *c,
					       unsigned int n, u64 len)
{
	unsigned int i;

	vhx_ring_assert_held(r);
	if (r->npending + n > VHX_USED_MAX || r->npending + n > r->num)
		vhx_ring_flush(r);
	for (i = 0; i < n; i++) {
		u32 part = len < c[i].in_len ? len : c[i].in_len;

		r->pending[r->npending++] = vhx_used_elem(c[i].id, part);
		len -= part;
	}
	if (r->npending >= VHX_USED_BATCH || r->npending >= r->num)
		vhx_ring_flush(r);
}

/*
 * The guest memory a ring's own structures span, as its layout and size
 * make them: the only memory the vhx_ring_*_user() accessors may touch.
 */
struct vhx_ring_area {
	const void __user *base;
	size_t len;
};

#define VHX_RING_AREAS	3
void vhx_ring_areas(const struct vhx_ring *r,
		    struct vhx_ring_area a[VHX_RING_AREAS]);

#endif /* _VHX_RING_H */
