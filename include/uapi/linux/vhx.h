/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhx userspace ABI.
 *
 * vhx speaks the vhost ABI: a launcher written for /dev/vhost-net works
 * unchanged with /dev/vhx-net.  Every structure and ioctl number below is
 * therefore bit-for-bit the one of <linux/vhost.h>; tools/vhost-test/unit/
 * abi-test.c asserts that at compile time against the system's header, so
 * the two cannot drift.  The names carry a vhx_ prefix so that both headers
 * can be included together.
 *
 * Addresses: the ring addresses (desc, avail, used) are user addresses in
 * the owner's process; everything the guest puts in descriptors is a
 * guest-physical address, translated through the memory table; the log
 * address of a ring is the guest-physical address of its used ring.
 */
#ifndef _UAPI_LINUX_VHX_H
#define _UAPI_LINUX_VHX_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Device nodes: misc devices with dynamic minors, beside vhost-net's 238. */
#define VHX_NET_DEVICE		"/dev/vhx-net"
#define VHX_TEST_DEVICE		"/dev/vhx-test"

/* A virtqueue's number (index) and one value for it. */
struct vhx_vring_state {
	__u32 index;
	__u32 num;
};

/* A virtqueue's number and a file descriptor (-1: none). */
struct vhx_vring_file {
	__u32 index;
	__s32 fd;
};

#define VHX_FILE_UNBIND		-1

/* Where a virtqueue lives.  flags: VHX_VRING_F_LOG only. */
struct vhx_vring_addr {
	__u32 index;
	__u32 flags;
	__u64 desc_user_addr;	/* 16-byte aligned: descriptor table */
	__u64 used_user_addr;	/* 4-byte aligned: used ring */
	__u64 avail_user_addr;	/* 2-byte aligned: avail ring */
	__u64 log_guest_addr;	/* 4-byte aligned: used ring, guest-physical */
};

/* Log writes to this ring's used ring in the dirty bitmap. */
#define VHX_VRING_F_LOG		0

/* One slot of guest memory: [guest_phys_addr, + memory_size) is here. */
struct vhx_memory_region {
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 flags_padding;	/* must be 0 */
};

struct vhx_memory {
	__u32 nregions;
	__u32 padding;		/* must be 0 */
	struct vhx_memory_region regions[];
};

/* Feature words beyond the first 64 bits. */
struct vhx_features_array {
	__u64 count;		/* words in features[] */
	__u64 features[];
};

/* vhost feature bits (the rest are virtio's). */
#define VHX_F_LOG_ALL			26	/* dirty logging while migrating */
#define VHX_NET_F_VIRTIO_NET_HDR	27	/* vhx-net adds/strips the header */

/* Backend feature bits (GET/SET_BACKEND_FEATURES). */
#define VHX_BACKEND_F_IOTLB_MSG_V2	1

#define VHX_VIRTIO	0xAF

/* Features: what the device offers, what the driver acked. */
#define VHX_GET_FEATURES	_IOR(VHX_VIRTIO, 0x00, __u64)
#define VHX_SET_FEATURES	_IOW(VHX_VIRTIO, 0x00, __u64)
#define VHX_GET_FEATURES_ARRAY	_IOR(VHX_VIRTIO, 0x83, struct vhx_features_array)
#define VHX_SET_FEATURES_ARRAY	_IOW(VHX_VIRTIO, 0x83, struct vhx_features_array)
#define VHX_GET_BACKEND_FEATURES _IOR(VHX_VIRTIO, 0x26, __u64)
#define VHX_SET_BACKEND_FEATURES _IOW(VHX_VIRTIO, 0x25, __u64)

/* The calling process becomes the owner: its memory is the guest's. */
#define VHX_SET_OWNER		_IO(VHX_VIRTIO, 0x01)
/* Stop, forget the owner and the memory table; SET_OWNER may follow. */
#define VHX_RESET_OWNER		_IO(VHX_VIRTIO, 0x02)

#define VHX_SET_MEM_TABLE	_IOW(VHX_VIRTIO, 0x03, struct vhx_memory)
/* Dirty bitmap: one bit per 4 KiB guest page, in __u64 words. */
#define VHX_SET_LOG_BASE	_IOW(VHX_VIRTIO, 0x04, __u64)
/* An eventfd signalled after the bitmap was written. */
#define VHX_SET_LOG_FD		_IOW(VHX_VIRTIO, 0x07, int)

/* Virtqueue setup.  BASE is the next avail index the device will read. */
#define VHX_SET_VRING_NUM	_IOW(VHX_VIRTIO, 0x10, struct vhx_vring_state)
#define VHX_SET_VRING_ADDR	_IOW(VHX_VIRTIO, 0x11, struct vhx_vring_addr)
#define VHX_SET_VRING_BASE	_IOW(VHX_VIRTIO, 0x12, struct vhx_vring_state)
#define VHX_GET_VRING_BASE	_IOWR(VHX_VIRTIO, 0x12, struct vhx_vring_state)

/* Eventfds: the guest kicks us, we call the guest, we report errors. */
#define VHX_SET_VRING_KICK	_IOW(VHX_VIRTIO, 0x20, struct vhx_vring_file)
#define VHX_SET_VRING_CALL	_IOW(VHX_VIRTIO, 0x21, struct vhx_vring_file)
#define VHX_SET_VRING_ERR	_IOW(VHX_VIRTIO, 0x22, struct vhx_vring_file)

/* Microseconds to poll the ring before sleeping (QEMU's poll-us). */
#define VHX_SET_VRING_BUSYLOOP_TIMEOUT _IOW(VHX_VIRTIO, 0x23, struct vhx_vring_state)
/* Upstream encodes GET as _IOW too; so must we. */
#define VHX_GET_VRING_BUSYLOOP_TIMEOUT _IOW(VHX_VIRTIO, 0x24, struct vhx_vring_state)

/* vhx-net: attach a socket (tap, macvtap, packet) to a queue; -1 detaches. */
#define VHX_NET_SET_BACKEND	_IOW(VHX_VIRTIO, 0x30, struct vhx_vring_file)

/* vhx-test: 1 starts every queue, 0 stops them. */
#define VHX_TEST_RUN		_IOW(VHX_VIRTIO, 0x31, int)
/* vhx-test: start (fd != -1) or stop (fd == -1) one queue. */
#define VHX_TEST_SET_BACKEND	_IOW(VHX_VIRTIO, 0x32, int)

/*
 * What /dev/vhx-test does with each chain, so that a driver can check every
 * byte that crossed the ring.  It reads all readable bytes and computes
 * their Adler-32 (RFC 1950; order-sensitive, and cheap enough not to hide
 * the ring's own cost).  Then it fills every writable byte: first a
 * struct vhx_test_reply (cut short if the writable part is smaller), then
 * at writable offset k the byte vhx_test_pattern(k, reply).  The used
 * length is the number of writable bytes.
 */
struct vhx_test_reply {
	__le32 out_len;		/* readable bytes seen, modulo 2^32 */
	__le32 out_csum;	/* their Adler-32 */
};

#define VHX_ADLER_MOD	65521

static inline __u8 vhx_test_pattern(__u64 k, __u32 out_csum)
{
	return (__u8)(k * 7 + out_csum);
}

#endif /* _UAPI_LINUX_VHX_H */
