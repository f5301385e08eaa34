/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VHX_TEST_DATA_H
#define _VHX_TEST_DATA_H

#include "ring.h"

int vhx_test_process(struct vhx_ring *r, const struct vhx_chain *c,
		     u32 *written);

#endif /* _VHX_TEST_DATA_H */
