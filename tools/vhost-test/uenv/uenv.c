// SPDX-License-Identifier: GPL-2.0
#include "uenv.h"

bool (*uenv_access_ok)(const void *p, size_t n);

/* The dirty bitmap is plain memory here; set the bit as the kernel would. */
int vhx_log_set(void *log_base, u64 page)
{
	u64 *word = (u64 *)log_base + page / 64;

	if (uenv_ok(word, sizeof(*word)))
		return -EFAULT;
	__atomic_fetch_or(word, 1ULL << (page % 64), __ATOMIC_RELAXED);
	return 0;
}
