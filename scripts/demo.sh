#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [KVER]: build vhx for one kernel line and show it at work in the
# VM lane (tools/vhost-test/guest/demo-in-vm.sh runs inside).  "make demo" calls
# the setup step first.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
kver=${1:-6.1}

echo "demo: building vhx for kernel $kver ($(kernel_release "$kver"))"
make -s -C "$VHX_ROOT" modules tools KVER="$kver" || die "build failed"
echo "demo: booting the VM lane (QEMU/TCG; about half a minute)"
"$VHX_ROOT/tools/vhost-test/host/vm-run" --kver "$kver" \
	--out "$VHX_ROOT/build/demo" "$VHX_ROOT/tools/vhost-test/guest/demo-in-vm.sh"
rc=$?
echo
if [ $rc -eq 0 ]; then
	echo "demo: OK. Logs: $VHX_ROOT/build/demo/{log,dmesg,console.log}"
else
	echo "demo: FAILED. Logs: $VHX_ROOT/build/demo/{log,dmesg,console.log}"
fi
exit $rc
