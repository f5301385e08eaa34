#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 1500
#
# End to end with stock QEMU: a nested guest (Debian kernel, stock
# virtio_net, -enable-kvm) whose network is a tap driven by
#
#   -netdev tap,ifname=vhxtap0,vhost=on,vhostforce=on,vhostfd=N
#
# with N an open /dev/vhx-net, and the same guest with N an open
# /dev/vhost-net (Debian's) for comparison.  The test VM is the guest's
# peer on the tap: ping both ways, a verified TCP transfer each way
# (vhx-tcp: every byte compared, both ends' hashes equal) and a 1-byte
# request/response run.  For vhx, its debugfs counters must show the
# guest's packets (proof that vhx moved them, not QEMU's userspace
# fallback), and QEMU must not have complained about vhost.
#
# E2E_CASES="NAME..." picks cases by name (default: all but "userspace",
# see CASES); the demo picks "default userspace".  Results go to the log
# as PASS/FAIL and as "e2e-result:" lines (read by the demo report).
# tests/e2e-life.sh does the rest: driver reload, link down/up, kill -9,
# live migration.
. "$VHX_ROOT/scripts/lib.sh"
. "$VHX_ROOT/tools/vhost-test/lib/e2e-lib.sh"

BYTES=${E2E_BYTES:-4194304}
RR=${E2E_RR:-500}

# name  data-path  virtio-net-pci options  mtu  queue pairs
CASES=(
	"default        vhx    ''                                              1500 1"
	"default        vhost  ''                                              1500 1"
	"no-offloads    vhx    ',mrg_rxbuf=off,event_idx=off,indirect_desc=off' 1500 1"
	"no-offloads    vhost  ',mrg_rxbuf=off,event_idx=off,indirect_desc=off' 1500 1"
	"no-csum        vhx    ',csum=off,guest_csum=off,guest_tso4=off'        1500 1"
	"no-csum        vhost  ',csum=off,guest_csum=off,guest_tso4=off'        1500 1"
	"jumbo          vhx    ',host_mtu=9000'                                 9000 1"
	"jumbo          vhost  ',host_mtu=9000'                                 9000 1"
	"multiqueue     vhx    ',mq=on,vectors=6'                               1500 2"
	"multiqueue     vhost  ',mq=on,vectors=6'                               1500 2"
	"packed         vhx    ',packed=on'                                     1500 1"
	"packed         vhost  ',packed=on'                                     1500 1"
	"userspace      off    ''                                              1500 1"
)

e2e_init || exit 1

# vhx_check_stats TAG PID QUEUES: vhx's counters for QEMU PID account for
# the transfers (BYTES each way per queue pair), with no drop or error.
vhx_check_stats() {
	local tag=$1 pid=$2 queues=$3 stats rx tx q rxsum=0 txsum=0 share=1
	if ! stats=$(vhx_stats_of "$pid"); then
		t_fail "$tag: vhx stats for QEMU (pid ${pid:-?}) found"
		return
	fi
	echo "$stats" | sed 's/^/    vhx /'
	# With several pairs each must carry a good share: the tap follows a
	# flow to its queue once it has seen it, so a flow's first frames may
	# take another.
	for ((q = 0; q < queues; q++)); do
		rx=$(echo "$stats" | grep '^vq0 ' | sed -n "$((q + 1))p" | field bytes)
		tx=$(echo "$stats" | grep '^vq1 ' | sed -n "$((q + 1))p" | field bytes)
		rxsum=$((rxsum + ${rx:-0}))
		txsum=$((txsum + ${tx:-0}))
		[ "${rx:-0}" -ge $((BYTES / 4)) ] && [ "${tx:-0}" -ge $((BYTES / 4)) ] || share=0
	done
	if [ $rxsum -ge $((queues * BYTES)) ] && [ $txsum -ge $((queues * BYTES)) ]; then
		t_pass "$tag: vhx counted the guest's traffic ($rxsum bytes RX, $txsum TX)"
	else
		t_fail "$tag: vhx counted the guest's traffic ($rxsum bytes RX, $txsum TX; $((queues * BYTES)) each way moved)"
	fi
	if [ "$queues" -gt 1 ]; then
		[ $share = 1 ] && t_pass "$tag: every queue pair carried traffic both ways" ||
			t_fail "$tag: every queue pair carried traffic both ways"
	fi
	if echo "$stats" | grep -qE 'dropped=[1-9]|errors=[1-9]'; then
		t_fail "$tag: no drops or errors in vhx"
	else
		t_pass "$tag: no drops or errors in vhx"
	fi
}

