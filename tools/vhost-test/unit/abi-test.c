// SPDX-License-Identifier: GPL-2.0
/*
 * abi-test: vhx's uapi header is bit-for-bit upstream's vhost ABI.
 *
 * The checks are compile-time: if a number or a layout drifts, this file
 * does not build, and "make check" fails at that step.  Ioctls newer than
 * the installed <linux/vhost.h> are checked against their published
 * values instead.  At run time it only reports what it checked.
 */
#include <stddef.h>
#include <stdio.h>
#include <linux/vhost.h>

#include <uapi/linux/vhx.h>

#define SAME(a, b)	_Static_assert((a) == (b), #a " != " #b)
#define SAME_LAYOUT(ours, theirs, field)				\
	SAME(offsetof(struct ours, field), offsetof(struct theirs, field))

SAME(sizeof(struct vhx_vring_state), sizeof(struct vhost_vring_state));
SAME_LAYOUT(vhx_vring_state, vhost_vring_state, index);
SAME_LAYOUT(vhx_vring_state, vhost_vring_state, num);
SAME(sizeof(struct vhx_vring_file), sizeof(struct vhost_vring_file));
SAME_LAYOUT(vhx_vring_file, vhost_vring_file, index);
SAME_LAYOUT(vhx_vring_file, vhost_vring_file, fd);
SAME(sizeof(struct vhx_vring_addr), sizeof(struct vhost_vring_addr));
SAME_LAYOUT(vhx_vring_addr, vhost_vring_addr, flags);
SAME_LAYOUT(vhx_vring_addr, vhost_vring_addr, desc_user_addr);
SAME_LAYOUT(vhx_vring_addr, vhost_vring_addr, used_user_addr);
SAME_LAYOUT(vhx_vring_addr, vhost_vring_addr, avail_user_addr);
SAME_LAYOUT(vhx_vring_addr, vhost_vring_addr, log_guest_addr);
SAME(sizeof(struct vhx_memory_region), sizeof(struct vhost_memory_region));
SAME_LAYOUT(vhx_memory_region, vhost_memory_region, guest_phys_addr);
SAME_LAYOUT(vhx_memory_region, vhost_memory_region, memory_size);
SAME_LAYOUT(vhx_memory_region, vhost_memory_region, userspace_addr);
SAME_LAYOUT(vhx_memory_region, vhost_memory_region, flags_padding);
SAME(sizeof(struct vhx_memory), sizeof(struct vhost_memory));
SAME_LAYOUT(vhx_memory, vhost_memory, padding);
SAME_LAYOUT(vhx_memory, vhost_memory, regions);

SAME(VHX_FILE_UNBIND, VHOST_FILE_UNBIND);
SAME(VHX_VRING_F_LOG, VHOST_VRING_F_LOG);
SAME(VHX_F_LOG_ALL, VHOST_F_LOG_ALL);
SAME(VHX_NET_F_VIRTIO_NET_HDR, VHOST_NET_F_VIRTIO_NET_HDR);
SAME(VHX_BACKEND_F_IOTLB_MSG_V2, VHOST_BACKEND_F_IOTLB_MSG_V2);

SAME(VHX_GET_FEATURES, VHOST_GET_FEATURES);
SAME(VHX_SET_FEATURES, VHOST_SET_FEATURES);
SAME(VHX_GET_BACKEND_FEATURES, VHOST_GET_BACKEND_FEATURES);
SAME(VHX_SET_BACKEND_FEATURES, VHOST_SET_BACKEND_FEATURES);
SAME(VHX_SET_OWNER, VHOST_SET_OWNER);
SAME(VHX_RESET_OWNER, VHOST_RESET_OWNER);
SAME(VHX_SET_MEM_TABLE, VHOST_SET_MEM_TABLE);
SAME(VHX_SET_LOG_BASE, VHOST_SET_LOG_BASE);
SAME(VHX_SET_LOG_FD, VHOST_SET_LOG_FD);
SAME(VHX_SET_VRING_NUM, VHOST_SET_VRING_NUM);
SAME(VHX_SET_VRING_ADDR, VHOST_SET_VRING_ADDR);
SAME(VHX_SET_VRING_BASE, VHOST_SET_VRING_BASE);
SAME(VHX_GET_VRING_BASE, VHOST_GET_VRING_BASE);
SAME(VHX_SET_VRING_KICK, VHOST_SET_VRING_KICK);
SAME(VHX_SET_VRING_CALL, VHOST_SET_VRING_CALL);
SAME(VHX_SET_VRING_ERR, VHOST_SET_VRING_ERR);
SAME(VHX_SET_VRING_BUSYLOOP_TIMEOUT, VHOST_SET_VRING_BUSYLOOP_TIMEOUT);
SAME(VHX_GET_VRING_BUSYLOOP_TIMEOUT, VHOST_GET_VRING_BUSYLOOP_TIMEOUT);
SAME(VHX_NET_SET_BACKEND, VHOST_NET_SET_BACKEND);

/* Published values (vhost-abi reference), for what headers may lack. */
SAME(VHX_GET_FEATURES_ARRAY, 0x8008af83);
SAME(VHX_SET_FEATURES_ARRAY, 0x4008af83);
SAME(VHX_TEST_RUN, 0x4004af31);
SAME(VHX_TEST_SET_BACKEND, 0x4004af32);
SAME(VHX_GET_FEATURES, 0x8008af00);
SAME(VHX_SET_VRING_ADDR, 0x4028af11);
#ifdef VHOST_GET_FEATURES_ARRAY
SAME(VHX_GET_FEATURES_ARRAY, VHOST_GET_FEATURES_ARRAY);
SAME(VHX_SET_FEATURES_ARRAY, VHOST_SET_FEATURES_ARRAY);
#endif

int main(void)
{
	printf("PASS: uapi: structures and ioctl numbers equal <linux/vhost.h>%s\n",
#ifdef VHOST_GET_FEATURES_ARRAY
	       ""
#else
	       " (FEATURES_ARRAY against published values)"
#endif
	       );
	return 0;
}
