// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhx-net: the virtio-net data path.
 *
 * Two virtqueues, 0 = RX and 1 = TX, each attached (NET_SET_BACKEND) to a
 * socket: a tap (tun with IFF_VNET_HDR, possibly IFF_MULTI_QUEUE), a
 * macvtap, or a raw AF_PACKET socket.  TX takes chains from the guest and
 * sendmsg()s them; RX peeks the next packet's length, gathers enough guest
 * buffers (one chain, or several with MRG_RXBUF), and recvmsg()s into them.
 * Both run on the device's worker, woken by the guest's kick or by the
 * socket (data to receive, or room to send again).  With a tap, TX sends
 * most frames in batches and RX takes them in batches (net_batch.c).
 *
 * The virtio-net header travels with each packet.  Normally the socket
 * speaks it (the tap was set up with IFF_VNET_HDR and the right size), and
 * it passes through untouched but for num_buffers on RX.  If the launcher
 * acks VHX_NET_F_VIRTIO_NET_HDR, the socket has none: we strip it on TX and
 * write a plain one on RX.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/if_vlan.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/nospec.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <uapi/linux/vhx.h>
#include <uapi/linux/virtio_net.h>

#include "vhx.h"
#include "net_batch.h"

enum {
	VHX_NET_RX,
	VHX_NET_TX,
	VHX_NET_NVQS,
};

/*
 * What vhost-net offers on 6.1/6.12, less ACCESS_PLATFORM (vhx has no
 * IOTLB yet; QEMU asks for it only with iommu_platform=on).
 */
#define VHX_NET_FEATURES ((1ULL << VIRTIO_F_NOTIFY_ON_EMPTY) |		\
			  (1ULL << VHX_F_LOG_ALL) |			\
			  (1ULL << VHX_NET_F_VIRTIO_NET_HDR) |		\
			  (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |	\
			  (1ULL << VIRTIO_RING_F_EVENT_IDX) |		\
			  (1ULL << VIRTIO_F_VERSION_1) |		\
			  (1ULL << VIRTIO_NET_F_MRG_RXBUF) |		\
			  (1ULL << VIRTIO_F_RING_PACKED) |		\
			  (1ULL << VIRTIO_F_IN_ORDER) |			\
			  (1ULL << VIRTIO_F_RING_RESET))

/* Packets and bytes per worker run before yielding to the other queue. */
#define VHX_NET_WEIGHT		256
#define VHX_NET_BYTE_WEIGHT	0x80000

/* Most guest buffers one received packet may be spread over. */
#define VHX_NET_MAX_MERGE	256
static_assert(VHX_NET_MAX_MERGE <= VHX_USED_MAX);

/*
 * The longest frame a guest may send, after the header the socket reads:
 * 64 KiB of GSO payload and headers, with an Ethernet and a VLAN header
 * on top.  A longer TX chain is no frame at all, and we never let a
 * socket see it: tun takes the length of what it is handed in an int.
 */
#define VHX_NET_MAX_FRAME	(65536 + VLAN_ETH_HLEN)

struct vhx_net_vq {
	struct vhx_vq vq;
	struct file *file;		/* the backend; holds the socket */
	/*
	 * RX: data to receive; TX: room to send again.  Started and stopped
	 * by the worker under vq.mutex, or once vhx_vq_stop() has made the
	 * worker let go (vhx_net_watch_sock()).
	 */
	struct vhx_poll sock_poll;
	size_t vhx_hlen;		/* header we add (RX) / strip (TX) */
	size_t sock_hlen;		/* header the socket reads/writes */
	bool mergeable;
	bool tap;			/* tun or macvtap: takes batches */
	struct vhx_chain *chains;	/* RX: VHX_NET_MAX_MERGE */
	struct vhx_net_rxq *rxq;	/* RX */
	struct vhx_net_batch *batch;	/* TX */
};

struct vhx_net {
	struct vhx_dev dev;
	struct vhx_net_vq vqs[VHX_NET_NVQS];
	struct vhx_vq *vqp[VHX_NET_NVQS];
};

static struct vhx_net_vq *to_nvq(struct vhx_vq *vq)
{
	return container_of(vq, struct vhx_net_vq, vq);
}

