#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The static checks can fail: checkpatch and sparse, as wired up by
# scripts/static-check.sh, reject fixtures with known faults.  Without this
# a broken setup (no spelling.txt, sparse not run) would pass everything.
. "$VHX_ROOT/scripts/lib.sh"
sc=$VHX_ROOT/scripts/static-check.sh
fix=$VHX_ROOT/tools/vhost-test/selftest/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$sc" checkpatch "$fix/checkpatch-bad.c" 2>&1)
if [ $? -ne 0 ] && grep -q INITIALISED_STATIC <<<"$out"; then
	t_pass "checkpatch rejects a bad fixture"
else
	printf '%s\n' "$out" | sed 's/^/    /'
	t_fail "checkpatch rejects a bad fixture"
fi

# Every kernel line: 7.3 runs its own sparse in its build root, which
# kbuild turns off by itself when it finds it unfit.
for kver in ${VHX_UNIT_KVERS:-$VHX_KVERS_DEFAULT}; do
	rm -rf "$tmp/sparse-bad"
	cp -r "$fix/sparse-bad" "$tmp/"
	out=$("$sc" sparse "$kver" "$tmp/sparse-bad" 2>&1)
	if [ $? -ne 0 ] && grep -q 'plain integer as NULL pointer' <<<"$out"; then
		t_pass "sparse rejects a bad fixture ($kver)"
	else
		printf '%s\n' "$out" | sed 's/^/    /'
		t_fail "sparse rejects a bad fixture ($kver)"
	fi
done
