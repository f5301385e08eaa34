#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 600 debug=1200 +VHX_FUZZ_SECONDS
#
# The ioctl and lifecycle fuzzer (vhx-fuzz.c) against /dev/vhx-net and
# /dev/vhx-test, for a budget of VHX_FUZZ_CALLS calls (default: 120000 on
# 6.12, 50000 on the debug line and on 6.1 and 7.3: 1.5 min, 4 min and
# 40 s) or VHX_FUZZ_SECONDS seconds, from VHX_FUZZ_SEED (default: fixed per
# kernel line, so that make check is repeatable; make fuzz draws one).  Its own
# verdict covers errnos, non-owners and hangs; the lane's log gate covers
# the kernel (KASAN, lockdep, UBSAN, WARN on the debug line).  Afterwards
# nothing may be left: no device, no tap, no more files, tasks or pinned
# pages than before, and vhx must unload.  The whole output, with every
# round's seed, is in the lane's results folder (fuzz.log).
. "$VHX_ROOT/scripts/lib.sh"
case $VHX_KVER in
6.12) calls=120000 ;;
*) calls=50000 ;;
esac
calls=${VHX_FUZZ_CALLS:-$calls}
secs=${VHX_FUZZ_SECONDS:-0}
budget="$calls calls"
[ "$secs" = 0 ] || budget="$secs s"
case $VHX_KVER in
6.1) seed=0x61f022 ;;
6.12) seed=0x612f022 ;;
7.3) seed=0x73f022 ;;
*) seed=0xdeb6f022 ;;
esac
seed=${VHX_FUZZ_SEED:-$seed}
log=/run/vhx-out/fuzz.log

files() { awk '{ print $1 }' /proc/sys/fs/file-nr; }
# file-nr reads the kernel's per-CPU file counter without the parts each
# CPU holds back (under max(32, 2 * CPUs) each): two readings with no file
# leaked may differ by twice that, per CPU (files_slack() in util.c).
cpus=$(nproc)
slack=$((2 * (cpus * 2 > 32 ? cpus * 2 : 32) * cpus))
pins() { awk '/^nr_foll_pin_acquired/ { a = $2 } /^nr_foll_pin_released/ { r = $2 }
	END { print a - r }' /proc/vmstat; }
# Threads in the system: the 4th field of loadavg is running/total.
tasks() { cut -d' ' -f4 /proc/loadavg | cut -d/ -f2; }
vhx_devices() { find /sys/kernel/debug/vhx -mindepth 1 -maxdepth 1 | wc -l; }

sleep 1
f0=$(files) p0=$(pins) t0=$(tasks)
echo "fuzz: $budget from seed $seed; every round in $log"
args=(--seed "$seed" --calls "$calls")
[ "$secs" = 0 ] || args+=(--seconds "$secs" --calls 1000000000000)
# The rounds go to the log; progress and the verdict to the lane.
timeout -k 10 $((${secs:-0} > 0 ? secs + 600 : 3600)) \
	"$VHX_ROOT/build/tools/vhx-fuzz" "${args[@]}" >"$log" 2>&1 &
pid=$!
tail -n +1 -f --pid=$pid "$log" 2>/dev/null | grep -a --line-buffered -v ": round "
wait $pid
rc=$?
[ $rc -ne 124 ] && [ $rc -ne 137 ] || t_fail "vhx-fuzz timed out"
[ $rc -eq 0 ] || grep -q '^FAIL:' "$log" || t_fail "vhx-fuzz exited with $rc"

# What closing everything must have given back (releases may trail the
# exit by a moment).
for _ in $(seq 50); do
	[ "$(vhx_devices)" = 0 ] && [ "$(files)" -le $((f0 + slack)) ] &&
		[ "$(pins)" -le "$p0" ] && break
	sleep 0.2
done
t_run "fuzz: every device released" test "$(vhx_devices)" = 0
t_run "fuzz: no tap left behind" test -z "$(ip -o link show | grep ' vhxfz')"
t_run "fuzz: no file leaked ($f0 struct files before, $(files) after, counter slack $slack)" \
	test "$(files)" -le $((f0 + slack))
t_run "fuzz: no page left pinned ($p0 before, $(pins) after)" test "$(pins)" -le "$p0"
t_run "fuzz: no task leaked ($t0 threads before, $(tasks) after)" \
	test "$(tasks)" -le $((t0 + 4))
t_run "vhx unloads after fuzzing" rmmod vhx
t_run "vhx loads again" insmod "$VHX_MODDIR/vhx.ko"
