#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [KVER...]: every vhx test, for each kernel line (default: all).
#
# Steps: static checks (checkpatch, -Werror build, sparse), userspace tools,
# unit tests, then one VM lane per kernel.  Each step prints PASS/FAIL lines
# (scripts/lib.sh); a step that exits non-zero without saying FAIL gets one
# for it.  The last line is "N passed, N failed"; the exit status is 0 only
# when nothing failed.  The whole log is kept in build/check.log.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

read -r -a kvers <<<"${*:-$VHX_KVERS_DEFAULT}"
log=$VHX_ROOT/build/check.log
mkdir -p "$VHX_ROOT/build"
: >"$log"
t0=$(date +%s)

step() {
	local name=$1 rc out s0
	shift
	s0=$(date +%s)
	echo "### $name" | tee -a "$log"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	cat "$out" >>"$log"
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL:' "$out"; then
		t_fail "$name (exit $rc)" | tee -a "$log"
	fi
	rm -f "$out"
	echo "### $name: $(($(date +%s) - s0))s" | tee -a "$log"
}

# The harness's own scripts, then the kernel's ring code in userspace
# (ASan/UBSan), the ABI check, and a short fuzz run (VHX_FUZZ_SECONDS).
unit_tests() {
	local t rc=0
	for t in "$VHX_ROOT"/tools/vhost-test/selftest/*-test.sh; do
		bash "$t" || rc=1
	done
	t_run "build ring and ABI unit tests (ASan, UBSan)" \
		make -s -C "$VHX_ROOT/tools/vhost-test/unit" O="$VHX_ROOT/build/unit" ||
		return 1
	"$VHX_ROOT/build/unit/abi-test" || rc=1
	"$VHX_ROOT/build/unit/ring-test" || rc=1
	"$VHX_ROOT/scripts/fuzz.sh" "${VHX_FUZZ_SECONDS:-60}" || rc=1
	return $rc
}

# The VM lanes: per kernel line, one VM for the tests on the host side
# ("host": the test device, vhx-net against a tap, the fuzzer, the kill
# loops...) and one for those that boot a nested KVM guest ("e2e": the
# heavy ones).  The debug line (KASAN, lockdep, kmemleak, UBSAN) runs the
# core, net, fuzz and kill tests, split over two VMs ("core", "net"); no
# nested guest there.  DPDK's virtio-user against both devices gets a VM
# of its own per kernel line ("dpdk"), with two vCPUs.  One more VM tests
# the log gate itself, and must fail (gate_selftest).  VHX_JOBS VMs run at
# a time (default: one per host core; most VMs have a single vCPU), the
# longest first, so that the short ones fill the gaps at the end.  Outputs
# are shown in matrix order.
# lanes_progress DIR: a line a minute while the lanes run, so that a
# person can tell progress from a hang: each running lane with the checks
# its guest has reported so far (from its live log), and how many are done.
lanes_progress() {
	local dir=$1 start=$SECONDS f lane p x running done
	while sleep 60; do
		running= done=0
		for f in "$dir"/*.log; do
			[ -e "$f" ] || continue
			lane=$(basename "$f" .log)
			if [ -e "$dir/$lane.rc" ]; then
				done=$((done + 1))
				continue
			fi
			p=$(grep -c '^ *PASS:' "$VHX_ROOT/build/vm/$lane/log" 2>/dev/null)
			x=$(grep -c '^ *FAIL:' "$VHX_ROOT/build/vm/$lane/log" 2>/dev/null)
			running+=" ${lane/-/ } (${p:-0} passed, ${x:-0} failed);"
		done
		echo "check: VM lanes, $(((SECONDS - start) / 60)) min: $done done; running:${running:- none}"
	done
}

# lane_stream LANE FILE PID: the lane's PASS and FAIL lines as its guest
# writes them to FILE (its live log), prefixed with the lane so that they
# are not counted twice (the summary counts only lines that start with
# PASS or FAIL: the whole log, shown again when the lanes end).  Ends when
# PID (the lane's subshell) does.
lane_stream() {
	tail -n +1 -F --pid="$3" "$2" 2>/dev/null |
		sed -u -n -E "s/^ *(PASS|FAIL): /[$1] \1: /p"
}

vm_lanes() {
	local k g t jobs=${VHX_JOBS:-$(nproc)} dir=$VHX_ROOT/build/lanes rc=0 ticker me
	local tests=$VHX_ROOT/tools/vhost-test/tests
	local -A group=()
	local -a lanes=() order=()
	for t in "$tests"/*.sh; do
		case $(basename "$t") in
		e2e*.sh | nested-*.sh) group[e2e]+=" $t" ;;
		dpdk.sh) group[dpdk]+=" $t" ;;
		*) group[host]+=" $t" ;;
		esac
	done
	group[core]="$tests/core.sh $tests/owner-kill.sh"
	group[net]="$tests/net.sh $tests/fuzz.sh"
	# Longest first (measured, 2026-12-02: e2e 20 to 27 min, 7.3's the
	# longest; the debug line's 12 to 13; host 6 to 9, 6.12's the
	# longest), so that the short ones fill the gaps at the end.
	for k in $(printf '%s\n' "${kvers[@]}" | sort -rV); do
		[ "$k" = debug ] || lanes+=("$k e2e")
	done
	for k in "${kvers[@]}"; do
		[ "$k" != debug ] || lanes+=("debug core" "debug net")
	done
	for k in 6.12 7.3 6.1; do
		[[ " ${kvers[*]} " == *" $k "* ]] && lanes+=("$k host")
	done
	for k in 6.12 7.3 6.1; do
		[[ " ${kvers[*]} " == *" $k "* ]] && lanes+=("$k dpdk")
	done
	rm -rf "$dir"
	mkdir -p "$dir"
	# Not a job: the loop below counts its jobs to keep VHX_JOBS running.
	lanes_progress "$dir" &
	ticker=$!
	disown "$ticker"
	trap 'kill $(jobs -p) "$ticker" 2>/dev/null; exit 130' INT TERM
	for t in "${lanes[@]}" "gate selftest"; do
		read -r k g <<<"$t"
		while [ "$(jobs -pr | wc -l)" -ge "$jobs" ]; do
			wait -n
		done
		(
			if [ "$g" = selftest ]; then
				gate_selftest >"$dir/$k-$g.log" 2>&1
			else
				# Two vCPUs where races are hunted: the debug
				# line's core lane (a use-after-free of the log
				# eventfd showed only with two), and DPDK's
				# (a driver polling on one CPU saw RX frames
				# half published by the worker on the other).
				smp=1
				[ "$k $g" != "debug core" ] && [ "$g" != dpdk ] || smp=2
				# ($BASHPID read here: in "f $BASHPID &" the
				# background child would expand its own.)
				me=$BASHPID
				rm -f "$VHX_ROOT/build/vm/$k-$g/log"
				lane_stream "$k $g" "$VHX_ROOT/build/vm/$k-$g/log" "$me" &
				# A lane whose VM stalled (vm-run exit 3: the
				# emulated machine froze) runs once more; its
				# first log is kept, its FAIL lines indented.
				for try in 1 2; do
					# shellcheck disable=SC2086 # a list of paths
					"$VHX_ROOT/tools/vhost-test/host/vm-run" --kver "$k" --tag "$g" \
						--smp "$smp" --out "$VHX_ROOT/build/vm/$k-$g" \
						${group[$g]} >"$dir/$k-$g.log" 2>&1
					rc=$?
					[ $rc -eq 3 ] && [ $try = 1 ] || break
					sed 's/^/    /' "$dir/$k-$g.log" >"$dir/$k-$g.stalled"
				done
				if [ -f "$dir/$k-$g.stalled" ]; then
					{
						echo "    [$k $g] stalled once and ran again; the stalled run:"
						cat "$dir/$k-$g.stalled"
					} >>"$dir/$k-$g.log"
				fi
				(exit $rc)
			fi
			echo $? >"$dir/$k-$g.rc"
		) &
	done
	wait
	kill "$ticker" 2>/dev/null
	trap - INT TERM
	for k in "${kvers[@]}"; do
		if [ "$k" = debug ]; then
			order+=("debug core" "debug net")
		else
			order+=("$k host" "$k dpdk" "$k e2e")
		fi
	done
	for t in "${order[@]}" "gate selftest"; do
		read -r k g <<<"$t"
		echo "## VM lane $k, $g"
		cat "$dir/$k-$g.log"
		if [ "$(cat "$dir/$k-$g.rc" 2>/dev/null)" != 0 ]; then
			rc=1
			grep -q '^FAIL:' "$dir/$k-$g.log" ||
				t_fail "[$k $g] VM lane (exit $(cat "$dir/$k-$g.rc" 2>/dev/null))"
		fi
	done
	return $rc
}

# The log gate, tested: a VM whose test floods the kernel log around a
# WARNING and makes the log follower miss lines (tools/vhost-test/selftest/
# gate.sh).  That lane must fail, and for both reasons; its own PASS/FAIL
# lines are shown indented, so that they do not count.
gate_selftest() {
	local out vrc rc=0 ok=1
	out=$("$VHX_ROOT/tools/vhost-test/host/vm-run" --kver "${kvers[0]}" --tag gate \
		--timeout 900 --out "$VHX_ROOT/build/vm/gate" \
		"$VHX_ROOT/tools/vhost-test/selftest/gate.sh" \
		"$VHX_ROOT/tools/vhost-test/selftest/budget.sh" \
		"$VHX_ROOT/tools/vhost-test/selftest/budget.sh" 2>&1)
	vrc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
	[ $vrc -ne 0 ] || ok=
	grep -q 'FAIL: .*dmesg clean' <<<"$out" || ok=
	grep -q 'WARNING: CPU: 0 PID: [0-9]* at vhx-gate-selftest' <<<"$out" || ok=
	grep -q 'vhx-kmsg: lost [0-9]* kernel log records while following' <<<"$out" || ok=
	grep -q 'PASS: .*flooded out of the kernel' <<<"$out" || ok=
	# The follower kept up while it ran: no line lost before it was
	# stopped on purpose.
	sed '/vhx-gate: stopping the follower/q' "$VHX_ROOT/build/vm/gate/kmsg" |
		grep -q 'vhx-kmsg: lost' && ok=
	if [ -n "$ok" ]; then
		t_pass "log gate: a WARNING flooded out of the kernel's buffer fails the lane, and so do lost lines"
	else
		t_fail "log gate: a WARNING flooded out of the kernel's buffer fails the lane, and so do lost lines"
		rc=1
	fi
	# The per-test budget (selftest/budget.sh): stopped at 5 s, named with
	# its last line, its child gone, and the harness went on to the end.
	ok=1
	grep -q 'FAIL: .*budget.sh ran out of its budget of 5s; its last line: vhx-budget-selftest: started' <<<"$out" || ok=
	grep -q 'PASS: .*took its children with it' <<<"$out" || ok=
	grep -q 'PASS: .*unload vhx' <<<"$out" || ok=
	if [ -n "$ok" ]; then
		t_pass "budget: a test that outlives its budget is stopped with its children, named with its last line, and the next test runs"
	else
		t_fail "budget: a test that outlives its budget is stopped with its children, named with its last line, and the next test runs"
		rc=1
	fi
	return $rc
}

step "static checks" "$VHX_ROOT/scripts/static-check.sh" all "${kvers[@]}"
step "userspace tools" t_run "build userspace tools (-Werror)" \
	make -s -C "$VHX_ROOT" tools
step "unit tests" unit_tests
step "VM lanes" vm_lanes

passed=$(grep -c '^PASS:' "$log")
failed=$(grep -c '^FAIL:' "$log")
echo "check: ${kvers[*]}: $(($(date +%s) - t0))s, log in $log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
