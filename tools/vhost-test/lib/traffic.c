// SPDX-License-Identifier: GPL-2.0
/*
 * Verified traffic over a ring of either layout to a vhx-test device.
 *
 * Every chain gets a random number of readable and writable buffers of
 * random sizes, filled with random bytes.  When the device returns it, we
 * recompute what it must have seen (length and Adler-32 of the readable
 * bytes) and check every writable byte against the protocol of
 * uapi/linux/vhx.h.  Any difference is -EIO with a message saying where.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traffic.h"
#include "util.h"
#include "../../../include/uapi/linux/vhx.h"

static uint64_t ops_gpa(void *opaque, const void *addr)
{
	return guestmem_gpa(opaque, addr);
}

static void *ops_alloc(void *opaque, size_t size)
{
	struct guestmem *g = opaque;

	return size <= g->block ? guestmem_block_alloc(g) : NULL;
}

static void ops_free(void *opaque, void *addr)
{
	guestmem_block_free(opaque, addr);
}

const struct vdrv_mem_ops traffic_mem_ops = {
	.gpa = ops_gpa,
	.alloc = ops_alloc,
	.free = ops_free,
};

uint32_t traffic_adler32(const uint8_t *p, size_t n, uint32_t adler)
{
	uint32_t a = adler & 0xffff, b = adler >> 16;

	while (n--) {
		a = (a + *p++) % VHX_ADLER_MOD;
		b = (b + a) % VHX_ADLER_MOD;
	}
	return (b << 16) | a;
}

static unsigned int rnd(struct traffic *t, unsigned int lo, unsigned int hi)
{
	return util_rnd(&t->rnd, lo, hi);
}

int traffic_init(struct traffic *t, struct guestmem *g, struct vdrv_vq *v,
		 const struct traffic_params *p)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	if (p->max_out > TRAFFIC_MAX_BUFS || p->max_in > TRAFFIC_MAX_BUFS ||
	    !(p->max_out + p->max_in) || !p->max_len || p->min_len > p->max_len)
		return -EINVAL;
	t->p = *p;
	t->g = g;
	t->v = v;
	t->rnd = p->seed;
	t->slot = calloc(vdrv_num(v), sizeof(*t->slot));
	if (!t->slot)
		return -ENOMEM;
	for (i = 0; i < vdrv_num(v); i++) {
		/* Byte-aligned on purpose: buffers straddle regions. */
		t->slot[i].out_mem = guestmem_alloc(g, (size_t)p->max_out * p->max_len, 1, false);
		t->slot[i].in_mem = guestmem_alloc(g, (size_t)p->max_in * p->max_len, 1, false);
		if ((p->max_out && !t->slot[i].out_mem) ||
		    (p->max_in && !t->slot[i].in_mem)) {
			fprintf(stderr, "traffic: guest memory too small for %u slots\n",
				vdrv_num(v));
			traffic_fini(t);
			return -ENOMEM;
		}
	}
	return 0;
}

void traffic_fini(struct traffic *t)
{
	free(t->slot);
	t->slot = NULL;
}

/* Benchmarks: max_out readable and max_in writable buffers of max_len. */
static void slot_prepare_fixed(struct traffic *t, struct traffic_slot *s)
{
	unsigned int i;

	s->nout = t->p.max_out;
	s->nin = t->p.max_in;
	s->out_len = s->nout * t->p.max_len;
	s->in_len = s->nin * t->p.max_len;
	for (i = 0; i < s->nout; i++)
		s->out[i] = (struct vdrv_buf){ s->out_mem + (size_t)i * t->p.max_len,
					       t->p.max_len };
	for (i = 0; i < s->nin; i++)
		s->in[i] = (struct vdrv_buf){ s->in_mem + (size_t)i * t->p.max_len,
					      t->p.max_len };
}

