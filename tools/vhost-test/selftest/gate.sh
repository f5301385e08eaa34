#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The log gate's own test (scripts/check.sh runs it in a VM of its own and
# expects the lane to FAIL): a WARNING buried under a flood of log lines
# must still be seen, and a stretch of the log lost must fail the lane.
#
#  1. 40000 lines, a WARNING, 40000 lines more: the WARNING has rolled out
#     of the kernel's buffer by the end (dmesg no longer has it), but the
#     harness's follower (vhx-kmsg) wrote it down as it came.
#  2. The follower stopped, 80000 lines (more than the buffer holds), the
#     follower let go again: it must notice the records it missed.
#
# Not in tests/: every lane would fail.
. "$VHX_ROOT/scripts/lib.sh"
kmsg=$VHX_ROOT/build/tools/vhx-kmsg

# Writers to /dev/kmsg are rate limited unless this is on.
echo on >/proc/sys/kernel/printk_devkmsg
"$kmsg" --flood 40000 "vhx-gate: filler line, long enough to fill the buffer quickly ........................................"
echo "WARNING: CPU: 0 PID: $$ at vhx-gate-selftest (a WARNING the gate must see)" >/dev/kmsg
"$kmsg" --flood 40000 "vhx-gate: filler line, long enough to fill the buffer quickly ........................................"
if dmesg | grep -q 'vhx-gate-selftest'; then
	t_fail "gate self-test: the WARNING was flooded out of the kernel's buffer"
else
	t_pass "gate self-test: the WARNING was flooded out of the kernel's buffer"
fi

# From here on, lost lines are expected (and before here, none may be).
echo "vhx-gate: stopping the follower" >/dev/kmsg
sleep 1
follower=$(pgrep -x vhx-kmsg)
kill -STOP $follower
"$kmsg" --flood 80000 "vhx-gate: filler line while the follower sleeps ........................................................"
kill -CONT $follower
sleep 2
echo "gate self-test: done; this lane must now fail on the WARNING and the lost lines"
