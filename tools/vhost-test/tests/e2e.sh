#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
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
# see CASES); the demo picks "default userspace".  Results go to the log as PASS/FAIL and
# as "e2e-result:" lines (read by the demo report).
. "$VHX_ROOT/scripts/lib.sh"
. "$VHX_ROOT/tools/vhost-test/nested.sh"

tcp=$VHX_ROOT/build/tools/vhx-tcp
tap=vhxtap0
host_ip=198.18.0.1
guest_ip=198.18.0.2
logs=/run/vhx-out/e2e
BYTES=${E2E_BYTES:-4194304}
RR=${E2E_RR:-500}
mkdir -p "$logs"

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
	"userspace      off    ''                                              1500 1"
)

t_run "load kvm_amd" modprobe kvm_amd || exit 1
modprobe tun

# The vhx stats of the devices QEMU @pid owns: "vqN packets=... ..." lines,
# one device after the other (vq0 RX, vq1 TX of queue pair 0, then pair 1).
vhx_stats_of() {
	local f found=1
	for f in /sys/kernel/debug/vhx/net-*/stats; do
		[ -r "$f" ] && [ "$(head -n 1 "$f")" = "owner $1" ] || continue
		tail -n +2 "$f"
		found=0
	done
	return $found
}

field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p"; }

