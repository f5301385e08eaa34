// SPDX-License-Identifier: GPL-2.0
/*
 * The driver side of a split virtqueue, in userspace.
 *
 * This is what a guest's virtio driver does, written for vhx's tools: they
 * act as the guest over the vhost ioctl API, so the kernel module can be
 * exercised with no VM.  It offers buffers (add + publish), decides whether
 * the device must be kicked, and collects what the device used.
 *
 * The free descriptors form a list linked through their next fields.  A
 * chain is cut from the head of that list, so its next fields already link
 * its descriptors in order; freeing a chain splices it back whole.
 *
 * The device may be buggy (it is what we test), so what it returns is
 * checked: a used entry naming a head we did not offer is -EIO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vring_split.h"

#define vdrv_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define vdrv_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define vdrv_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
/* The device reads and writes these concurrently: one access each. */
#define VDRV_READ(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define VDRV_WRITE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

size_t vdrv_split_desc_size(unsigned int num)
{
	return sizeof(struct vring_desc) * num;
}

/* flags, idx, ring[num], used_event */
size_t vdrv_split_avail_size(unsigned int num)
{
	return sizeof(uint16_t) * (3 + num);
}

/* flags, idx, ring[num], avail_event */
size_t vdrv_split_used_size(unsigned int num)
{
	return sizeof(uint16_t) * 3 + sizeof(struct vring_used_elem) * num;
}

int vdrv_split_init(struct vdrv_split *v, unsigned int num, void *desc,
		    void *avail, void *used, bool event_idx,
		    const struct vdrv_mem_ops *ops, void *opaque)
{
	unsigned int i;

	if (!num || num > 32768 || (num & (num - 1)))
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->num = num;
	v->desc = desc;
	v->avail = avail;
	v->used = used;
	v->event_idx = event_idx;
	v->ops = ops;
	v->opaque = opaque;
	v->token = calloc(num, sizeof(*v->token));
	v->ndesc = calloc(num, sizeof(*v->ndesc));
	v->indirect = calloc(num, sizeof(*v->indirect));
	if (!v->token || !v->ndesc || !v->indirect ||
	    vdrv_order_init(&v->order, num)) {
		vdrv_split_fini(v);
		return -ENOMEM;
	}
	memset(desc, 0, vdrv_split_desc_size(num));
	memset(avail, 0, vdrv_split_avail_size(num));
	memset(used, 0, vdrv_split_used_size(num));
	for (i = 0; i < num - 1; i++)
		v->desc[i].next = i + 1;
	v->free_tail = num - 1;
	v->num_free = num;
	return 0;
}

/* Before the first chain is added. */
void vdrv_split_set_in_order(struct vdrv_split *v, bool on)
{
	v->in_order = on;
}

void vdrv_split_fini(struct vdrv_split *v)
{
	unsigned int i;

	for (i = 0; v->indirect && i < v->num; i++)
		if (v->indirect[i])
			v->ops->free(v->opaque, v->indirect[i]);
	free(v->token);
	free(v->ndesc);
	free(v->indirect);
	vdrv_order_fini(&v->order);
	v->token = NULL;
	v->ndesc = NULL;
	v->indirect = NULL;
}

static void vdrv_fill(struct vdrv_split *v, struct vring_desc *d,
		      const struct vdrv_buf *b, uint16_t flags)
{
	d->addr = v->ops->gpa(v->opaque, b->addr);
	d->len = b->len;
	d->flags = flags;
}

/*
 * Offer a chain: nout readable buffers, then nin writable ones.  With
 * @indirect (and more than one buffer) the chain goes into a table of its
 * own and takes one ring descriptor.  -ENOSPC when the ring is full.
 * Nothing is visible to the device before vdrv_split_publish().
 */
int vdrv_split_add(struct vdrv_split *v, const struct vdrv_buf *out,
		   unsigned int nout, const struct vdrv_buf *in,
		   unsigned int nin, void *token, bool indirect)
{
	unsigned int total = nout + nin, need, i;
	struct vring_desc *table = NULL;
	uint16_t head, cur;

	if (!total || !token)
		return -EINVAL;
	indirect = indirect && total > 1;
	need = indirect ? 1 : total;
	if (need > v->num_free)
		return -ENOSPC;

	if (indirect) {
		table = v->ops->alloc(v->opaque, total * sizeof(*table));
		if (!table)
			return -ENOMEM;
		for (i = 0; i < total; i++) {
			bool w = i >= nout;

			vdrv_fill(v, &table[i], w ? &in[i - nout] : &out[i],
				  (w ? VRING_DESC_F_WRITE : 0) |
				  (i + 1 < total ? VRING_DESC_F_NEXT : 0));
			table[i].next = i + 1 < total ? i + 1 : 0;
		}
	}

	head = v->free_head;
	cur = head;
	if (indirect) {
		struct vdrv_buf t = { table, total * sizeof(*table) };

		vdrv_fill(v, &v->desc[cur], &t, VRING_DESC_F_INDIRECT);
	} else {
		for (i = 0; i < total; i++) {
			bool w = i >= nout;
			uint16_t flags = w ? VRING_DESC_F_WRITE : 0;

			if (i + 1 < total)
				flags |= VRING_DESC_F_NEXT;
			vdrv_fill(v, &v->desc[cur], w ? &in[i - nout] : &out[i],
				  flags);
			if (i + 1 < total)
				cur = v->desc[cur].next;
		}
	}
	v->free_head = v->desc[cur].next;
	v->num_free -= need;

	v->token[head] = token;
	v->ndesc[head] = need;
	v->indirect[head] = table;
	if (v->in_order)
		vdrv_order_push(&v->order, head, vdrv_in_len(in, nin));
	v->avail->ring[v->avail_idx & (v->num - 1)] = head;
	v->avail_idx++;
	return 0;
}

