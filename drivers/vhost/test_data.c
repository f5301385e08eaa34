// SPDX-License-Identifier: GPL-2.0
/*
 * What the test device does with a chain: checksum what the guest gave,
 * answer in what it left writable (the protocol is in uapi/linux/vhx.h).
 *
 * It goes through the chain's iovecs exactly as a real backend would, with
 * the copies that may fault, so the tests see the translated addresses at
 * work.  It compiles in userspace too, for the unit tests.
 */
#include "test_data.h"
#include <uapi/linux/vhx.h>

#define VHX_TEST_CHUNK	256

/*
 * The longest chain the test device serves, each way.  Its used length
 * must fit 32 bits, and the worker copies it in one go: a launcher's
 * 4 GiB descriptor would keep the worker copying for a minute.  The test
 * tools use at most 16 buffers of 64 KiB each way.
 */
#define VHX_TEST_MAX_LEN	(4ULL << 20)

struct vhx_adler {
	u32 a, b;
};

static void vhx_adler_update(struct vhx_adler *s, const u8 *p, size_t n)
{
	while (n) {
		/* 5552 bytes is the most that cannot overflow b before mod. */
		size_t k = min_t(size_t, n, 5552);

		n -= k;
		while (k--) {
			s->a += *p++;
			s->b += s->a;
		}
		s->a %= VHX_ADLER_MOD;
		s->b %= VHX_ADLER_MOD;
	}
}

static int vhx_test_read(struct vhx_ring *r, const struct vhx_chain *c,
			 struct vhx_test_reply *reply)
{
	const struct iovec *iov = r->iov + c->iov_off;
	struct vhx_adler s = { 1, 0 };
	u8 buf[VHX_TEST_CHUNK];
	unsigned int i;
	u64 total = 0;

	for (i = 0; i < c->out; i++) {
		const u8 __user *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			size_t n = min_t(size_t, left, sizeof(buf));

			vhx_cond_resched();
			if (vhx_copy_from_user(buf, p, n)) {
				vhx_ring_error(r, "chain %u: cannot read buffer at %p",
					       c->id, p);
				return -EFAULT;
			}
			vhx_adler_update(&s, buf, n);
			p += n;
			left -= n;
			total += n;
		}
	}
	reply->out_len = cpu_to_le32((u32)total);
	reply->out_csum = cpu_to_le32((s.b << 16) | s.a);
	return 0;
}

/* Byte k of the writable part: the reply header first, then the pattern. */
static void vhx_test_fill(u8 *buf, u64 k, size_t n,
			  const struct vhx_test_reply *reply)
{
	u32 csum = le32_to_cpu(reply->out_csum);
	size_t i;

	for (i = 0; i < n; i++, k++) {
		if (k < sizeof(*reply))
			buf[i] = ((const u8 *)reply)[k];
		else
			buf[i] = vhx_test_pattern(k, csum);
	}
}

/*
 * Process one chain.  On success *written is the used length to report:
 * every writable byte.  A fault is reported and returned.
 */
int vhx_test_process(struct vhx_ring *r, const struct vhx_chain *c,
		     u32 *written)
{
	const struct iovec *iov = r->iov + c->iov_off;
	struct vhx_test_reply reply;
	u8 buf[VHX_TEST_CHUNK];
	unsigned int i;
	u64 k = 0;
	int ret;

	vhx_ring_assert_held(r);
	if (c->out_len > VHX_TEST_MAX_LEN || c->in_len > VHX_TEST_MAX_LEN) {
		vhx_ring_error(r, "chain %u: %llu bytes out, %llu in (max %llu each)",
			       c->id, (unsigned long long)c->out_len,
			       (unsigned long long)c->in_len, VHX_TEST_MAX_LEN);
		return -E2BIG;
	}
	ret = vhx_test_read(r, c, &reply);
	if (ret)
		return ret;
	for (i = c->out; i < c->out + c->in; i++) {
		u8 __user *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			size_t n = min_t(size_t, left, sizeof(buf));

			vhx_cond_resched();
			vhx_test_fill(buf, k, n, &reply);
			if (vhx_copy_to_user(p, buf, n)) {
				vhx_ring_error(r, "chain %u: cannot write buffer at %p",
					       c->id, p);
				return -EFAULT;
			}
			p += n;
			left -= n;
			k += n;
		}
	}
	*written = (u32)k;
	return 0;
}
