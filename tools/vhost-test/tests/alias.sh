#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 300
#
# vhost_net_alias=1: vhx also registers /dev/vhost-net (minor 238) for
# launchers that hard-code the path, but only while Debian's vhost_net
# does not hold it; whichever comes second gets EBUSY, cleanly.
. "$VHX_ROOT/scripts/lib.sh"
ko=$VHX_MODDIR/vhx.ko

# Is the /dev/vhost-net node served by vhx?  An open vhx device shows up
# in vhx's debugfs; Debian's does not.
served_by_vhx() {
	local fd n
	exec {fd}<>/dev/vhost-net || return 2
	n=$(ls -d /sys/kernel/debug/vhx/net-* 2>/dev/null | wc -l)
	exec {fd}>&-
	[ "$n" -gt 0 ]
}

rmmod vhx
rmmod vhost_net
t_run "vhx loads with vhost_net_alias=1" insmod "$ko" vhost_net_alias=1
if [ "$(cat /sys/class/misc/vhost-net/dev 2>/dev/null)" = 10:238 ] && [ -c /dev/vhost-net ]; then
	t_pass "alias: /dev/vhost-net is misc 10:238"
else
	t_fail "alias: /dev/vhost-net is misc 10:238"
fi
t_run "alias: /dev/vhost-net is served by vhx" served_by_vhx
out=$(modprobe vhost_net 2>&1)
if [ $? -ne 0 ] && echo "$out" | grep -q 'busy'; then
	t_pass "alias: Debian's vhost_net refused with EBUSY while vhx holds the minor"
else
	t_fail "alias: Debian's vhost_net refused with EBUSY ($out)"
	rmmod vhost_net 2>/dev/null
fi
t_run "alias: vhx unloads, /dev/vhost-net goes" bash -c "rmmod vhx && ! test -e /sys/class/misc/vhost-net"

t_run "alias: Debian's vhost_net loads first" modprobe vhost_net
t_run "alias: vhx still loads with vhost_net_alias=1" insmod "$ko" vhost_net_alias=1
if dmesg | tail -n 20 | grep -q 'vhx: /dev/vhost-net not registered (-16)'; then
	t_pass "alias: vhx says why it did not register /dev/vhost-net"
else
	t_fail "alias: vhx says why it did not register /dev/vhost-net"
fi
served_by_vhx
t_run "alias: /dev/vhost-net stays Debian's" test $? -eq 1
t_run "alias: /dev/vhx-net is there" test -c /dev/vhx-net

# Back to the state the harness set up.
rmmod vhx
insmod "$ko"