/* The length of the next packet waiting on the socket, 0 if none. */
static int vhx_net_peek_len(struct vhx_net_vq *nvq, struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	unsigned long flags;
	int len = 0;

	lockdep_assert_held(&nvq->vq.mutex);
	if (nvq->rxq->ring)
		return vhx_net_rxq_peek(nvq->rxq);
	if (sock->ops->peek_len)
		return sock->ops->peek_len(sock);
	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	skb = skb_peek(&sk->sk_receive_queue);
	if (skb) {
		len = skb->len;
		if (skb_vlan_tag_present(skb))
			len += VLAN_HLEN;
	}
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	return len;
}

/*
 * A tap takes batches while it does not meter its sender: tun builds a
 * batched frame's skb without charging the socket, so with a finite
 * sndbuf (TUNSETSNDBUF) every frame goes alone and back-pressure holds.
 * QEMU leaves sndbuf unlimited.
 */
static struct vhx_net_batch *vhx_net_tx_batch(struct vhx_net_vq *nvq,
					      struct socket *sock)
{
	return nvq->tap && READ_ONCE(sock->sk->sk_sndbuf) == INT_MAX ?
	       nvq->batch : NULL;
}

/* Send what the batch holds, ahead of anything sent after it. */
static void vhx_net_tx_push(struct vhx_net_vq *nvq, struct socket *sock,
			    struct vhx_net_batch *b)
{
	struct vhx_vq_stats *st = &nvq->vq.stats;
	unsigned int n;
	u64 bytes;

	lockdep_assert_held(&nvq->vq.mutex);
	if (!b || !b->n)
		return;
	n = b->n;
	bytes = b->bytes;
	if (vhx_net_batch_send(b, sock)) {
		st->dropped += n;
	} else {
		st->packets += n;
		st->bytes += bytes;
		st->batched += n;
	}
}

/* Whether the socket's readiness wakes the worker (see sock_poll). */
static void vhx_net_watch_sock(struct vhx_net_vq *nvq, struct socket *sock,
			       bool on)
{
	lockdep_assert_held(&nvq->vq.mutex);
	if (on)
		vhx_poll_start(&nvq->sock_poll, sock->file);
	else
		vhx_poll_stop(&nvq->sock_poll);
}

static void vhx_net_tx(struct vhx_net_vq *nvq)
{
	struct vhx_vq *vq = &nvq->vq;
	struct vhx_ring *r = &vq->ring;
	struct vhx_net_batch *batch;
	unsigned int chains = 0;
	struct socket *sock;
	struct vhx_chain c;
	u64 bytes = 0;
	int ret;

	mutex_lock(&vq->mutex);
	sock = vhx_vq_backend(vq);
	if (!sock)
		goto out;
	batch = vhx_net_tx_batch(nvq, sock);
	vhx_net_watch_sock(nvq, sock, false);
	vhx_ring_disable_notify(r);
	for (;;) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		size_t len;

		ret = vhx_ring_get(r, &c);
		if (ret < 0)
			break;
		if (!ret) {
			/* Out before the guest hears its buffers are free. */
			vhx_net_tx_push(nvq, sock, batch);
			if (vhx_vq_idle(vq, vhx_vq_avail_pending))
				continue;
			break;
		}
		if (c.in || c.out_len < nvq->vhx_hlen) {
			vhx_ring_error(r, "TX chain %u: %u writable buffers, %llu bytes for a %zu-byte header",
				       c.id, c.in, c.out_len, nvq->vhx_hlen);
			vhx_ring_unget(r, &c, 1);
			break;
		}
		len = c.out_len - nvq->vhx_hlen;
		if (len > nvq->sock_hlen + VHX_NET_MAX_FRAME) {
			vhx_ring_error(r, "TX chain %u: %llu bytes, longer than any frame",
				       c.id, c.out_len);
			vq->stats.dropped++;
			vhx_ring_push_used(r, c.id, 0);
			if (vhx_vq_over_weight(vq, ++chains, bytes))
				break;
			continue;
		}
		iov_iter_init(&msg.msg_iter, ITER_SOURCE, r->iov, c.out, c.out_len);
		iov_iter_advance(&msg.msg_iter, nvq->vhx_hlen);
		if (batch) {
			ret = vhx_net_batch_add(batch, sock, &msg.msg_iter,
						nvq->sock_hlen);
			if (ret == -ENOSPC) {
				vhx_net_tx_push(nvq, sock, batch);
				ret = vhx_net_batch_add(batch, sock, &msg.msg_iter,
							nvq->sock_hlen);
			}
			if (!ret) {
				if (vhx_net_batch_full(batch))
					vhx_net_tx_push(nvq, sock, batch);
				goto used;
			}
			/* Not for a batch: alone, after the frames before it. */
			vhx_net_tx_push(nvq, sock, batch);
			iov_iter_init(&msg.msg_iter, ITER_SOURCE, r->iov, c.out,
				      c.out_len);
			iov_iter_advance(&msg.msg_iter, nvq->vhx_hlen);
		}
		ret = sock->ops->sendmsg(sock, &msg, len);
		if (ret == -EAGAIN || ret == -ENOMEM || ret == -ENOBUFS) {
			/* The socket is full: retry when it has room. */
			vhx_ring_unget(r, &c, 1);
			vhx_net_watch_sock(nvq, sock, true);
			break;
		}
		/* Any other error drops the frame (a bad header, say). */
		if (ret < 0) {
			vq->stats.dropped++;
		} else {
			vq->stats.packets++;
			vq->stats.bytes += len;
		}
used:
		vhx_ring_push_used(r, c.id, 0);
		bytes += len;
		if (vhx_vq_over_weight(vq, ++chains, bytes))
			break;
	}
	vhx_net_tx_push(nvq, sock, batch);
	vhx_ring_flush(r);
