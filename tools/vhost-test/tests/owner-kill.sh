#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 600 debug=900
#
# Owner death at scale: a driver SIGKILLed in the middle of its traffic,
# VHX_KILL_CYCLES times in a row on each device node (default: 1000 on
# 6.12, whose worker is a thread of the owner that dies with it; 300 on
# the other Debian lines; 150 on the debug line, eight times slower), with
# the test drivers (killloop.c; the nested-QEMU kill test is in
# e2e-life.sh).  vhx-test's drivers log dirty pages as they die, so pages
# are pinned at the moment of death; vhx-net's move frames both ways
# through their own tap.  Afterwards: every device released, no file or
# pinned page more than before, and vhx unloads (kmemleak, on the debug
# line, scans after this test too).
. "$VHX_ROOT/scripts/lib.sh"
case $VHX_KVER in
6.12) cycles=1000 ;;
debug) cycles=150 ;;
*) cycles=300 ;;
esac
cycles=${VHX_KILL_CYCLES:-$cycles}

run() {
	local rc
	timeout -k 5 3000 "$@" 2>&1
	rc=$?
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || t_fail "$(basename "$1") $2 timed out"
}

run "$VHX_ROOT/build/tools/vhx-testdrv" killloop --cycles "$cycles" --ring 64 \
	--log --event-idx --name "vhx-test: owner SIGKILLed in logged traffic"
run "$VHX_ROOT/build/tools/vhx-testdrv" killloop --cycles $((cycles / 4)) --ring 64 \
	--packed --in-order --order crosvm \
	--name "vhx-test: owner SIGKILLed, packed+in_order, crosvm order"
run "$VHX_ROOT/build/tools/vhx-netdrv" --kill-loop "$cycles" --mrg --event-idx \
	--name "vhx-net: owner SIGKILLed in traffic both ways"
t_run "no tap left behind" test -z "$(ip -o link show | grep ' vhxt')"
t_run "vhx unloads after the kill loops" rmmod vhx
t_run "vhx loads again" insmod "$VHX_MODDIR/vhx.ko"
