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
# Wall clock only: each case that both devices run, ROUNDS times in a
# row, the order turned every round (vhx, vhost; vhost, vhx; ...), after
# one run of each that is not counted.  Host load drifts over seconds: two
# runs next to each other meet the same conditions, and turning the order
# puts neither device first every time.  The first run of a case in a
# boot can be slow (at 64 KiB the first pair was its boot's lowest ratio
# in three boots of five, by up to half), so the case warms up first.
# scripts/bench.sh pairs the k-th run of one device with the k-th
# of the other.  Under icount every repeat would count the same: one
# round, no warm-up (the instruction counts were always taken cold).
rounds=${VHX_BENCH_ROUNDS:-6}
[ -n "${VHX_ICOUNT:-}" ] && rounds=1
# netbench DEV NAME ARGS...: one run on /dev/DEV, its lines named "DEV
# NAME" (just DEV if NAME is empty).
netbench() {
	local dev=$1 name=$2
	shift 2
	"${net[@]}" --bench --device "/dev/$dev" "$@" --name "$dev${name:+ $name}" 2>&1 |
		grep -E '^(BENCH|FAIL)'
}
# alternate RUN ROUNDS NAME ARGS...: "RUN DEV NAME ARGS..." on vhx-net
# and vhost-net, ROUNDS times each, the order turned every round, after
# one uncounted warm-up run of each if ROUNDS > 1.
alternate() {
	local run=$1 n=$2 name=$3 k dev order
	shift 3
	if [ "$n" -gt 1 ]; then
		for dev in vhx-net vhost-net; do
			"$run" "$dev" warm-up "$@" >/dev/null
		done
	fi
	for k in $(seq 1 "$n"); do
		order="vhx-net vhost-net"
		[ $((k % 2)) = 0 ] && order="vhost-net vhx-net"
		for dev in $order; do
			"$run" "$dev" "$name" "$@"
		done
	done
}
# both NAME ARGS...: NAME (e.g. "tx 60B") on both devices, in rounds.
both() { alternate netbench "$rounds" "$@"; }
for size in 60 1514; do
	for dir in tx rx; do
		args=(--mode "$dir" --mrg --event-idx --min-size "$size" --max-size "$size" --frames "$nf")
		both "$dir ${size}B" "${args[@]}"
		for layout in "${LAYOUTS[@]:1}"; do
			# shellcheck disable=SC2206
			largs=("${args[@]}" ${layout#*:})
			if [ "${layout%%:*}" = in_order ] && vhost_has_in_order; then
				both "$dir ${size}B [in_order]" "${largs[@]}"
			else
				netbench vhx-net "$dir ${size}B [${layout%%:*}]" "${largs[@]}"
			fi
		done
	done
done
# One run sends and receives (vhx-netdrv names its lines "<dev> tx 64KiB"
# and "<dev> rx 64KiB").
both "" --gso --event-idx --frames "$((nf / 15))"

# A polling driver: DPDK's testpmd on virtio-user (tests/dpdk.sh), which
# never sleeps, suppresses interrupts and kicks per burst only when the
# device asks.  txonly sends 64-byte frames (60 B + FCS) into the tap,
# where the host stack drops them; rxonly counts what vhx-tapfeed --blast
# writes into the tap meanwhile.  One queue pair, split rings (all Debian's
# vhost_net has), VHX_BENCH_DPDK_SECS of forwarding, DPDK_ROUNDS pairs
# (default 2) after a warm-up.  The rate is testpmd's own: the mean of its
# once-a-second Tx-pps (Rx-pps) readings, the first two (start-up) and the
# last left out; under icount its clock is the guest's, so the instruction
# column counts testpmd's polling too: a polling driver spends every
# instruction it is given.
dsecs=${VHX_BENCH_DPDK_SECS:-8}
drounds=${VHX_BENCH_DPDK_ROUNDS:-2}
[ -n "${VHX_ICOUNT:-}" ] && drounds=1
feed=$VHX_ROOT/build/tools/vhx-tapfeed
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
# dpdkbench DEV NAME MODE: one run, one BENCH line.
dpdkbench() {
	local dev=$1 name=$2 mode=$3 log=/tmp/dpdk-bench.log pid i key sum
	ip tuntap add dev vhxbench0 mode tap vnet_hdr
	ip link set vhxbench0 up
	dpdk-testpmd --lcores=0@0,1@0 --no-pci --no-huge -m 128 --no-shconf --no-telemetry \
		--iova-mode=va --log-level=lib.eal:warning \
		"--vdev=net_virtio_user0,path=/dev/$dev,iface=vhxbench0,queues=1,queue_size=256" \
		-- --forward-mode="$mode" --txpkts=60 --nb-cores=1 --rxd=256 --txd=256 \
		--total-num-mbufs=8192 --stats-period=1 </dev/null >"$log" 2>&1 &
	pid=$!
	for ((i = 0; i < 120; i++)); do
		grep -q 'packet forwarding - ports=' "$log" && break
		sleep 0.5
	done
	[ "$mode" = rxonly ] &&
		timeout $((dsecs + 10)) "$feed" --iface vhxbench0 --blast "$((dsecs + 3))" \
			--min-size 60 --max-size 60 >/dev/null &
	sleep $((dsecs + 3))
	kill -INT "$pid"
	wait "$pid"
	wait
	ip link del vhxbench0
	key=Tx-pps
	[ "$mode" = rxonly ] && key=Rx-pps
	sum=$(grep -o "$key: *[0-9]*" "$log" | grep -o '[0-9]*$' | sed '1,2d;$d' |
		awk '{ s += $1; n++ } END { if (n) printf "%d %d %.0f", s, n, s / n }')
	if [ -n "$sum" ]; then
		read -r c s r <<<"$sum"
		echo "BENCH: $dev $name chains=$c secs=$s.000000 chains_per_s=$r"
	else
		echo "FAIL: $dev $name: testpmd gave no rate"
		tail -n 20 "$log" | sed 's/^/    /'
	fi
}
if command -v dpdk-testpmd >/dev/null; then
	for mode in txonly rxonly; do
		alternate dpdkbench "$drounds" "dpdk ${mode%only} 60B" "$mode"
	done
fi
