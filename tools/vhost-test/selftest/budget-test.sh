#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_budget (scripts/lib.sh): a test script's "# vhx-budget: N [debug=M]"
# read for each kernel line; nothing when it names none.
. "$VHX_ROOT/scripts/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/bash\n# vhx-budget: 900 debug=2700\n# vhx-budget: 1\n' >"$tmp/both.sh"
printf '#!/bin/bash\n# vhx-budget: 300\n' >"$tmp/plain.sh"
printf '#!/bin/bash\n# a script that names no budget\n' >"$tmp/none.sh"
printf '#!/bin/bash\n# vhx-budget: 600 debug=900 +VHX_T_SECS\n' >"$tmp/var.sh"

expect() {
	local file=$1 kver=$2 want=$3 got
	got=$(test_budget "$tmp/$file" "$kver")
	if [ "$got" = "$want" ]; then
		t_pass "test_budget $file on $kver: ${want:-none}"
	else
		t_fail "test_budget $file on $kver: ${want:-none} (got '${got}')"
	fi
}
expect both.sh 6.1 900
expect both.sh debug 2700
expect plain.sh 7.3 300
expect plain.sh debug 300
expect none.sh 6.12 ""
expect missing.sh 6.1 ""
expect var.sh 6.1 600
VHX_T_SECS=3600 expect var.sh 6.1 4200
VHX_T_SECS=3600 expect var.sh debug 4500
VHX_T_SECS=junk expect var.sh 6.1 600
