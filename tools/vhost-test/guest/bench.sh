#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks inside the VM: one BENCH line per case (see scripts/bench.sh).
# Chains of one descriptor, so chains/s is descriptors/s: readable only
# (like TX) and writable only (like RX), at 64 and 1500 bytes, through
# /dev/vhx-test on one queue.  The test device checksums what it reads and
# writes a pattern, as it always does; the driver checks nothing.
. "$VHX_ROOT/scripts/lib.sh"
drv=$VHX_ROOT/build/tools/vhx-testdrv
n=${VHX_BENCH_CHAINS:-200000}

for size in 64 1500; do
	for dir in out in; do
		if [ $dir = out ]; then shape="--max-out 1 --max-in 0"; else shape="--max-out 0 --max-in 1"; fi
		# shellcheck disable=SC2086
		"$drv" traffic --bench --no-verify --queues 1 --ring 256 --batch 64 \
			--event-idx --regions 1 $shape --min-len $size --max-len $size \
			--chains "$n" --name "vhx-test $dir ${size}B" 2>&1 |
			grep -E '^(BENCH|FAIL)'
	done
done