/*
 * Make the chains added so far visible, and say whether the device wants a
 * kick for them (it may have asked not to be, with a flag or, with
 * EVENT_IDX, with the avail index it wants to hear about).
 */
bool vdrv_split_publish(struct vdrv_split *v)
{
	uint16_t old = v->published, new = v->avail_idx, event;

	vdrv_wmb();
	VDRV_WRITE(v->avail->idx, new);
	v->published = new;
	vdrv_mb();
	if (!v->event_idx)
		return !(VDRV_READ(v->used->flags) & VRING_USED_F_NO_NOTIFY);
	/* avail_event: the last 16 bits of the used ring. */
	event = VDRV_READ(*(uint16_t *)((char *)v->used +
					vdrv_split_used_size(v->num) - 2));
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

/* Give a collected chain's descriptors back to the free list. */
static void vdrv_free_chain(struct vdrv_split *v, uint16_t id)
{
	uint16_t last = id, i;

	v->token[id] = NULL;
	if (v->indirect[id]) {
		v->ops->free(v->opaque, v->indirect[id]);
		v->indirect[id] = NULL;
	}
	for (i = 1; i < v->ndesc[id]; i++)
		last = v->desc[last].next;
	if (!v->in_order) {
		v->desc[last].next = v->free_head;
		v->free_head = id;
	} else if (v->num_free) {
		/* At the tail: the list stays in ring order. */
		v->desc[v->free_tail].next = id;
		v->free_tail = last;
	} else {
		v->free_head = id;
		v->free_tail = last;
	}
	v->num_free += v->ndesc[id];
}

/*
 * In order: a used entry completes every chain offered up to the one it
 * names (vring_order.h), handed out one at a time.
 */
static int vdrv_split_get_in_order(struct vdrv_split *v, void **token,
				   uint32_t *len)
{
	uint16_t head;

	if (!vdrv_order_in_run(&v->order)) {
		struct vring_used_elem e;

		if (v->last_used == VDRV_READ(v->used->idx))
			return 0;
		vdrv_rmb();
		e = v->used->ring[v->last_used & (v->num - 1)];
		if (e.id >= v->num || !v->token[e.id])
			return -EIO;
		vdrv_order_open(&v->order, e.id, e.len);
	}
	head = vdrv_order_pop(&v->order, len);
	*token = v->token[head];
	vdrv_free_chain(v, head);
	v->last_used++;
	return 1;
}

/*
 * Collect one used chain: 1 with its token and used length, 0 if there is
 * none, -EIO if the device returned a head we never offered.
 */
int vdrv_split_get_used(struct vdrv_split *v, void **token, uint32_t *len)
{
	struct vring_used_elem e;
	uint16_t id;

	if (v->in_order)
		return vdrv_split_get_in_order(v, token, len);
	if (v->last_used == VDRV_READ(v->used->idx))
		return 0;
	vdrv_rmb();
	e = v->used->ring[v->last_used & (v->num - 1)];
	id = e.id;
	if (e.id >= v->num || !v->token[id])
		return -EIO;

	*token = v->token[id];
	*len = e.len;
	vdrv_free_chain(v, id);
	v->last_used++;
	return 1;
}

/*
 * Ask for interrupts again.  Returns true if used entries are already
 * waiting (the caller should collect them rather than sleep).
 */
bool vdrv_split_enable_cb(struct vdrv_split *v)
{
	if (v->event_idx)
		VDRV_WRITE(v->avail->ring[v->num], v->last_used);
	else
		VDRV_WRITE(v->avail->flags, 0);
	vdrv_mb();
	return VDRV_READ(v->used->idx) != v->last_used;
}

void vdrv_split_disable_cb(struct vdrv_split *v)
{
	if (!v->event_idx)
		VDRV_WRITE(v->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
}