out:
	mutex_unlock(&vq->mutex);
}

/*
 * Take guest buffers for @need bytes: one chain, or several with MRG_RXBUF.
 * Their iovecs follow each other in r->iov.  Returns how many chains were
 * taken (*have says whether they hold @need), 0 if the ring ran dry
 * (nothing is kept), or a negative errno for a bad ring.
 *
 * A ring that runs dry while we hold every one of its entries cannot give
 * more until we give some back, so the packet can never fit: those chains
 * are returned, short, and the packet is dropped rather than waited for
 * (it would hold up every packet behind it, for good).
 */
static int vhx_net_rx_bufs(struct vhx_net_vq *nvq, u64 need,
			   unsigned int *niov, u64 *have)
{
	struct vhx_ring *r = &nvq->vq.ring;
	unsigned int n = 0, iov = 0, log = 0;
	int ret;

	lockdep_assert_held(&nvq->vq.mutex);
	*have = 0;
	while (*have < need && n < VHX_NET_MAX_MERGE && iov < VHX_IOV_MAX / 2) {
		struct vhx_chain *c = &nvq->chains[n];

		ret = vhx_ring_get_at(r, c, iov, log);
		if (ret > 0 && c->out) {
			vhx_ring_error(r, "RX chain %u has readable buffers", c->id);
			n++;
			ret = -EINVAL;
		}
		if (!ret && n == r->num)
			break;
		if (ret <= 0) {
			vhx_ring_unget(r, nvq->chains, n);
			return ret;
		}
		n++;
		iov += c->in;
		log += c->nlog;
		*have += c->in_len;
		if (!nvq->mergeable)
			break;
	}
	*niov = iov;
	return n;
}

/* Write @len bytes of @buf at byte @off of the buffers just received into. */
static int vhx_net_rx_write(struct vhx_ring *r, unsigned int niov, u64 have,
			    size_t off, const void *buf, size_t len)
{
	struct iov_iter it;

	iov_iter_init(&it, ITER_DEST, r->iov, niov, have);
	iov_iter_advance(&it, off);
	if (copy_to_iter(buf, len, &it) != len) {
		vhx_ring_error(r, "cannot write the RX header");
		return -EFAULT;
	}
	return 0;
}

/*
 * Patch num_buffers into the header the socket wrote.  It nearly always
 * lies in the first iovec: one store there costs a fraction of setting up
 * an iterator, which is left for a header split across buffers.
 */
static int vhx_net_rx_put_num(struct vhx_ring *r, unsigned int niov, u64 have,
			      __virtio16 num)
{
	const size_t off = offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers);

	if (likely(r->iov[0].iov_len >= off + sizeof(num))) {
		if (!put_user(num, (__virtio16 __user *)(r->iov[0].iov_base + off)))
			return 0;
		vhx_ring_error(r, "cannot write the RX header");
		return -EFAULT;
	}
	return vhx_net_rx_write(r, niov, have, off, &num, sizeof(num));
}

/*
 * Receive one packet of @len bytes (with the socket's header, if any) into
 * @n chains: recvmsg, then the header and num_buffers, then one used entry
 * per chain.  Returns the bytes
 * given to the guest, 0 if the packet was dropped (too big for the
 * buffers), or a negative errno.
 */
