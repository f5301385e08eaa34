#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test harness inside the VM, run by /init chrooted into the host root.
#
# It reads the job the host left in /run/vhx-out/job, loads Debian's
# vhost_net and our vhx.ko side by side (they must coexist), runs each test
# script, then checks what every test relies on without saying so: that vhx
# unloads, and that the kernel log holds no splat.  The kernel log is
# followed from the start (vhx-kmsg, into /run/vhx-out/kmsg), so that no
# line can roll out of the kernel's buffer unseen.  On a kernel with
# kmemleak (the debug line), each test is followed by a scan that must
# find nothing.
#
# Everything goes to the console and to /run/vhx-out/log.  The log is the
# verdict: the host counts its PASS/FAIL lines.  /run/vhx-out/rc, written
# last, only says the harness got to the end (a hang or a panic leaves none).

OUT=/run/vhx-out
# shellcheck source=/dev/null
. "$OUT/job"
cd "$VHX_ROOT" || exit 1
. scripts/lib.sh

exec 3>&1 > >(tee -a "$OUT/log") 2>&1
tee_pid=$!

# Every line the kernel prints from here on, as it prints it.
"$VHX_ROOT/build/tools/vhx-kmsg" "$OUT/kmsg" &
kmsg_pid=$!

# kmemleak_check WHAT: on a kernel with kmemleak, a scan must report no
# unreferenced object.  Objects younger than 5 s are never reported, so
# wait that out first; after a report, clear it, so that the next check
# only sees what is new.
kmemleak=/sys/kernel/debug/kmemleak
kmemleak_check() {
	local what=$1 found
	[ -w "$kmemleak" ] || return 0
	sleep 6
	echo scan >"$kmemleak"
	found=$(cat "$kmemleak")
	if [ -z "$found" ]; then
		t_pass "kmemleak: nothing leaked $what"
	else
		printf '%s\n' "$found" | head -n 80 | sed 's/^/    /'
		t_fail "kmemleak: nothing leaked $what ($(grep -c 'unreferenced object' <<<"$found") objects)"
		echo clear >"$kmemleak"
	fi
}
if [ -w "$kmemleak" ]; then
	# What the boot left (early allocations kmemleak cannot follow).
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi

echo "vhx-vm: kernel $(uname -r), $(nproc) cpu(s)," \
	"$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) MiB"

t_run "load vhost_net (Debian)" modprobe vhost_net
t_run "load vhx.ko" insmod "$VHX_MODDIR/vhx.ko"

if [ -n "${VHX_SHELL:-}" ]; then
	echo "vhx-vm: shell in $VHX_ROOT; tests in tools/vhost-test/tests;" \
		"'exit' powers off"
	setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
fi

# Each script runs within its budget (test_budget, scripts/lib.sh): one
# that outlives it is stopped with everything it started (timeout signals
# the whole process group), fails naming itself and its last line, and the
# next one runs.  A script without a budget has only the VM's limit.
for t in "${VHX_TESTS[@]}"; do
	echo "=== $t"
	s0=$SECONDS
	budget=$(test_budget "$t" "$VHX_KVER")
	if [ -n "$budget" ]; then
		timeout --kill-after=30 "$budget" bash "$t" </dev/null 2>&1
		rc=$?
	else
		bash "$t" </dev/null 2>&1
		rc=$?
	fi
	if [ -n "$budget" ] && { [ $rc -eq 124 ] || [ $rc -eq 137 ]; }; then
		last=$(grep -v -e '^$' -e '^===' "$OUT/log" | tail -n 1)
		t_fail "$(basename "$t") ran out of its budget of ${budget}s; its last line: ${last:-none}"
	elif [ $rc -ne 0 ]; then
		t_fail "$(basename "$t") exited with $rc"
	fi
	kmemleak_check "by $(basename "$t")"
	echo "=== $(basename "$t"): $((SECONDS - s0))s"
done

t_run "unload vhx" rmmod vhx
t_run "unload vhost_net (Debian)" rmmod vhost_net
kmemleak_check "once vhx was unloaded"

dmesg >"$OUT/dmesg"
kill -TERM "$kmsg_pid"
wait "$kmsg_pid"
t_run "dmesg clean (every kernel line, followed as written)" \
	"$VHX_ROOT/tools/vhost-test/lib/dmesg-check" "$OUT/kmsg"

# Close our end of the tee and let it drain before declaring the end.
exec 1>&3 2>&3 3>&-
wait "$tee_pid"
grep -c '^FAIL:' "$OUT/log" >"$OUT/rc"
sync
