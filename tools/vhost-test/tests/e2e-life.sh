#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 1800
#
# End to end with stock QEMU, the events of a guest's life (see e2e.sh for
# the setup), each through vhx-net and, for comparison, Debian's vhost-net:
#
# - reload: the guest unloads and reloads virtio_net; QEMU stops vhost
#   and starts it again on the same fd; traffic flows after.
# - link: "set_link n0 off" then "on" from QEMU's monitor (QEMU stops and
#   restarts vhost with the link); no ping while down, traffic after.
# - kill: QEMU is killed with SIGKILL during a transfer, E2E_KILLS times
#   (default 5, and 5 for vhost-net, which is only the comparison): every vhx
#   device is released, and vhx still unloads at the end (the harness).
#   Each kill costs a nested boot; owner death at scale (1000 kills in
#   traffic, with the test drivers) is owner-kill.sh's.
# - migrate: live migration to a second QEMU in this VM (-incoming)
#   during a transfer into the guest: vhx logs the pages it writes, the
#   destination carries on, the transfer completes with every byte right.
. "$VHX_ROOT/scripts/lib.sh"
. "$VHX_ROOT/tools/vhost-test/lib/e2e-lib.sh"

BYTES=${E2E_BYTES:-4194304}
KILLS=${E2E_KILLS:-5}

e2e_init || exit 1

# Both directions, verified, after whatever the case did.
traffic_after() {
	e2e_transfer "$1" sink "$BYTES" 31
	e2e_transfer "$1" source "$BYTES" 32
}

finish() {
	local tag=$1
	e2e_stop
	t_run "$tag: QEMU exits cleanly" test $? -eq 0
	if grep -qi 'vhost' "$E2E_QERR"; then
		sed 's/^/    qemu: /' "$E2E_QERR"
		t_fail "$tag: QEMU said nothing about vhost"
	fi
	e2e_tap_down
}

reload_case() {
	local path=$1 tag="reload/$1"
	e2e_tap_up 1500
	E2E_APPEND="vhx.reload=1" e2e_start "reload-$path" "$path" "" 1500 1
	e2e_wait_up "$tag" || { e2e_kill; e2e_tap_down; return; }
	if e2e_console | grep '^vhx-nested: virtio_net reloaded, ping .* ok' >/dev/null; then
		t_pass "$tag: virtio_net unloaded and reloaded in the guest, ping after"
	else
		t_fail "$tag: virtio_net unloaded and reloaded in the guest, ping after"
	fi
	traffic_after "$tag"
	finish "$tag"
}

link_case() {
	local path=$1 tag="link/$1"
	e2e_tap_up 1500
	e2e_start "link-$path" "$path" "" 1500 1
	e2e_wait_up "$tag" || { e2e_kill; e2e_tap_down; return; }
	e2e_monitor "set_link n0 off"
	sleep 1
	if ping -c 2 -W 2 "$E2E_GUEST" >/dev/null 2>&1; then
		t_fail "$tag: no ping while the link is down"
	else
		t_pass "$tag: no ping while the link is down"
	fi
	e2e_monitor "set_link n0 on"
	sleep 1
	e2e_ping "$tag"
	traffic_after "$tag"
	finish "$tag"
}

kill_case() {
	local path=$1 n=$2 tag="kill/$1" i bad=0 left sink_pid
	e2e_tap_up 1500
	for ((i = 0; i < n; i++)); do
		e2e_start "kill-$path" "$path" "" 1500 1
		if ! e2e_wait_up ""; then
			bad=$((bad + 1))
			# What QEMU and the guest said, for the log.
			echo "    $tag: boot $((i + 1)) did not come up"
			e2e_boot_report
			e2e_kill
			continue
		fi
		# A big transfer each way, then SIGKILL in the middle of it.
		"$E2E_TCP" sink "$E2E_GUEST" --bytes $((BYTES * 16)) >/dev/null 2>&1 &
		sink_pid=$!
		sleep 0.$((RANDOM % 9 + 1))
		e2e_kill
		kill "$sink_pid" 2>/dev/null
		wait
	done
	left=$(vhx_open_devices)
	if [ $bad = 0 ] && [ "$left" = 0 ]; then
		t_pass "$tag: QEMU SIGKILLed during traffic $n times, every device released"
	else
		t_fail "$tag: QEMU SIGKILLed during traffic $n times ($bad did not boot, $left vhx devices left open)"
	fi
	e2e_tap_down
}

