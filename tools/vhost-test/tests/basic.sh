#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 300
#
# The module is loaded (by the harness) next to Debian's vhost_net: both
# device nodes are there, with the permissions and numbers their misc
# registrations promise, and they open and close.
. "$VHX_ROOT/scripts/lib.sh"
open=$VHX_ROOT/build/tools/vhx-open

# check_node NODE: a char device, root-only, matching its sysfs entry.
check_node() {
	local node=$1 name want got
	name=$(basename "$node")
	if [ ! -c "$node" ]; then
		t_fail "$node exists"
		return
	fi
	t_pass "$node exists"

	got=$(stat -c '%a %U %G' "$node")
	if [ "$got" = "600 root root" ]; then
		t_pass "$node mode 0600 root:root"
	else
		t_fail "$node mode 0600 root:root (got $got)"
	fi

	want=$(cat "/sys/class/misc/$name/dev" 2>/dev/null)
	got=$(printf '%d:%d' "0x$(stat -c %t "$node")" "0x$(stat -c %T "$node")")
	if [ -n "$want" ] && [ "$want" = "$got" ] && [ "${got%%:*}" = 10 ]; then
		t_pass "$node is misc device $got"
	else
		t_fail "$node is misc device (node $got, sysfs '$want')"
	fi
}

for n in /dev/vhx-net /dev/vhx-test /dev/vhost-net; do
	check_node "$n"
done

# Coexistence: Debian's vhost-net keeps its fixed minor, vhx takes others.
if [ "$(cat /sys/class/misc/vhost-net/dev)" = 10:238 ]; then
	t_pass "vhost-net keeps minor 238"
else
	t_fail "vhost-net keeps minor 238 (got $(cat /sys/class/misc/vhost-net/dev))"
fi

t_run "open/close /dev/vhx-net 1000 times" "$open" --count 1000 /dev/vhx-net
t_run "open/close /dev/vhx-test 1000 times" "$open" --count 1000 /dev/vhx-test
t_run "unprivileged open of /dev/vhx-net fails with EACCES" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$open" --expect-errno EACCES /dev/vhx-net

# Reloading must work: nothing may pin the module once the files are closed.
t_run "rmmod vhx after use" rmmod vhx
t_run "nodes gone after rmmod" test ! -e /dev/vhx-net -a ! -e /dev/vhx-test
t_run "reload vhx.ko" insmod "$VHX_MODDIR/vhx.ko"
t_run "/dev/vhx-net back after reload" test -c /dev/vhx-net
