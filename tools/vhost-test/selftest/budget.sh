#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 5 debug=5
#
# The harness's per-test budget, tested (scripts/check.sh runs this script
# twice in the log gate's VM, which must fail anyway).  The first run
# leaves a child behind and sleeps past its 5 s: the harness must stop
# both, fail naming this script and its last line, and go on.  The second
# run (the child's pid file is there) checks that the child is gone.
#
# Not in tests/: every lane would fail.
. "$VHX_ROOT/scripts/lib.sh"
pidfile=/tmp/vhx-budget-child
if [ -f "$pidfile" ]; then
	if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		t_fail "budget self-test: a script stopped at its budget took its children with it"
	else
		t_pass "budget self-test: a script stopped at its budget took its children with it"
	fi
	exit 0
fi
sleep 600 &
echo $! >"$pidfile"
echo "vhx-budget-selftest: started, sleeping past the budget"
sleep 600
t_fail "budget self-test: this line is never reached"
