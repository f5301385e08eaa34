# SPDX-License-Identifier: GPL-2.0
#
# Sourced by tests that run inside the test VM: start a nested guest.
#
# nested_run LOG SECONDS [QEMU ARGS...]: boot the VM's own kernel under KVM
# with the nested initramfs (guest/nested-init), serial console to LOG, and
# return QEMU's exit status (124 on timeout).  Extra arguments go to QEMU,
# e.g. a -netdev/-device pair.  VHX_NESTED_APPEND adds to the guest's
# command line (guest/nested-init reads vhx.ip=, vhx.peer=, vhx.mtu=,
# vhx.servers=).  The array VHX_NESTED_WRAP, if set, is a command QEMU runs
# under (vhx-fds, which opens multiqueue tap and vhost fds for it).
nested_run() {
	local log=$1 secs=$2
	shift 2
	timeout --kill-after=5 "$secs" ${VHX_NESTED_WRAP[@]+"${VHX_NESTED_WRAP[@]}"} qemu-system-x86_64 \
		-nodefaults -no-user-config -nic none -display none -no-reboot \
		-machine q35,accel=kvm -cpu "${VHX_NESTED_CPU:-host}" \
		-kernel "$VHX_NESTED_KERNEL" -initrd "$VHX_NESTED_INITRD" \
		-append "console=ttyS0 panic=-1 quiet loglevel=6 ${VHX_NESTED_APPEND:-}" \
		-serial "file:$log" "$@"
}
