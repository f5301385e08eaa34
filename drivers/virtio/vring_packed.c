// SPDX-License-Identifier: GPL-2.0
/*
 * The driver side of a packed virtqueue, in userspace.
 *
 * One ring of slots.  A chain goes into the next free slots in order; each
 * slot's AVAIL bit is set to our wrap counter and its USED bit to the
 * opposite, which is what "available in this lap" means.  The device
 * answers in the same ring, in order: a used descriptor (both bits equal
 * to its wrap counter) carrying the buffer id, after which the next used
 * descriptor is as many slots further as that buffer took.  So a buffer
 * id keeps what we need at collection time: the token, the slot count,
 * the indirect table.
 *
 * A chain's first slot is written last, in vdrv_packed_publish(), so that
 * nothing is visible to the device before then, as with the split ring.
 * What the device returns is checked: a used id we never offered is -EIO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vring_packed.h"

#define vdrv_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define vdrv_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define vdrv_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define VDRV_READ(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define VDRV_WRITE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define F_AVAIL		(1 << VRING_PACKED_DESC_F_AVAIL)
#define F_USED		(1 << VRING_PACKED_DESC_F_USED)
#define F_WRAP		(1 << VRING_PACKED_EVENT_F_WRAP_CTR)

size_t vdrv_packed_desc_size(unsigned int num)
{
	return sizeof(struct vring_packed_desc) * num;
}

size_t vdrv_packed_event_size(void)
{
	return sizeof(struct vring_packed_desc_event);
}

int vdrv_packed_init(struct vdrv_packed *v, unsigned int num, void *desc,
		     void *driver, void *device, bool event_idx,
		     const struct vdrv_mem_ops *ops, void *opaque)
{
	unsigned int i;

	if (!num || num > 32768)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->num = num;
	v->desc = desc;
	v->driver = driver;
	v->device = device;
	v->event_idx = event_idx;
	v->ops = ops;
	v->opaque = opaque;
	v->free_ids = calloc(num, sizeof(*v->free_ids));
	v->token = calloc(num, sizeof(*v->token));
	v->ndesc = calloc(num, sizeof(*v->ndesc));
	v->indirect = calloc(num, sizeof(*v->indirect));
	v->pend_pos = calloc(num, sizeof(*v->pend_pos));
	v->pend_flags = calloc(num, sizeof(*v->pend_flags));
	if (!v->free_ids || !v->token || !v->ndesc || !v->indirect ||
	    !v->pend_pos || !v->pend_flags || vdrv_order_init(&v->order, num)) {
		vdrv_packed_fini(v);
		return -ENOMEM;
	}
	memset(desc, 0, vdrv_packed_desc_size(num));
	memset(driver, 0, vdrv_packed_event_size());
	memset(device, 0, vdrv_packed_event_size());
	/* Lowest ids on top: the first chains get 0, 1, 2... */
	for (i = 0; i < num; i++)
		v->free_ids[i] = num - 1 - i;
	v->nfree_ids = num;
	v->num_free = num;
	v->avail_wrap = true;
	v->used_wrap = true;
	return 0;
}

void vdrv_packed_fini(struct vdrv_packed *v)
{
	unsigned int i;

	for (i = 0; v->indirect && i < v->num; i++)
		if (v->indirect[i])
			v->ops->free(v->opaque, v->indirect[i]);
	free(v->free_ids);
	free(v->token);
	free(v->ndesc);
	free(v->indirect);
	free(v->pend_pos);
	free(v->pend_flags);
	vdrv_order_fini(&v->order);
	v->free_ids = NULL;
	v->token = NULL;
	v->ndesc = NULL;
	v->indirect = NULL;
	v->pend_pos = NULL;
	v->pend_flags = NULL;
}

/* Before the first chain is added. */
void vdrv_packed_set_in_order(struct vdrv_packed *v, bool on)
{
	v->in_order = on;
}

static uint16_t vdrv_avail_bits(bool wrap)
{
	return wrap ? F_AVAIL : F_USED;
}