# migrate_case PATH [OPTS NAME]: OPTS for virtio-net-pci (packed=on).
migrate_case() {
	local path=$1 opts=${2:-} name=${3:-migrate} tag="${3:-migrate}/$1" src_mon bits src_log dst_mon dst_qpid diff src_qpid sink sink_pid status i
	# Both QEMUs on one multi-queue tap, one queue each: the source's
	# goes away with it.
	e2e_tap_up 1500 multi_queue
	# KVM's paravirtual pages (clock, steal time, EOI, async PF) are
	# written by the source's KVM as its vCPUs stop, after the last dirty
	# sync: a few bytes that would differ for any backend.  Off here, so
	# that the memory comparison below can demand zero differences.
	local cpu=host,kvmclock=off,kvm-steal-time=off,kvm-pv-eoi=off,kvm-asyncpf=off,kvm-asyncpf-int=off
	E2E_USE_FDS=1 e2e_start "$name-$path-src" "$path" "$opts" 1500 1 -cpu "$cpu"
	e2e_wait_up "$tag" || { e2e_kill; e2e_tap_down; return; }
	src_mon=$E2E_MON
	if [[ $opts == *packed=on* ]]; then
		bits=$(e2e_console | sed -n 's/^vhx-nested: eth0 features \([01]*\).*/\1/p')
		[ "${bits:34:1}" = 1 ] && t_pass "$tag: the guest runs packed rings" ||
			t_fail "$tag: the guest runs packed rings (features ${bits:-unknown})"
	fi
	src_log=$E2E_LOGS/$name-$path-src.monitor
	src_qpid=$E2E_QPID
	# Data written by the device into guest memory is what the dirty
	# log must carry across: a transfer into the guest, during the move.
	# It connects before the destination takes a queue of the tap: the
	# tap steers a flow to the queue the guest answered on, but a new
	# connection's SYN is hashed over all queues, and one landing on the
	# paused destination's queue would be lost.
	sink=$E2E_LOGS/$name-$path.sink
	"$E2E_TCP" sink "$E2E_GUEST" --bytes $((BYTES * 64)) --seed 41 >"$sink" 2>&1 &
	sink_pid=$!
	sleep 1

	# -S: the destination stays paused after the migration, so that its
	# memory can be compared with the source's before it runs.
	E2E_USE_FDS=1 e2e_start "$name-$path-dst" "$path" "$opts" 1500 1 \
		-cpu "$cpu" -incoming tcp:127.0.0.1:4444 -S
	dst_qpid=$E2E_QPID
	dst_mon=$E2E_MON
	# Only once the destination listens (a loaded machine once took more
	# than the 3 s this used to wait, and the source found the port
	# closed).  Not by connecting: that would be the migration stream.
	for ((i = 0; i < 120; i++)); do
		ss -Hltn 'sport = :4444' | grep -q . && break
		sleep 0.5
	done
	E2E_MON=$src_mon e2e_monitor "migrate -d tcp:127.0.0.1:4444"
	status=
	for ((i = 0; i < 240; i++)); do
		sleep 1
		E2E_MON=$src_mon e2e_monitor "info migrate"
		status=$(grep -o 'Migration status: [a-z-]*' "$src_log" | tail -n 1)
		case $status in
		*completed | *failed | *cancelled) break ;;
		esac
	done
	if [[ $status == *completed ]]; then
		t_pass "$tag: live migration completed"
		# Or the transfer did not test what it is here for.
		kill -0 "$sink_pid" 2>/dev/null &&
			t_pass "$tag: the transfer was still running when it completed" ||
			t_fail "$tag: the transfer was still running when it completed"
	else
		t_fail "$tag: live migration completed ($status)"
		grep -i 'migrat\|error' "$src_log" | tail -n 5 | sed 's/^/    /'
		sed 's/^/    destination: /' "$E2E_QERR"
		e2e_kill
		wait
		e2e_tap_down
		return
	fi
	# Both sides now stopped: the guest's memory must be the same byte
	# for byte.  A page vhx wrote without logging it would differ: the
	# sharpest test of the dirty log there is.
	E2E_MON=$src_mon e2e_monitor "pmemsave 0 0x10000000 \"/tmp/mig-src.mem\""
	E2E_MON=$dst_mon e2e_monitor "pmemsave 0 0x10000000 \"/tmp/mig-dst.mem\""
	for ((i = 0; i < 120; i++)); do
		sleep 1
		[ "$(stat -c %s /tmp/mig-src.mem 2>/dev/null)" = 268435456 ] &&
			[ "$(stat -c %s /tmp/mig-dst.mem 2>/dev/null)" = 268435456 ] && break
	done
	sleep 1
	cmp -l /tmp/mig-src.mem /tmp/mig-dst.mem 2>&1 |
		awk '$1 ~ /^[0-9]+$/ { p = int(($1 - 1) / 4096); n[p]++ }
		     END { for (p in n) printf "%x %d\n", p * 4096, n[p] }' >/tmp/mig-diff
	diff=$(wc -l </tmp/mig-diff)
	sort /tmp/mig-diff | head -n 8 | sed 's/^/    differing page (gpa, bytes): /'

	if [ "$path" != vhx ]; then
		# Not ours to judge: Debian's vhost-net leaves a page with a few
		# different bytes now and then (Documentation/testing.md).
		echo "    $tag: $diff pages differ between source and destination"
	elif [ "$diff" = 0 ]; then
		t_pass "$tag: guest memory identical on both sides (256 MiB compared)"
	else
		t_fail "$tag: guest memory identical on both sides ($diff pages differ)"
	fi
	rm -f /tmp/mig-src.mem /tmp/mig-dst.mem
	E2E_MON=$dst_mon e2e_monitor "cont"
	E2E_MON=$src_mon e2e_monitor "quit"
	wait "$src_qpid"
	wait "$sink_pid"
	echo "    $(cat "$sink")"
	if [ "$(field ok <"$sink")" = 1 ]; then
		t_pass "$tag: transfer into the guest across the migration, every byte right"
	else
		t_fail "$tag: transfer into the guest across the migration, every byte right"
	fi
	E2E_QPID=$dst_qpid
	if [ "$path" = vhx ]; then
		if vhx_stats_of "$(e2e_qemu_pid)" >/dev/null; then
			t_pass "$tag: the destination QEMU runs on vhx"
		else
			t_fail "$tag: the destination QEMU runs on vhx"
		fi
	fi
	traffic_after "$tag"
	finish "$tag"
}

# E2E_LIFE="reload link migrate migrate-packed kill" picks cases (default:
# all).  migrate-packed is vhx only: vhost_net has no packed ring.
want=" ${E2E_LIFE:-reload link migrate migrate-packed kill} "
for path in vhx vhost; do
	for c in reload link migrate; do
		if [[ $want == *" $c "* ]]; then
			"${c}_case" "$path"
		fi
	done
done
if [[ $want == *" migrate-packed "* ]]; then
	migrate_case vhx ",packed=on" migrate-packed
fi
if [[ $want == *" kill "* ]]; then
	kill_case vhx "$KILLS"
	kill_case vhost $((KILLS < 5 ? KILLS : 5))
fi
