#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside the VM: show vhx loaded next to Debian's vhost_net and
# a nested guest booting under KVM.  Its PASS/FAIL lines make "make demo"
# fail loudly if any step does not work; the rest is the report.
. "$VHX_ROOT/scripts/lib.sh"
. "$VHX_ROOT/tools/vhost-test/lib/nested.sh"

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

export E2E_BYTES=${E2E_BYTES:-16777216} E2E_RR=${E2E_RR:-1000}
echo "--- a guest whose network runs through vhx-net"
echo "  stock Debian QEMU ($(qemu-system-x86_64 --version | head -n 1 | cut -d' ' -f4)), -enable-kvm on this VM's nested KVM,"
echo "  the Debian kernel's own virtio_net inside, and on the host side:"
echo "    -netdev tap,id=n0,ifname=vhxtap0,script=no,downscript=no,vhost=on,vhostforce=on,vhostfd=N"
echo "    -device virtio-net-pci,netdev=n0   (N: an open /dev/vhx-net)"
echo "  The same guest then runs with N an open /dev/vhost-net (Debian's), and"
echo "  with vhost=off (QEMU's userspace virtio-net), for comparison."
echo "  Each run: ping both ways, $((E2E_BYTES >> 20)) MiB of TCP each way with every byte"
echo "  checked, and $E2E_RR TCP request/responses of 1 byte."
echo
res=/tmp/demo-e2e.log
E2E_CASES="default userspace" bash "$VHX_ROOT/tools/vhost-test/tests/e2e.sh" >"$res" 2>&1
# The check lines reach the harness log as they are: that is what counts.
grep -E '^(PASS|FAIL):' "$res"
echo "  And the same guest under vhx-launch (tools/launcher: KVM, PCI, MSI-X and"
echo "  virtio-pci in one small program; its network entirely in vhx-net):"
echo "    vhx-launch --kernel ... --net tap=vhxtap0"
launch_res=/tmp/demo-launch.log
LAUNCH_ONLY=split bash "$VHX_ROOT/tools/vhost-test/tests/launcher.sh" >"$launch_res" 2>&1
grep -E '^(PASS|FAIL):' "$launch_res"
cat "$launch_res" >>"$res"
echo "  vhx's own counters for the QEMU it served (/sys/kernel/debug/vhx):"
grep -E '^    vhx vq' "$res" | head -n 2

get() { sed -n "s|^e2e-result: $1 .*\\b$2=\\([^ ]*\\).*|\\1|p" "$res" | head -n 1; }
echo
echo "--- results: this VM <-> the nested guest, over a tap"
printf '  %-22s %14s %14s %12s %12s\n' "data path" "guest RX Mb/s" "guest TX Mb/s" "TCP RR/s" "RR latency"
for p in "vhx-net:default/vhx" "vhost-net (Debian):default/vhost" "vhost=off (QEMU):userspace/off" \
	"vhx-launch + vhx-net:vhx-launch split"; do
	name=${p%%:*}
	tag=${p#*:}
	printf '  %-22s %14s %14s %12s %9s us\n' "$name" "$(get "$tag" rx_mbps)" \
		"$(get "$tag" tx_mbps)" "$(get "$tag" rr_tps)" "$(get "$tag" rr_us)"
done
echo "  (The host here is QEMU/TCG and the guest nested in it: compare the rows,"
echo "  not the absolute numbers.  One run each; rerun for the noise.)"
echo "  Moved and checked: $((4 * 2 * E2E_BYTES >> 20)) MiB of TCP payload, every byte."
echo "  Per-run guest console and QEMU logs: build/demo/e2e/"
