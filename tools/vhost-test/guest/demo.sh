#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside the VM: show vhx loaded next to Debian's vhost_net and
# a nested guest booting under KVM.  Its PASS/FAIL lines make "make demo"
# fail loudly if any step does not work; the rest is the report.
. "$VHX_ROOT/scripts/lib.sh"
. "$VHX_ROOT/tools/vhost-test/nested.sh"

echo "--- modules"
lsmod | awk 'NR == 1 || $1 ~ /^(vhx|vhost_net|vhost|tun)$/'
grep -q '^vhx ' /proc/modules && t_pass "vhx loaded" || t_fail "vhx loaded"

echo "--- device nodes"
for n in /dev/vhx-net /dev/vhx-test /dev/vhost-net; do
	if [ -c "$n" ]; then
		printf '  %-15s misc %s, mode %s\n' "$n" \
			"$(cat "/sys/class/misc/$(basename "$n")/dev")" "$(stat -c %a "$n")"
	else
		t_fail "$n exists"
	fi
done

echo "--- nested guest (QEMU -enable-kvm inside this VM)"
t_run "load kvm_amd" modprobe kvm_amd
log=/tmp/nested-console.log
start=$(date +%s%N)
if nested_run "$log" 60 -m 256 && grep -q '^vhx-nested: done' "$log"; then
	grep '^vhx-nested:' "$log" | sed 's/^/  /'
	t_pass "nested guest booted in $((($(date +%s%N) - start) / 1000000)) ms"
else
	tail -n 20 "$log" | sed 's/^/  /'
	t_fail "nested guest booted"
fi
echo "--- not yet: the nested guest has no network. vhx-net's data path is"
echo "    tested with a tap (make check); QEMU driving it end to end comes next."
