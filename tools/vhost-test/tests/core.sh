#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 900 debug=1500
#
# The vhx core through /dev/vhx-test, driven by vhx-testdrv acting as the
# guest and the launcher: hostile ioctls, verified traffic across ring
# sizes and features, the ioctl orders of QEMU, kvmtool and crosvm, live
# changes (memory table, call eventfd, detach/re-attach, RESET_OWNER,
# dirty logging), hostile rings, and lifecycle.  Every byte is checked.
. "$VHX_ROOT/scripts/lib.sh"
drv=$VHX_ROOT/build/tools/vhx-testdrv

# run MODE ARGS...: one vhx-testdrv run; its PASS/FAIL lines are the
# result.  A run that hangs is killed and fails.
run() {
	local mode=$1 rc
	shift
	timeout -k 5 300 "$drv" "$mode" "$@" 2>&1
	rc=$?
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || t_fail "vhx-testdrv $mode $* timed out"
}

run ioctls

# traffic_suite LABEL OPTIONS...: the whole traffic list on one ring
# layout.  Integrity: ring sizes from 1 to 32768, small and large buffers;
# the three launchers' ioctl orders; live changes half-way.
traffic_suite() {
	local label=$1 ring chains len order mid
	shift
	for ring in 1 2 256 32768; do
		chains=3000
		len=2048
		[ "$ring" -ge 32768 ] && { chains=70000; len=64; }
		run traffic "$@" --name "${label}ring $ring" --ring "$ring" \
			--chains "$chains" --max-len "$len"
		run traffic "$@" --name "${label}ring $ring, indirect, event_idx" \
			--ring "$ring" --chains "$chains" --max-len "$len" --indirect \
			--event-idx --regions 8
	done
	run traffic "$@" --name "${label}one region, 1-byte buffers" --regions 1 \
		--max-len 1 --max-out 16 --max-in 16
	run traffic "$@" --name "${label}large buffers across regions" --regions 8 \
		--min-len 30000 --max-len 65536 --chains 300 --ring 64
	run traffic "$@" --name "${label}readable only" --max-in 0 --event-idx
	run traffic "$@" --name "${label}writable only" --max-out 0 --indirect
	run traffic "$@" --name "${label}batch 1 (kick per chain)" --batch 1 --chains 2000
	for order in qemu kvmtool crosvm; do
		# kvmtool acks features only after starting the rings, which
		# a packed ring cannot survive (the layout is a feature), and
		# has no packed rings anyway.
		[[ $order == kvmtool && " $* " == *" --packed "* ]] && continue
		run traffic "$@" --name "${label}$order ioctl order" --order "$order" \
			--event-idx --indirect
	done
	for mid in memswap callswap reattach reset log; do
		run traffic "$@" --name "${label}mid-run $mid" --mid "$mid" --chains 6000 \
			--event-idx
	done
	run traffic "$@" --name "${label}dirty log from the start" --log --indirect --regions 8
	# A bitmap base that is not 8-byte aligned, each of its pages
	# followed physically by a page of ours: every bit must land in the
	# bitmap, none in those pages (a device addressing the bitmap by
	# words once set them there: logedge.c).
	run traffic "$@" --name "${label}dirty log, unaligned bitmap across page ends" \
		--log --log-edge --indirect --regions 8
	# SET_LOG_FD swapped (and its eventfd closed) by another thread all
	# through logged traffic: the worker signals the log eventfd after
	# each logged batch, and must never signal one that is gone (KASAN,
	# on the debug line, sees it if it does).
	run traffic "$@" --name "${label}log eventfd swapped under logged traffic" \
		--log --log-fd-storm --chains 6000 --event-idx
}

# Every ring layout.  With IN_ORDER, read-only chains come back as one used
# entry per run, which the driver side unfolds and checks.
traffic_suite ""
traffic_suite "packed, " --packed
traffic_suite "in_order, " --in-order
traffic_suite "packed+in_order, " --packed --in-order

run hostile
run hostile --packed

# The error was said, once per cause at least, rate limited.
if dmesg | grep -q 'vhx: vq 0: chain 0: longer than the ring'; then
	t_pass "hostile ring reported in dmesg (rate-limited vq message)"
else
	t_fail "hostile ring reported in dmesg (rate-limited vq message)"
fi
if dmesg | grep -q 'vhx: vq 0: chain 0: descriptor 1 is not available in lap 1'; then
	t_pass "hostile packed ring reported in dmesg"
else
	t_fail "hostile packed ring reported in dmesg"
fi

# A third as many cycles on the debug line, which is eight times slower.
cycles=300
[ "$VHX_KVER" != debug ] || cycles=100
run lifecycle --cycles "$cycles"
run fairness
t_run "vhx unloads after the core tests" rmmod vhx
t_run "vhx loads again" insmod "$VHX_MODDIR/vhx.ko"