static int vhx_net_rx_one(struct vhx_net_vq *nvq, struct socket *sock,
			  int n, unsigned int niov, u64 have, int len)
{
	struct vhx_ring *r = &nvq->vq.ring;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_TRUNC };
	size_t hlen = nvq->vhx_hlen ?: nvq->sock_hlen;
	__virtio16 num = cpu_to_vhx16(n);
	u64 left;
	int ret, i;

	lockdep_assert_held(&nvq->vq.mutex);
	iov_iter_init(&msg.msg_iter, ITER_DEST, r->iov, niov, have);
	if (nvq->vhx_hlen)
		iov_iter_advance(&msg.msg_iter, nvq->vhx_hlen);
	/* The frame we peeked at, if we hold it: the socket takes it. */
	if (nvq->rxq->ring)
		msg.msg_control = vhx_net_rxq_take(nvq->rxq);
	ret = sock->ops->recvmsg(sock, &msg, len, MSG_DONTWAIT | MSG_TRUNC);
	if (ret < 0 || ret + nvq->vhx_hlen > have) {
		/* Gone meanwhile, or truncated: give the buffers back. */
		vhx_ring_unget(r, nvq->chains, n);
		return ret < 0 ? ret : 0;
	}
	left = ret + nvq->vhx_hlen;

	if (nvq->vhx_hlen) {
		struct virtio_net_hdr_mrg_rxbuf h = {
			.hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE,
			.num_buffers = num,
		};

		if (vhx_net_rx_write(r, niov, have, 0, &h, nvq->vhx_hlen))
			goto fault;
	} else if (hlen == sizeof(struct virtio_net_hdr_mrg_rxbuf)) {
		if (vhx_net_rx_put_num(r, niov, have, num))
			goto fault;
	}

	for (i = 0; i < n && r->log_base; i++) {
		u64 part = min(left, nvq->chains[i].in_len);

		vhx_ring_log_chain(r, &nvq->chains[i], part);
		left -= part;
	}
	vhx_ring_push_used_together(r, nvq->chains, n, ret + nvq->vhx_hlen);
	return ret + nvq->vhx_hlen;
fault:
	vhx_ring_unget(r, nvq->chains, n);
	return -EFAULT;
}

/* For busy polling: has the socket something for the guest? */
static bool vhx_net_rx_pending(struct vhx_vq *vq)
{
	return vhx_net_peek_len(to_nvq(vq), vhx_vq_backend(vq)) > 0;
}

static void vhx_net_rx(struct vhx_net_vq *nvq)
{
	struct vhx_vq *vq = &nvq->vq;
	struct vhx_ring *r = &vq->ring;
	unsigned int chains = 0, niov;
	struct socket *sock;
	u64 bytes = 0, have;
	int len, n, ret;

	mutex_lock(&vq->mutex);
	sock = vhx_vq_backend(vq);
	if (!sock)
		goto out;
	vhx_ring_disable_notify(r);
	for (;;) {
		len = vhx_net_peek_len(nvq, sock);
		if (len <= 0) {
			/* Nothing to receive: wait a little for more, if asked. */
			vhx_ring_flush(r);
			if (vhx_vq_busy_poll(vq, vhx_net_rx_pending))
				continue;
			/* Drained: the next frame wakes us (at once if one came). */
			vhx_net_watch_sock(nvq, sock, true);
			break;
		}
		/* The socket's own header comes on top of what it peeks. */
		len += nvq->sock_hlen;
		n = vhx_net_rx_bufs(nvq, len + nvq->vhx_hlen, &niov, &have);
		if (n < 0)
			break;
		if (!n) {
			/*
			 * No buffers: the guest's next kick brings us back.
			 * Until then more frames are no reason to wake: a
			 * driver that refills in bursts (DPDK's) would have
			 * us woken for every frame the socket queues.
			 */
			if (vhx_vq_idle(vq, vhx_vq_avail_pending))
				continue;
			vhx_net_watch_sock(nvq, sock, false);
			break;
		}
		ret = vhx_net_rx_one(nvq, sock, n, niov, have, len);
		if (ret > 0) {
			vq->stats.packets++;
			vq->stats.bytes += ret - nvq->vhx_hlen;
			if (nvq->rxq->ring)
				vq->stats.batched++;
		} else if (ret != -EAGAIN) {
			/* Too big (0), or taken by the socket and lost. */
			vq->stats.dropped++;
		}
		if (ret < 0 && ret != -EAGAIN)
			break;
		bytes += max(ret, 0);
		if (vhx_vq_over_weight(vq, ++chains, bytes))
			break;
	}
	vhx_ring_flush(r);
out:
	mutex_unlock(&vq->mutex);
}