# e2e_case NAME PATH OPTS MTU QUEUES
e2e_case() {
	local name=$1 path=$2 opts=$3 mtu=$4 queues=$5 tag="$1/$2" id="$1-$2"
	local console=$logs/$id.console qerr=$logs/$id.qemu netdev fds=() fd
	local qpid pid out ok stats rx tx q port dev

	# A tap per case: a multi-queue tap takes only multi-queue users.
	ip tuntap add dev "$tap" mode tap vnet_hdr $([ "$queues" -gt 1 ] && echo multi_queue)
	ip addr add "$host_ip/24" dev "$tap"
	ip link set "$tap" mtu "$mtu" up

	# One vhost fd per queue pair, as libvirt hands them to QEMU.  QEMU
	# takes several (vhostfds=) only with the tap's queues as fds too
	# (fds=): vhx-fds opens both and runs QEMU.
	netdev="tap,id=n0,ifname=$tap,script=no,downscript=no"
	VHX_NESTED_WRAP=()
	case $path in
	vhx) dev=/dev/vhx-net ;;
	vhost) dev=/dev/vhost-net ;;
	*) dev= ;;
	esac
	if [ "$queues" -gt 1 ]; then
		netdev="tap,id=n0,fds=@TAPFDS@,vhost=on,vhostforce=on,vhostfds=@VHOSTFDS@"
		VHX_NESTED_WRAP=("$VHX_ROOT/build/tools/vhx-fds" --tap "$tap" --queues "$queues" --vhost "$dev" --)
	elif [ -n "$dev" ]; then
		exec {fd}<>"$dev"
		fds+=("$fd")
		netdev+=",vhost=on,vhostforce=on,vhostfd=$fd"
	else
		netdev+=",vhost=off"
	fi
	VHX_NESTED_APPEND="vhx.ip=$guest_ip/24 vhx.peer=$host_ip vhx.mtu=$mtu vhx.servers=$queues" \
		nested_run "$console" 300 -m 256 -smp "$queues" -netdev "$netdev" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:18:00:02$opts" \
		2>"$qerr" &
	qpid=$!
	for fd in "${fds[@]}"; do
		exec {fd}>&-
	done

	# The guest is ready once it answers; a boot takes 10-30 s here.
	if ! out=$("$tcp" rr "$guest_ip" --count 1 --wait 150 2>&1); then
		t_fail "$tag: guest reachable over TCP ($out)"
		pkill -KILL -x qemu-system-x86
		wait "$qpid"
		tail -n 20 "$console" | sed 's/^/    /'
		ip link del "$tap"
		return
	fi
	t_pass "$tag: guest up and reachable"
	# The one QEMU running in this VM (nested_run wraps it in timeout).
	pid=$(pgrep -n -x qemu-system-x86 || true)

	out=$(ping -c 5 -i 0.2 -W 5 "$guest_ip" 2>&1)
	if echo "$out" | grep -q ' 0% packet loss'; then
		t_pass "$tag: ping host -> guest ($(echo "$out" | grep -o 'min/avg/max.*'))"
	else
		echo "$out" | sed 's/^/    /'
		t_fail "$tag: ping host -> guest"
	fi

	# Host -> guest is the guest's RX; guest -> host its TX.  With
	# several queue pairs, once through each (one guest server per pair).
	for ((q = 0; q < queues; q++)); do
		port=$((7777 + q))
		out=$("$tcp" sink "$guest_ip" --port $port --bytes "$BYTES" --seed $((11 + q)) 2>&1)
		echo "    $out"
		ok=$(echo "$out" | field ok)
		[ "$ok" = 1 ] && t_pass "$tag: TCP host -> guest (port $port), $BYTES bytes verified, hashes equal" ||
			t_fail "$tag: TCP host -> guest (port $port) verified"
		[ $q = 0 ] && echo "e2e-result: $tag rx_mbps=$(echo "$out" | field mbps)"

		out=$("$tcp" source "$guest_ip" --port $port --bytes "$BYTES" --seed $((21 + q)) 2>&1)
		echo "    $out"
		ok=$(echo "$out" | field ok)
		[ "$ok" = 1 ] && t_pass "$tag: TCP guest -> host (port $port), $BYTES bytes verified, hashes equal" ||
			t_fail "$tag: TCP guest -> host (port $port) verified"
		[ $q = 0 ] && echo "e2e-result: $tag tx_mbps=$(echo "$out" | field mbps)"
	done

	out=$("$tcp" rr "$guest_ip" --count "$RR" 2>&1)
	echo "    $out"
	ok=$(echo "$out" | field ok)
	[ "$ok" = 1 ] && t_pass "$tag: $RR TCP request/responses" ||
		t_fail "$tag: $RR TCP request/responses"
	echo "e2e-result: $tag rr_tps=$(echo "$out" | field tps) rr_us=$(echo "$out" | field latency_us)"

	if [ "$path" = vhx ]; then
		if stats=$(vhx_stats_of "$pid"); then
			echo "$stats" | sed 's/^/    vhx /'
			# All the transfers went through vhx, each way, plus headers;
			# with several pairs, each carried a good share (the tap
			# follows a flow to its queue once it has seen it, so a
			# flow's first frames may take another).
			local rxsum=0 txsum=0 share=1
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
		else
			t_fail "$tag: vhx stats for QEMU (pid ${pid:-?}) found"
		fi
	fi

	for ((q = 0; q < queues; q++)); do
		"$tcp" quit "$guest_ip" --port $((7777 + q)) >/dev/null 2>&1
	done
	wait "$qpid"
	t_run "$tag: QEMU exits cleanly" test $? -eq 0
	if grep -q '^vhx-nested: ping .* ok' "$console"; then
		t_pass "$tag: ping guest -> host"
	else
		t_fail "$tag: ping guest -> host"
	fi
	if grep -qi 'vhost' "$qerr"; then
		sed 's/^/    qemu: /' "$qerr"
		t_fail "$tag: QEMU said nothing about vhost (no fallback)"
	else
		t_pass "$tag: QEMU said nothing about vhost (no fallback)"
	fi
	grep '^vhx-nested: eth0 features' "$console" | sed 's/^/    /'
	ip link del "$tap"
}

want=" ${E2E_CASES:-default no-offloads no-csum jumbo multiqueue} "
for c in "${CASES[@]}"; do
	eval "set -- $c"
	[[ $want == *" $1 "* ]] && e2e_case "$@"
done
