#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vhx-net with a tap behind it, driven by vhx-netdrv acting as the guest:
# every frame checked byte for byte in both directions.  Each case runs
# against /dev/vhx-net and, in the same VM, Debian's /dev/vhost-net: the
# two must behave the same (differential testing).  Where they differ on
# purpose, the case says why.
. "$VHX_ROOT/scripts/lib.sh"
drv=$VHX_ROOT/build/tools/vhx-netdrv

run() {
	local rc
	timeout -k 5 300 "$drv" "$@" 2>&1
	rc=$?
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || t_fail "vhx-netdrv $* timed out"
}

both() {
	local name=$1 dev
	shift
	for dev in /dev/vhx-net /dev/vhost-net; do
		run --device "$dev" --name "${dev#/dev/} $name" "$@"
	done
}

both "60-1514 B" --frames 3000
both "mergeable, event_idx" --frames 3000 --mrg --event-idx
both "mergeable into 256 B buffers" --frames 2000 --mrg --rx-buf 256
both "indirect, event_idx" --frames 2000 --indirect --event-idx
both "header by the device (tap without vnet_hdr)" --frames 2000 --net-hdr --mrg
# Legacy drivers (no VERSION_1): the 10-byte header without MRG_RXBUF, on
# the tap and made by the device; 12 bytes with MRG_RXBUF.
both "legacy 10-byte header" --frames 2000 --legacy
both "legacy 10-byte header by the device" --frames 2000 --legacy --net-hdr
both "legacy, mergeable (12-byte header)" --frames 2000 --legacy --mrg --event-idx
both "ring 64" --frames 2000 --ring 64 --mrg
both "ring 1024, 60 B frames" --frames 5000 --ring 1024 --min-size 60 --max-size 60
both "1514 B frames" --frames 2000 --min-size 1514 --max-size 1514 --mrg
both "TSO/checksum offload, 64 KiB frames" --gso --frames 50 --event-idx
both "hostile backends" --backends

# Busy polling (QEMU's poll-us), with a 1 s timeout on both queues: on the
# lane's single CPU the worker's spin must give way to the driver it waits
# for (need_resched), or each frame would wait out the second and the run
# time out.  Both devices honour it; vhx also counts its polls.
both "busy polling 1 s, one CPU" --frames 2000 --mrg --event-idx --busyloop 1000000

# busy_polls NAME ARGS...: "yes" if vhx-net counted busy polls on both
# queues in a run with ARGS, "no" if on neither.
busy_polls() {
	local name=$1 out
	shift
	out=$(run --device /dev/vhx-net --name "$name" --frames 500 "$@")
	echo "$out" >&2
	if echo "$out" | grep -Eq '^vhx-stats: vq0 .*busy_polls=[1-9]' &&
		echo "$out" | grep -Eq '^vhx-stats: vq1 .*busy_polls=[1-9]'; then
		echo yes
	elif echo "$out" | grep -q '^vhx-stats: vq0 .*busy_polls=0$' &&
		echo "$out" | grep -q '^vhx-stats: vq1 .*busy_polls=0$'; then
		echo no
	fi
}
t_run "vhx-net busy polls on both queues when asked" \
	test "$(busy_polls "vhx-net busy polling (counted)" --busyloop 1000000)" = yes
t_run "vhx-net does not busy poll unless asked" \
	test "$(busy_polls "vhx-net no busy polling (counted)")" = no

# Hostile TX headers: vhx drops the bad frame, returns its buffer and goes
# on.  Debian's 6.1/6.12 vhost_net instead leaves the bad descriptor
# unconsumed and stops, so that guest's TX queue stalls on it for good
# (its own loss, not the host's): vhx only.
run --device /dev/vhx-net --name "vhx-net hostile TX headers" --hostile-tx
both "ring reset of TX while RX stays up" --reset --frames 1000 --mrg --event-idx

# A raw AF_PACKET socket as the backend, on one end of a veth pair; the
# device owns the header (packet sockets have none).
# (Modules cannot autoload in the lane: see Documentation/testing.md.)
t_run "load veth" modprobe veth
ip link add vhxp0 type veth peer name vhxp1
for i in vhxp0 vhxp1; do
	echo 1 >/proc/sys/net/ipv6/conf/$i/disable_ipv6
	ip link set $i up
done
# Ring 16: a veth hands frames to its peer through the per-CPU backlog, and
# bursts of hundreds overflow it on one vCPU (both devices lose the same
# frames then); small bursts make every frame count.
both "AF_PACKET backend" --packet vhxp0:vhxp1 --frames 2000 --mrg --ring 16
ip link del vhxp0

# A deliberate difference: with VERSION_1 the header has num_buffers even
# without MRG_RXBUF, and the spec wants it set (1).  vhx sets it; Debian's
# 6.1/6.12 vhost_net leaves it as the tap wrote it (0), which Linux's
# driver ignores.
run --device /dev/vhx-net --name "vhx-net num_buffers = 1 without MRG_RXBUF" \
	--frames 500 --mode rx --check-num-buffers

# Packed rings and IN_ORDER: vhx-net only, every traffic case again on
# each layout.  Debian's vhost_net offers neither (so QEMU falls back to
# split for it): checked below, so that the day it does, this suite says so.
for layout in "packed:--packed" "in_order:--in-order" "packed+in_order:--packed --in-order"; do
	opts=${layout#*:}
	vhx() {
		local name=$1
		shift
		# shellcheck disable=SC2086
		run --device /dev/vhx-net $opts --name "vhx-net ${layout%%:*}, $name" "$@"
	}
	vhx "60-1514 B" --frames 3000
	vhx "mergeable, event_idx" --frames 3000 --mrg --event-idx
	vhx "mergeable into 256 B buffers" --frames 2000 --mrg --rx-buf 256
	vhx "indirect, event_idx" --frames 2000 --indirect --event-idx
	vhx "header by the device" --frames 2000 --net-hdr --mrg
	vhx "legacy 10-byte header" --frames 2000 --legacy
	vhx "ring 64" --frames 2000 --ring 64 --mrg
	vhx "ring 1024, 60 B frames" --frames 5000 --ring 1024 --min-size 60 --max-size 60
	vhx "1514 B frames" --frames 2000 --min-size 1514 --max-size 1514 --mrg
	vhx "TSO/checksum offload, 64 KiB frames" --gso --frames 50 --event-idx
	vhx "busy polling 1 s, one CPU" --frames 2000 --mrg --event-idx --busyloop 1000000
	vhx "hostile TX headers" --hostile-tx
	vhx "ring reset of TX while RX stays up" --reset --frames 1000 --mrg --event-idx
done
out=$(run --device /dev/vhost-net --in-order --name "vhost-net in_order" --frames 10 2>&1)
if grep -q 'Operation not supported' <<<"$out"; then
	t_pass "vhost-net (Debian) does not offer IN_ORDER (upstream has it from 6.17)"
else
	printf '%s\n' "$out" | sed 's/^/    /'
	t_fail "vhost-net (Debian) does not offer IN_ORDER (upstream has it from 6.17)"
fi
out=$(run --device /dev/vhost-net --packed --name "vhost-net packed" --frames 10 2>&1)
if grep -q 'Operation not supported' <<<"$out"; then
	t_pass "vhost-net (Debian) does not offer packed rings: QEMU uses split with it"
else
	printf '%s\n' "$out" | sed 's/^/    /'
	t_fail "vhost-net (Debian) does not offer packed rings: QEMU uses split with it"
fi