/* A kick from the guest or news from the socket: the same work. */
static void vhx_net_serve(struct vhx_net_vq *nvq)
{
	if (nvq->vq.index == VHX_NET_TX)
		vhx_net_tx(nvq);
	else
		vhx_net_rx(nvq);
}

static void vhx_net_handle_kick(struct vhx_work *work)
{
	vhx_net_serve(to_nvq(container_of(work, struct vhx_vq, poll.work)));
}

static void vhx_net_handle_sock(struct vhx_work *work)
{
	vhx_net_serve(container_of(work, struct vhx_net_vq, sock_poll.work));
}

/*
 * The socket behind a backend fd: a tap, a macvtap, or a raw packet
 * socket.  One reference to the file, and the socket derived from that
 * very file: never a second lookup of the fd, which a racing dup2() could
 * change.  Packet sockets are recognised by their family, never by asking
 * the socket for its name.
 */
static struct socket *vhx_net_socket(struct file *file, bool *tap)
{
	struct socket *sock;

	*tap = true;
	sock = tun_get_socket(file);
	if (!IS_ERR(sock))
		return sock;
	sock = tap_get_socket(file);
	if (!IS_ERR(sock))
		return sock;
	*tap = false;
	sock = sock_from_file(file);
	if (sock && sock->sk->sk_family == AF_PACKET &&
	    sock->sk->sk_type == SOCK_RAW)
		return sock;
	return ERR_PTR(-ENOTSOCK);
}

static void vhx_net_detach(struct vhx_net_vq *nvq)
{
	vhx_vq_stop(&nvq->vq);
	vhx_poll_stop(&nvq->sock_poll);
	if (nvq->rxq) {
		/* Frames taken from the tap and not received go back to it. */
		vhx_vq_lock(&nvq->vq);
		vhx_net_rxq_detach(nvq->rxq);
		vhx_vq_unlock(&nvq->vq);
	}
	if (nvq->file)
		fput(nvq->file);
	nvq->file = NULL;
}

static long vhx_net_set_backend(struct vhx_net *n,
				struct vhx_vring_file __user *argp)
{
	struct vhx_vring_file f;
	struct vhx_net_vq *nvq;
	struct socket *sock;
	struct file *file;
	bool tap;
	long ret;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.index >= VHX_NET_NVQS)
		return -ENOBUFS;
	nvq = &n->vqs[array_index_nospec(f.index, VHX_NET_NVQS)];
	if (f.fd == VHX_FILE_UNBIND) {
		vhx_net_detach(nvq);
		return 0;
	}
	/* As upstream: whatever is not a usable socket is -ENOTSOCK. */
	file = fget(f.fd);
	if (!file)
		return -ENOTSOCK;
	sock = vhx_net_socket(file, &tap);
	if (IS_ERR(sock)) {
		fput(file);
		return PTR_ERR(sock);
	}
	if (file == nvq->file) {
		fput(file);
		return 0;
	}
	vhx_net_detach(nvq);
	/* Stopped: the worker does not look at the queue. */
	nvq->tap = tap;
	if (nvq->rxq && tap)
		vhx_net_rxq_attach(nvq->rxq, file);
	ret = vhx_vq_start(&nvq->vq, sock);
	if (ret && nvq->rxq)
		vhx_net_rxq_detach(nvq->rxq);
	if (ret) {
		fput(file);
		return ret;
	}
	/*
	 * vhx_vq_start() queued a run of the worker: it watches the RX
	 * socket from there (a second, unlocked start here would race it).
	 */
	nvq->file = file;
	return 0;
}

