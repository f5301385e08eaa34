#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test harness inside the VM, run by /init chrooted into the host root.
#
# It reads the job the host left in /run/vhx-out/job, loads Debian's
# vhost_net and our vhx.ko side by side (they must coexist), runs each test
# script, then checks what every test relies on without saying so: that vhx
# unloads, and that the kernel log holds no splat.
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

echo "vhx-vm: kernel $(uname -r), $(nproc) cpu(s)," \
	"$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) MiB"

t_run "load vhost_net (Debian)" modprobe vhost_net
t_run "load vhx.ko" insmod "$VHX_MODDIR/vhx.ko"

if [ -n "${VHX_SHELL:-}" ]; then
	echo "vhx-vm: shell in $VHX_ROOT; tests in tools/vhost-test/tests;" \
		"'exit' powers off"
	setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
fi

for t in "${VHX_TESTS[@]}"; do
	echo "=== $t"
	s0=$SECONDS
	bash "$t" 2>&1
	rc=$?
	[ $rc -eq 0 ] || t_fail "$(basename "$t") exited with $rc"
	echo "=== $(basename "$t"): $((SECONDS - s0))s"
done

t_run "unload vhx" rmmod vhx
t_run "unload vhost_net (Debian)" rmmod vhost_net

dmesg >"$OUT/dmesg"
t_run "dmesg clean" "$VHX_ROOT/tools/vhost-test/dmesg-check" "$OUT/dmesg"

# Close our end of the tee and let it drain before declaring the end.
exec 1>&3 2>&3 3>&-
wait "$tee_pid"
grep -c '^FAIL:' "$OUT/log" >"$OUT/rc"
sync
