#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM lane's verdict on a kernel log: a clean boot with vhx's own error
# messages passes; every kind of splat the lane promises to catch fails.
. "$VHX_ROOT/scripts/lib.sh"
check=$VHX_ROOT/tools/vhost-test/lib/dmesg-check
fix=$VHX_ROOT/tools/vhost-test/selftest/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

t_run "dmesg-check passes a clean log" "$check" "$fix/dmesg-clean.txt"

splats=(
	'WARNING: CPU: 0 PID: 129 at drivers/vhost/main.c:66 vhx_init+0x6/0x1000 [vhx]'
	'BUG: kernel NULL pointer dereference, address: 0000000000000008'
	'kernel BUG at drivers/vhost/vq.c:42!'
	'Oops: 0000 [#1] PREEMPT SMP NOPTI'
	'general protection fault, probably for non-canonical address 0xdead000000000100'
	'BUG: KASAN: slab-out-of-bounds in vhx_get_desc+0x1a/0x200'
	'UBSAN: shift-out-of-bounds in drivers/vhost/vq.c:10:3'
	'WARNING: possible circular locking dependency detected'
	'INFO: task vhx-123:456 blocked for more than 60 seconds.'
	'watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [vhx-1:99]'
	'refcount_t: underflow; use-after-free.'
	'list_add corruption. prev->next should be next (ffff888100000000)'
	'unreferenced object 0xffff888100aa0000 (size 64):'
	'WARNING: suspicious RCU usage'
	'INFO: lockdep is turned off.'
	'WARNING: bad unlock balance detected!'
	'vhx-kmsg: lost 1200 kernel log records while following: the log buffer rolled over'
)
for s in "${splats[@]}"; do
	{ cat "$fix/dmesg-clean.txt"; echo "[    9.000000] $s"; } >"$tmp/log"
	if "$check" "$tmp/log" >/dev/null 2>&1; then
		t_fail "dmesg-check catches: $s"
	else
		t_pass "dmesg-check catches: ${s:0:50}"
	fi
done

if "$check" "$tmp/no-such-file" >/dev/null 2>&1; then
	t_fail "dmesg-check fails on a missing log"
else
	t_pass "dmesg-check fails on a missing log"
fi