/* Header sizes follow the acked features (see the top of this file). */
static void vhx_net_set_hlen(struct vhx_net *n)
{
	u64 f = n->dev.acked_features;
	size_t hdr = f & ((1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			  (1ULL << VIRTIO_F_VERSION_1)) ?
		     sizeof(struct virtio_net_hdr_mrg_rxbuf) :
		     sizeof(struct virtio_net_hdr);
	bool ours = f & (1ULL << VHX_NET_F_VIRTIO_NET_HDR);
	unsigned int i;

	for (i = 0; i < VHX_NET_NVQS; i++) {
		struct vhx_net_vq *nvq = &n->vqs[i];

		vhx_vq_lock(&nvq->vq);
		nvq->vhx_hlen = ours ? hdr : 0;
		nvq->sock_hlen = ours ? 0 : hdr;
		nvq->mergeable = f & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
		vhx_vq_unlock(&nvq->vq);
	}
}

static void vhx_net_stop(struct vhx_dev *dev)
{
	struct vhx_net *n = container_of(dev, struct vhx_net, dev);
	unsigned int i;

	for (i = 0; i < VHX_NET_NVQS; i++)
		vhx_net_detach(&n->vqs[i]);
}

static long vhx_net_own_ioctl(struct vhx_dev *dev, unsigned int ioctl,
			      void __user *argp)
{
	if (ioctl == VHX_NET_SET_BACKEND)
		return vhx_net_set_backend(container_of(dev, struct vhx_net, dev),
					   argp);
	return -ENOIOCTLCMD;
}

static void vhx_net_features_changed(struct vhx_dev *dev)
{
	vhx_net_set_hlen(container_of(dev, struct vhx_net, dev));
}

static const struct vhx_dev_ops vhx_net_ops = {
	.name			= "net",
	.ioctl			= vhx_net_own_ioctl,
	.stop			= vhx_net_stop,
	.features_changed	= vhx_net_features_changed,
};

static int vhx_net_open(struct inode *inode, struct file *f)
{
	struct vhx_net *n;
	unsigned int i;
	int ret;

	n = kvzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	n->vqs[VHX_NET_RX].chains = kvcalloc(VHX_NET_MAX_MERGE,
					     sizeof(struct vhx_chain),
					     GFP_KERNEL_ACCOUNT);
	n->vqs[VHX_NET_RX].rxq = kvzalloc(sizeof(struct vhx_net_rxq),
					  GFP_KERNEL_ACCOUNT);
	n->vqs[VHX_NET_TX].batch = kvzalloc(sizeof(struct vhx_net_batch),
					    GFP_KERNEL_ACCOUNT);
	if (!n->vqs[VHX_NET_RX].chains || !n->vqs[VHX_NET_RX].rxq ||
	    !n->vqs[VHX_NET_TX].batch) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < VHX_NET_NVQS; i++) {
		n->vqs[i].vq.handle_kick = vhx_net_handle_kick;
		n->vqp[i] = &n->vqs[i].vq;
	}
	n->vqs[VHX_NET_TX].vq.device_reads = true;
	ret = vhx_dev_init(&n->dev, &vhx_net_ops, n->vqp, VHX_NET_NVQS,
			   VHX_NET_FEATURES, VHX_NET_WEIGHT, VHX_NET_BYTE_WEIGHT);
	if (ret)
		goto fail;
	vhx_poll_init(&n->vqs[VHX_NET_RX].sock_poll, vhx_net_handle_sock,
		      EPOLLIN, &n->dev);
	vhx_poll_init(&n->vqs[VHX_NET_TX].sock_poll, vhx_net_handle_sock,
		      EPOLLOUT, &n->dev);
	vhx_net_set_hlen(n);
	f->private_data = &n->dev;
	return stream_open(inode, f);
fail:
	kvfree(n->vqs[VHX_NET_TX].batch);
	kvfree(n->vqs[VHX_NET_RX].rxq);
	kvfree(n->vqs[VHX_NET_RX].chains);
	kvfree(n);
	return ret;
}

static int vhx_net_release(struct inode *inode, struct file *f)
{
	struct vhx_net *n = container_of(f->private_data, struct vhx_net, dev);

	vhx_dev_release(&n->dev);
	vhx_net_batch_free(n->vqs[VHX_NET_TX].batch);
	kvfree(n->vqs[VHX_NET_TX].batch);
	kvfree(n->vqs[VHX_NET_RX].rxq);
	kvfree(n->vqs[VHX_NET_RX].chains);
	kvfree(n);
	return 0;
}

static const struct file_operations vhx_net_fops = {
	.owner		= THIS_MODULE,
	.open		= vhx_net_open,
	.release	= vhx_net_release,
	.unlocked_ioctl	= vhx_dev_unlocked_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

struct miscdevice vhx_net_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vhx-net",
	.fops	= &vhx_net_fops,
	.mode	= 0600,
};

/*
 * /dev/vhost-net itself, on vhost's own minor, for launchers that cannot
 * be told another path (kvmtool, rust-vmm based ones).  main.c registers
 * it only when asked to, and only if Debian's vhost_net does not hold the
 * minor already: then each gets -EBUSY from the other, never both.
 */
struct miscdevice vhx_net_alias_misc = {
	.minor	= VHOST_NET_MINOR,
	.name	= "vhost-net",
	.fops	= &vhx_net_fops,
	.mode	= 0600,
};