/* Offer a chain; see vdrv_split_add().  -ENOSPC when the ring is full. */
int vdrv_packed_add(struct vdrv_packed *v, const struct vdrv_buf *out,
		    unsigned int nout, const struct vdrv_buf *in,
		    unsigned int nin, void *token, bool indirect)
{
	unsigned int total = nout + nin, need, i;
	struct vring_packed_desc *table = NULL;
	uint16_t id, pos = v->next_avail, first = pos, first_flags = 0;
	bool wrap = v->avail_wrap;

	if (!total || !token)
		return -EINVAL;
	indirect = indirect && total > 1;
	need = indirect ? 1 : total;
	if (need > v->num_free || !v->nfree_ids)
		return -ENOSPC;

	if (indirect) {
		table = v->ops->alloc(v->opaque, total * sizeof(*table));
		if (!table)
			return -ENOMEM;
		for (i = 0; i < total; i++) {
			bool w = i >= nout;
			const struct vdrv_buf *b = w ? &in[i - nout] : &out[i];

			table[i].addr = v->ops->gpa(v->opaque, b->addr);
			table[i].len = b->len;
			table[i].id = 0;
			table[i].flags = w ? VRING_DESC_F_WRITE : 0;
		}
	}

	id = v->free_ids[--v->nfree_ids];
	for (i = 0; i < need; i++) {
		struct vring_packed_desc *d = &v->desc[pos];
		uint16_t flags = vdrv_avail_bits(wrap);

		if (indirect) {
			d->addr = v->ops->gpa(v->opaque, table);
			d->len = total * sizeof(*table);
			flags |= VRING_DESC_F_INDIRECT;
		} else {
			bool w = i >= nout;
			const struct vdrv_buf *b = w ? &in[i - nout] : &out[i];

			d->addr = v->ops->gpa(v->opaque, b->addr);
			d->len = b->len;
			if (w)
				flags |= VRING_DESC_F_WRITE;
			if (i + 1 < need)
				flags |= VRING_DESC_F_NEXT;
		}
		d->id = id;
		if (i)
			VDRV_WRITE(d->flags, flags);
		else
			first_flags = flags;
		if (++pos == v->num) {
			pos = 0;
			wrap = !wrap;
		}
	}
	v->next_avail = pos;
	v->avail_wrap = wrap;
	v->num_free -= need;
	v->added += need;
	v->token[id] = token;
	v->ndesc[id] = need;
	v->indirect[id] = table;
	if (v->in_order)
		vdrv_order_push(&v->order, id, vdrv_in_len(in, nin));
	v->pend_pos[v->npend] = first;
	v->pend_flags[v->npend] = first_flags;
	v->npend++;
	return 0;
}

/*
 * Make the chains added so far visible (their first slots' flags), and
 * say whether the device wants a kick: its event structure says always,
 * never, or when a given slot of a given lap becomes available.
 */
bool vdrv_packed_publish(struct vdrv_packed *v)
{
	uint16_t new = v->next_avail, old = new - v->added, flags, off, event;
	unsigned int i;

	vdrv_wmb();
	for (i = 0; i < v->npend; i++)
		VDRV_WRITE(v->desc[v->pend_pos[i]].flags, v->pend_flags[i]);
	v->npend = 0;
	v->added = 0;
	vdrv_mb();
	flags = VDRV_READ(v->device->flags);
	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE)
		return false;
	if (flags != VRING_PACKED_EVENT_FLAG_DESC || !v->event_idx)
		return true;
	vdrv_rmb();
	off = VDRV_READ(v->device->off_wrap);
	event = off & ~F_WRAP;
	if (!!(off & F_WRAP) != v->avail_wrap)
		event -= v->num;
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

static bool vdrv_is_used(const struct vdrv_packed *v, uint16_t flags)
{
	return !!(flags & F_AVAIL) == v->used_wrap &&
	       !!(flags & F_USED) == v->used_wrap;
}

/*
 * Collect one used buffer; see vdrv_split_get_used().  In order, a used
 * descriptor completes every buffer offered up to the one it names
 * (vring_order.h); they are handed out one at a time.
 */
int vdrv_packed_get_used(struct vdrv_packed *v, void **token, uint32_t *len)
{
	struct vring_packed_desc *d = &v->desc[v->last_used];
	uint16_t id = 0;

	if (!v->in_order || !vdrv_order_in_run(&v->order)) {
		if (!vdrv_is_used(v, VDRV_READ(d->flags)))
			return 0;
		vdrv_rmb();
		id = d->id;
		if (id >= v->num || !v->token[id])
			return -EIO;
		*len = d->len;
		if (v->in_order)
			vdrv_order_open(&v->order, id, *len);
	}
	if (v->in_order)
		id = vdrv_order_pop(&v->order, len);
	*token = v->token[id];
	v->token[id] = NULL;
	if (v->indirect[id]) {
		v->ops->free(v->opaque, v->indirect[id]);
		v->indirect[id] = NULL;
	}
	v->num_free += v->ndesc[id];
	v->last_used += v->ndesc[id];
	if (v->last_used >= v->num) {
		v->last_used -= v->num;
		v->used_wrap = !v->used_wrap;
	}
	v->free_ids[v->nfree_ids++] = id;
	return 1;
}

/*
 * Ask for interrupts again (with EVENT_IDX: for our next used slot).
 * Returns true if a used buffer is already waiting.
 */
bool vdrv_packed_enable_cb(struct vdrv_packed *v)
{
	if (v->event_idx) {
		VDRV_WRITE(v->driver->off_wrap,
			   v->last_used | (v->used_wrap ? F_WRAP : 0));
		vdrv_wmb();
		VDRV_WRITE(v->driver->flags, VRING_PACKED_EVENT_FLAG_DESC);
	} else {
		VDRV_WRITE(v->driver->flags, VRING_PACKED_EVENT_FLAG_ENABLE);
	}
	vdrv_mb();
	return vdrv_is_used(v, VDRV_READ(v->desc[v->last_used].flags));
}

/* With EVENT_IDX, lazily: the slot we asked about is behind us by then. */
void vdrv_packed_disable_cb(struct vdrv_packed *v)
{
	if (!v->event_idx)
		VDRV_WRITE(v->driver->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
}
