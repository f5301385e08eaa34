#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 300
#
# A second-level guest boots under KVM inside the test VM: the lane's
# "-cpu max" exposes SVM, so kvm_amd loads and QEMU can -enable-kvm.
# This is the ground the end-to-end tests stand on.
. "$VHX_ROOT/scripts/lib.sh"
. "$VHX_ROOT/tools/vhost-test/lib/nested.sh"

t_run "load kvm_amd" modprobe kvm_amd || exit 0
t_run "/dev/kvm exists" test -c /dev/kvm || exit 0

log=/tmp/nested-console.log
start=$(date +%s%N)
nested_run "$log" 60 -m 256
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ $rc -eq 0 ] && grep -q '^vhx-nested: up' "$log" && grep -q '^vhx-nested: done' "$log"; then
	t_pass "nested guest boots under KVM and reports back (${ms} ms)"
	grep '^vhx-nested:' "$log" | sed 's/^/    /'
else
	tail -n 30 "$log" | sed 's/^/    /'
	t_fail "nested guest boots under KVM and reports back (qemu exit $rc)"
fi
if grep -q 'Hypervisor detected: KVM' "$log"; then
	t_pass "nested guest runs on KVM"
else
	t_fail "nested guest runs on KVM"
fi