static void slot_prepare(struct traffic *t, struct traffic_slot *s)
{
	unsigned int i, j;

	if (t->p.no_verify) {
		slot_prepare_fixed(t, s);
		return;
	}

	do {
		s->nout = t->p.max_out ? rnd(t, 0, t->p.max_out) : 0;
		s->nin = t->p.max_in ? rnd(t, 0, t->p.max_in) : 0;
		/* Without indirect tables a chain must fit in the ring. */
	} while (!(s->nout + s->nin) ||
		 (!t->p.indirect && s->nout + s->nin > vdrv_num(t->v)));
	s->out_len = 0;
	s->out_csum = 1;
	s->in_len = 0;
	for (i = 0; i < s->nout; i++) {
		uint8_t *b = s->out_mem + (size_t)i * t->p.max_len;
		uint32_t len = rnd(t, t->p.min_len, t->p.max_len);

		for (j = 0; j < len; j++)
			b[j] = rnd(t, 0, 255);
		s->out[i].addr = b;
		s->out[i].len = len;
		s->out_len += len;
		s->out_csum = traffic_adler32(b, len, s->out_csum);
	}
	for (i = 0; i < s->nin; i++) {
		uint8_t *b = s->in_mem + (size_t)i * t->p.max_len;
		uint32_t len = rnd(t, t->p.min_len, t->p.max_len);

		/* Poison: a device that skips a byte cannot pass by luck. */
		memset(b, 0xa5, len);
		s->in[i].addr = b;
		s->in[i].len = len;
		s->in_len += len;
	}
}

/* Offer up to @max new chains (fewer if the ring fills).  Returns how many. */
int traffic_add(struct traffic *t, unsigned int max)
{
	unsigned int n = 0;

	while (n < max) {
		struct traffic_slot *s = &t->slot[t->next_slot];
		int ret;

		if (s->busy)
			break;
		slot_prepare(t, s);
		ret = vdrv_add(t->v, s->out, s->nout, s->in, s->nin, s,
				     t->p.indirect);
		if (ret == -ENOSPC)
			break;
		if (ret)
			return ret;
		s->busy = true;
		t->next_slot = (t->next_slot + 1) % vdrv_num(t->v);
		t->added++;
		n++;
	}
	return n;
}

static int slot_check(struct traffic *t, struct traffic_slot *s, uint32_t len)
{
	struct vhx_test_reply want = {
		.out_len = s->out_len,
		.out_csum = s->out_csum,
	};
	uint64_t k = 0;
	unsigned int i, j;

	if (t->p.no_verify) {
		t->bytes_out += s->out_len;
		t->bytes_in += s->in_len;
		return 0;
	}
	if (len != s->in_len) {
		fprintf(stderr, "traffic: used length %u, expected %u\n", len, s->in_len);
		return -EIO;
	}
	for (i = 0; i < s->nin; i++) {
		const uint8_t *b = s->in[i].addr;

		for (j = 0; j < s->in[i].len; j++, k++) {
			uint8_t e = k < sizeof(want) ? ((uint8_t *)&want)[k] :
				    vhx_test_pattern(k, s->out_csum);

			if (b[j] != e) {
				fprintf(stderr,
					"traffic: writable byte %llu (buffer %u+%u) is %#x, expected %#x (out %u bytes, csum %#x)\n",
					(unsigned long long)k, i, j, b[j], e,
					s->out_len, s->out_csum);
				return -EIO;
			}
		}
	}
	for (i = 0; t->log_bitmap && i < s->nin; i++) {
		uint64_t a = guestmem_gpa(t->g, s->in[i].addr);
		uint64_t pg, last = (a + s->in[i].len - 1) >> 12;

		for (pg = a >> 12; s->in[i].len && pg <= last; pg++) {
			if (!(t->log_bitmap[pg / 8] & (1u << (pg % 8)))) {
				fprintf(stderr, "traffic: written page %#llx is not in the dirty log\n",
					(unsigned long long)pg);
				return -EIO;
			}
		}
	}
	t->bytes_out += s->out_len;
	t->bytes_in += s->in_len;
	return 0;
}

/* Collect and verify what the device used.  *n gets how many. */
int traffic_collect(struct traffic *t, unsigned int *n)
{
	void *token;
	uint32_t len;
	int ret;

	*n = 0;
	while ((ret = vdrv_get_used(t->v, &token, &len)) == 1) {
		struct traffic_slot *s = token;

		if (!s->busy) {
			fprintf(stderr, "traffic: chain returned twice\n");
			return -EIO;
		}
		ret = slot_check(t, s, len);
		if (ret)
			return ret;
		s->busy = false;
		t->completed++;
		(*n)++;
	}
	if (ret < 0)
		fprintf(stderr, "traffic: the device returned an unknown head\n");
	return ret;
}

unsigned int traffic_in_flight(const struct traffic *t)
{
	return (unsigned int)(t->added - t->completed);
}