# packed_check TAG PATH: with packed=on, the guest's virtio_net got
# VIRTIO_F_RING_PACKED (feature bit 34) from vhx-net.  QEMU offers the
# guest only what the vhost device offers, and Debian's vhost_net has no
# packed ring: with it the same command line falls back to split.
packed_check() {
	local tag=$1 path=$2 bits bit want=1 what="packed rings (bit 34)"
	bits=$(e2e_console | sed -n 's/^vhx-nested: eth0 features \([01]*\).*/\1/p' | tail -n 1)
	bit=${bits:34:1}
	[ "$path" = vhost ] && { want=0; what="split rings: vhost_net has no packed ring"; }
	if [ "$bit" = "$want" ]; then
		t_pass "$tag: the guest runs $what"
	else
		t_fail "$tag: the guest runs $what (features ${bits:-unknown})"
	fi
}

# e2e_case NAME PATH OPTS MTU QUEUES
e2e_case() {
	local name=$1 path=$2 opts=$3 mtu=$4 queues=$5 tag="$1/$2"
	local pid out q

	# A tap per case: a multi-queue tap takes only multi-queue users.
	e2e_tap_up "$mtu" "$([ "$queues" -gt 1 ] && echo multi_queue)"
	e2e_start "$name-$path" "$path" "$opts" "$mtu" "$queues"
	if ! e2e_wait_up "$tag"; then
		e2e_kill
		e2e_tap_down
		return
	fi
	pid=$(e2e_qemu_pid)
	e2e_ping "$tag"

	# Host -> guest is the guest's RX; guest -> host its TX.  With
	# several queue pairs, once through each (one guest server per pair).
	for ((q = 0; q < queues; q++)); do
		e2e_transfer "$tag" sink "$BYTES" $((11 + q)) $((7777 + q))
		[ $q = 0 ] && echo "e2e-result: $tag rx_mbps=$E2E_MBPS"
		e2e_transfer "$tag" source "$BYTES" $((21 + q)) $((7777 + q))
		[ $q = 0 ] && echo "e2e-result: $tag tx_mbps=$E2E_MBPS"
	done

	out=$("$E2E_TCP" rr "$E2E_GUEST" --count "$RR" 2>&1)
	echo "    $out"
	[ "$(echo "$out" | field ok)" = 1 ] && t_pass "$tag: $RR TCP request/responses" ||
		t_fail "$tag: $RR TCP request/responses"
	echo "e2e-result: $tag rr_tps=$(echo "$out" | field tps) rr_us=$(echo "$out" | field latency_us)"

	[ "$path" = vhx ] && vhx_check_stats "$tag" "$pid" "$queues"

	e2e_stop "$queues"
	t_run "$tag: QEMU exits cleanly" test $? -eq 0
	if e2e_console | grep '^vhx-nested: ping .* ok' >/dev/null; then
		t_pass "$tag: ping guest -> host"
	else
		t_fail "$tag: ping guest -> host"
	fi
	if grep -qi 'vhost' "$E2E_QERR"; then
		sed 's/^/    qemu: /' "$E2E_QERR"
		t_fail "$tag: QEMU said nothing about vhost (no fallback)"
	else
		t_pass "$tag: QEMU said nothing about vhost (no fallback)"
	fi
	e2e_console | grep '^vhx-nested: eth0 features' | sed 's/^/    /'
	[ "$name" = packed ] && packed_check "$tag" "$path"
	e2e_tap_down
}

want=" ${E2E_CASES:-default no-offloads no-csum jumbo multiqueue packed} "
for c in "${CASES[@]}"; do
	eval "set -- $c"
	if [[ $want == *" $1 "* ]]; then
		e2e_case "$@"
	fi
done
