#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz.sh [SECONDS]: build the ring parser's libFuzzer target (clang, ASan,
# UBSan) and run it.  The corpus lives in $VHX_CACHE/fuzz-corpus, so every
# run starts from what earlier ones found.  A crash leaves its input in
# build/fuzz/ and fails.  Prints one PASS/FAIL line with the execution count.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
secs=${1:-60}
out=$VHX_ROOT/build/fuzz
corpus=$VHX_CACHE/fuzz-corpus
mkdir -p "$out" "$corpus"

if ! make -s -C "$VHX_ROOT/tools/vhost-test/unit" O="$VHX_ROOT/build/unit" fuzz \
	>"$out/build.log" 2>&1; then
	sed 's/^/    /' "$out/build.log" | tail -20
	t_fail "build the ring fuzzer (clang, libFuzzer)"
	exit 1
fi

(cd "$out" && "$VHX_ROOT/build/unit/ring-fuzz" -max_total_time="$secs" \
	-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$corpus") \
	>"$out/fuzz.log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
if [ $rc -eq 0 ] && [ -n "$execs" ]; then
	t_pass "fuzz ring parser: ${execs} executions in ${secs}s, no finding ($(ls "$corpus" | wc -l) corpus inputs)"
else
	grep -E 'ERROR|SUMMARY|crash-|timeout-|leak-' "$out/fuzz.log" | head -20 | sed 's/^/    /'
	t_fail "fuzz ring parser (exit $rc; inputs in $out, log $out/fuzz.log)"
	exit 1
fi
