#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks inside the VM: one BENCH line per case (see scripts/bench.sh).
#
# The core: chains of one descriptor, so chains/s is descriptors/s:
# readable only (like TX) and writable only (like RX), at 64 and 1500
# bytes, through /dev/vhx-test on one queue.  The test device checksums
# what it reads and writes a pattern, as it always does; the driver checks
# nothing.
#
# The network: frames of 60 and 1514 bytes (64 and 1518 on the wire, with
# the FCS), TX (guest to tap; the frames die in the host stack) and RX
# (injected into the tap by a packet socket), with vhx-net and Debian's
# vhost-net in turn: mergeable buffers and event index, as Linux guests
# negotiate them.  Then 64 KiB TCP frames with TSO and checksum offload
# (65000 bytes, one at a time each way: vhx-netdrv --gso --bench), 2000
# of them: fewer left the wall-clock rate to a second's noise.
#
# Ring layouts: vhx also runs every case of its own on packed rings, with
# IN_ORDER, and both; those cases are named with the layout in brackets,
# e.g. "vhx-net tx 60B [packed+in_order]".  Debian's vhost_net has no
# packed rings, and IN_ORDER only from 6.17 (7.3): there it runs the
# in_order cases too, for a like-for-like comparison.
#
# The network cases run the driver as SCHED_BATCH.  Guest, tap and device
# worker share one CPU here, and with a normal policy the fair scheduler
# decides at every wake-up whether the worker preempts the driver: how
# many frames a burst the worker takes at once, so its cost per frame,
# follows the scheduler's history rather than the device's.  Under 6.12
# RX at 60 B swung between two such regimes from boot to boot, by up to a
# third in instructions, vhost_net as much as vhx (0.7 context switches a
# frame in one boot, 1.6 in the next).  A batch task's wake-ups preempt
# nobody, and from 6.4 the worker, a thread of the driver's process,
# inherits the policy: each device takes the bursts the driver makes, and
# the counts repeat (0.192270 and 0.192279 s in two boots).  On 6.1 the
# worker is a kthread; CFS's wake-up granularity was stable there anyway.
. "$VHX_ROOT/scripts/lib.sh"
drv=$VHX_ROOT/build/tools/vhx-testdrv
n=${VHX_BENCH_CHAINS:-200000}

# LAYOUTS: name and options; "split" runs untagged.
LAYOUTS=("split:" "packed:--packed" "in_order:--in-order"
	"packed+in_order:--packed --in-order")

for layout in "${LAYOUTS[@]}"; do
	tag=" [${layout%%:*}]"
	[ "${layout%%:*}" = split ] && tag=
	for size in 64 1500; do
		for dir in out in; do
			if [ $dir = out ]; then shape="--max-out 1 --max-in 0"; else shape="--max-out 0 --max-in 1"; fi
			# shellcheck disable=SC2086
			"$drv" traffic --bench --no-verify --queues 1 --ring 256 --batch 64 \
				--event-idx --regions 1 $shape --min-len $size --max-len $size \
				--chains "$n" ${layout#*:} --name "vhx-test $dir ${size}B$tag" 2>&1 |
				grep -E '^(BENCH|FAIL)'
		done
	done
done

nf=${VHX_BENCH_FRAMES:-30000}
net=(chrt --batch 0 "$VHX_ROOT/build/tools/vhx-netdrv")
for size in 60 1514; do
	for dir in tx rx; do
		for dev in vhx-net vhost-net; do
			"${net[@]}" --bench --device "/dev/$dev" --mode $dir --mrg --event-idx \
				--min-size $size --max-size $size --frames "$nf" \
				--name "$dev $dir ${size}B" 2>&1 | grep -E '^(BENCH|FAIL)'
		done
		for layout in "${LAYOUTS[@]:1}"; do
			devs=vhx-net
			if [ "${layout%%:*}" = in_order ] && vhost_has_in_order; then
				devs="vhx-net vhost-net"
			fi
			for dev in $devs; do
				# shellcheck disable=SC2086
				"${net[@]}" --bench --device "/dev/$dev" --mode $dir --mrg --event-idx \
					--min-size $size --max-size $size --frames "$nf" ${layout#*:} \
					--name "$dev $dir ${size}B [${layout%%:*}]" 2>&1 |
					grep -E '^(BENCH|FAIL)'
			done
		done
	done
done
for dev in vhx-net vhost-net; do
	"${net[@]}" --bench --device "/dev/$dev" --gso --event-idx --frames "$((nf / 15))" \
		--name "$dev" 2>&1 | grep -E '^(BENCH|FAIL)'
done
