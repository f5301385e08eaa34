#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make install" into a staging root that mirrors the kernel's modules
# (a tree of symlinks): vhx.ko lands in extra/, depmod runs, modprobe can
# resolve vhx with its dependencies (tun, tap), and the udev rule gives
# /dev/vhx-net to group kvm, mode 0660, as Debian does for vhost-net.
. "$VHX_ROOT/scripts/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
krel=$(kernel_release 6.1)

mkdir -p "$tmp/lib/modules"
cp -as "/lib/modules/$krel" "$tmp/lib/modules/"
rm -f "$tmp/lib/modules/$krel"/modules.dep*
t_run "make install DESTDIR=... (6.1)" make -s -C "$VHX_ROOT" install KVER=6.1 DESTDIR="$tmp"
t_run "vhx.ko in the kernel's extra/" test -f "$tmp/lib/modules/$krel/extra/vhx.ko"
deps=$(modprobe -d "$tmp" -S "$krel" --show-depends vhx 2>&1)
if echo "$deps" | grep -q '/tun\.ko' && echo "$deps" | grep -q '/tap\.ko' &&
	echo "$deps" | tail -n 1 | grep -q "insmod $tmp/lib/modules/$krel/extra/vhx.ko"; then
	t_pass "depmod ran: modprobe resolves vhx after tun and tap"
else
	echo "$deps" | sed 's/^/    /'
	t_fail "depmod ran: modprobe resolves vhx after tun and tap"
fi
rule=$tmp/etc/udev/rules.d/60-vhx.rules
if grep -Eq '^KERNEL=="vhx-net", SUBSYSTEM=="misc", GROUP="kvm", MODE="0660"$' "$rule"; then
	t_pass "udev rule: /dev/vhx-net group kvm, mode 0660"
else
	t_fail "udev rule: /dev/vhx-net group kvm, mode 0660"
fi
