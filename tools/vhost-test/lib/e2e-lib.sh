# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the end-to-end tests (tests/e2e*.sh), inside the test VM: a
# tap, and a nested guest started by stock QEMU with its virtio-net on that
# tap, through vhx-net, Debian's vhost-net, or QEMU's userspace (vhost=off).
#
# The test VM is the guest's peer (198.18.0.1, the guest 198.18.0.2);
# guest/nested-init serves vhx-tcp on port 7777 (and up, one per queue
# pair) until told to quit.
. "$VHX_ROOT/tools/vhost-test/lib/nested.sh"

E2E_TCP=$VHX_ROOT/build/tools/vhx-tcp
E2E_FDS=$VHX_ROOT/build/tools/vhx-fds
E2E_TAP=vhxtap0
E2E_HOST=198.18.0.1
E2E_GUEST=198.18.0.2
E2E_LOGS=/run/vhx-out/e2e

e2e_init() {
	mkdir -p "$E2E_LOGS"
	: >"$E2E_LOGS/boots.$$"
	trap e2e_boot_tally EXIT
	modprobe tun
	ip link set lo up	# migration runs over loopback
	t_run "load kvm_amd" modprobe kvm_amd
}

# e2e_tap_up MTU [multi_queue]: the host side of the guest's network.
e2e_tap_up() {
	ip tuntap add dev "$E2E_TAP" mode tap vnet_hdr ${2:-}
	ip addr add "$E2E_HOST/24" dev "$E2E_TAP"
	ip link set "$E2E_TAP" mtu "$1" up
}

e2e_tap_down() {
	ip link del "$E2E_TAP" 2>/dev/null
}

# The nested guest's console without the kernel's own lines.  A kernel
# message may land in the middle of one of the guest's lines (seen:
# "vhx-nested: ping[   22.19] hrtimer: interrupt took 13821088 ns", then
# " 198.18.0.1 ok: ..." on the next), and the guest's markers are matched
# whole: each "[ seconds] ..." up to its newline goes.
e2e_console() {
	perl -0777 -pe 's/\[ *\d+\.\d+\] [^\n]*\n//g' "$E2E_CONSOLE"
}

# e2e_start ID PATH OPTS MTU QUEUES [QEMU ARGS...]: boot the guest in the
# background.  PATH: vhx, vhost or off.  OPTS: appended to
# -device virtio-net-pci.  QUEUES > 1, or E2E_USE_FDS=1, opens the tap's
# queues and the vhost fds with vhx-fds (QEMU takes vhostfds= only with
# fds=; a multi-queue tap also lets two QEMUs share it, for migration).
# E2E_APPEND adds to the guest's command line.  Sets E2E_QPID (wait on
# it), E2E_CONSOLE, E2E_QERR, E2E_MON (a monitor: e2e_monitor).
e2e_start() {
	local id=$1 path=$2 opts=$3 mtu=$4 queues=$5 netdev dev fd=
	echo "boot $id" >>"$E2E_LOGS/boots.$$"
	# For e2e_wait_up, should this boot have to be done again.
	E2E_LAST=("$@")
	E2E_LAST_ENV=("E2E_USE_FDS=${E2E_USE_FDS:-0}" "E2E_APPEND=${E2E_APPEND:-}")
	shift 5
	E2E_CONSOLE=$E2E_LOGS/$id.console
	E2E_QERR=$E2E_LOGS/$id.qemu
	# The monitor's fifos live in the VM's tmpfs (the 9p results share
	# has no fifos); what QEMU answers is copied to the logs.
	E2E_MON=/tmp/e2e-$id.mon
	rm -f "$E2E_MON.in" "$E2E_MON.out"
	mkfifo "$E2E_MON.in" "$E2E_MON.out"
	cat "$E2E_MON.out" >"$E2E_LOGS/$id.monitor" &

	case $path in
	vhx) dev=/dev/vhx-net ;;
	vhost) dev=/dev/vhost-net ;;
	*) dev= ;;
	esac
	VHX_NESTED_WRAP=()
	netdev="tap,id=n0,ifname=$E2E_TAP,script=no,downscript=no"
	if [ "$queues" -gt 1 ] || [ "${E2E_USE_FDS:-0}" = 1 ]; then
		netdev="tap,id=n0,fds=@TAPFDS@"
		VHX_NESTED_WRAP=("$E2E_FDS" --tap "$E2E_TAP" --queues "$queues")
		if [ -n "$dev" ]; then
			netdev+=",vhost=on,vhostforce=on,vhostfds=@VHOSTFDS@"
			VHX_NESTED_WRAP+=(--vhost "$dev")
		fi
		VHX_NESTED_WRAP+=(--)
	elif [ -n "$dev" ]; then
		exec {fd}<>"$dev"
		netdev+=",vhost=on,vhostforce=on,vhostfd=$fd"
	else
		netdev+=",vhost=off"
	fi
	VHX_NESTED_APPEND="vhx.ip=$E2E_GUEST/24 vhx.peer=$E2E_HOST vhx.mtu=$mtu vhx.servers=$queues ${E2E_APPEND:-}" \
		nested_run "$E2E_CONSOLE" 600 -m 256 -smp "$queues" -netdev "$netdev" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:18:00:02$opts" \
		-monitor "pipe:$E2E_MON" "$@" 2>"$E2E_QERR" &
	E2E_QPID=$!
	[ -n "$fd" ] && exec {fd}>&-
	return 0
}

# e2e_wait_up TAG: wait for the guest to answer (a boot takes 10-30 s),
# giving up at once if QEMU is gone.
#
# Two exceptions, both the emulated machine's and not the data path's: the
# guest is booted again, up to 8 times in all.
#
# - A nested guest stopped by "KVM internal error. Suberror: 3".  That is
#   the VM's own KVM (7.3's) refusing to emulate an MMIO access it believes
#   happened during event delivery, which is what TCG's emulated SVM makes
#   it believe, now and then, at the guest's first virtqueue kicks.  It is
#   seen with Debian's vhost_net as with vhx, in about one boot in four in
#   the 7.3 lane, and three times in a row on one boot (CI, 2026-12-01).
#   QEMU then pauses the guest and stays: it is killed (only one QEMU runs
#   while a test waits for its guest), and the log says so.
# - A nested kernel that panicked before its /init said "vhx-nested: up"
#   (seen in CI: "Attempted to kill the idle task" with RIP 0, and a page
#   fault in an interrupt at 7 s, right after an internal error 3).  Until
#   then no driver of the network device is loaded (nested-init loads
#   virtio_net), QEMU has not started a vhost backend, and no data path
#   has touched the guest.  A panic after that line is a failure, printed
#   whole.
# A lane boots about 60 guests, so one retry failed a run now and then,
# three would still fail about one run in three, and eight leave about one
# in a thousand.
e2e_wait_up() {
	local out i retries=0 why
	for ((i = 0; i < 75; i++)); do
		if out=$("$E2E_TCP" rr "$E2E_GUEST" --count 1 --wait 2 2>&1); then
			[ -n "$1" ] && t_pass "$1: guest up and reachable"
			return 0
		fi
		if [ "$retries" -lt 8 ] && why=$(e2e_boot_flake); then
			echo "    e2e: $why, booting it again"
			echo "again $why" >>"$E2E_LOGS/boots.$$"
			retries=$((retries + 1))
			e2e_kill
			E2E_USE_FDS=${E2E_LAST_ENV[0]#*=} E2E_APPEND=${E2E_LAST_ENV[1]#*=} \
				e2e_start "${E2E_LAST[@]}"
			i=0
			continue
		fi
		kill -0 "$E2E_QPID" 2>/dev/null || break
	done
	if [ -n "$1" ]; then
		t_fail "$1: guest reachable over TCP ($out)"
		e2e_boot_report
	fi
	return 1
}

# e2e_boot_tally: at the end of a test script, how many nested guests it
# booted, and how many of those boots were the emulator's faults done
# again (e2e_wait_up), by kind: a person reading the lane can tell a slow
# or flaky emulated machine from a slow vhx.
e2e_boot_tally() {
	local f=$E2E_LOGS/boots.$$ n again
	[ -f "$f" ] || return 0
	n=$(grep -c '^boot ' "$f")
	again=$(grep -c '^again ' "$f")
	echo "e2e: $(basename "$0"): $n nested boots, $again of them again after the emulator's fault$(
		grep '^again ' "$f" | sed 's/^again //; s/ (.*//' | sort | uniq -c |
			awk '{ c = $1; $1 = ""; printf "%s %d x%s", (NR > 1 ? ";" : ":"), c, $0 }')"
}

# e2e_boot_flake: says why, and succeeds, if the last boot failed in the
# emulated machine rather than anywhere a data path could reach (above).
e2e_boot_flake() {
	if grep -q 'KVM internal error. Suberror: 3' "$E2E_QERR" 2>/dev/null; then
		echo "the VM's KVM stopped the nested guest (internal error 3, event delivery)"
	elif ! kill -0 "$E2E_QPID" 2>/dev/null &&
		grep -q 'Kernel panic - not syncing' "$E2E_CONSOLE" 2>/dev/null &&
		! grep -q 'vhx-nested: up' "$E2E_CONSOLE"; then
		# The panic's reason only: this line reaches the test VM's
		# console, where the words of a panic would fail the lane's
		# own kernel-log check (dmesg-check), as if this VM had one.
		echo "the nested kernel panicked before its init ran ($(grep -m1 -o 'Kernel panic - not syncing: .*' "$E2E_CONSOLE" | sed 's/^Kernel panic - not syncing: //'))"
	else
		return 1
	fi
}

# e2e_boot_report: what QEMU and the guest said about a boot that did not
# come up: QEMU's errors, and the console's end, or from the first kernel
# bug report on if there is one.
e2e_boot_report() {
	local from
	sed 's/^/    qemu: /' "$E2E_QERR"
	from=$(grep -n -m1 -E 'BUG:|Oops|general protection|Kernel panic|WARNING:' "$E2E_CONSOLE" 2>/dev/null | cut -d: -f1)
	if [ -n "$from" ]; then
		sed -n "$((from > 5 ? from - 5 : 1)),\$p" "$E2E_CONSOLE" | head -n 80 | sed 's/^/    /'
	else
		tail -n 20 "$E2E_CONSOLE" 2>/dev/null | sed 's/^/    /'
	fi
}

# The newest QEMU in this VM (nested_run wraps it in timeout).
e2e_qemu_pid() {
	pgrep -n -x qemu-system-x86
}

# e2e_monitor CMD: a human-monitor command to the last started QEMU (or
# to the monitor E2E_MON names); QEMU's answers go to $E2E_LOGS/ID.monitor.
e2e_monitor() {
	echo "$*" >"$E2E_MON.in"
}

# e2e_stop [QUEUES]: tell the guest to power off; QEMU's exit status.
e2e_stop() {
	local q
	for ((q = 0; q < ${1:-1}; q++)); do
		"$E2E_TCP" quit "$E2E_GUEST" --port $((7777 + q)) >/dev/null 2>&1
	done
	wait "$E2E_QPID"
}

# e2e_kill: the guest did not come up, or the test is over with it.
e2e_kill() {
	pkill -KILL -x qemu-system-x86
	wait "$E2E_QPID" 2>/dev/null
}

# e2e_transfer TAG sink|source BYTES SEED [PORT]: one verified transfer;
# prints vhx-tcp's line and an "e2e-result:" line, PASS/FAIL by the check.
e2e_transfer() {
	local tag=$1 mode=$2 bytes=$3 seed=$4 port=${5:-7777} out what
	out=$("$E2E_TCP" "$mode" "$E2E_GUEST" --port "$port" --bytes "$bytes" --seed "$seed" 2>&1)
	echo "    $out"
	[ "$mode" = sink ] && what="host -> guest" || what="guest -> host"
	if [ "$(echo "$out" | field ok)" = 1 ]; then
		t_pass "$tag: TCP $what (port $port), $bytes bytes verified, hashes equal"
	else
		t_fail "$tag: TCP $what (port $port), $bytes bytes verified"
	fi
	E2E_MBPS=$(echo "$out" | field mbps)
}

# e2e_ping TAG: five pings from this VM to the guest, none lost.
e2e_ping() {
	local out
	out=$(ping -c 5 -i 0.2 -W 5 "$E2E_GUEST" 2>&1)
	if echo "$out" | grep -q ' 0% packet loss'; then
		t_pass "$1: ping host -> guest ($(echo "$out" | grep -o 'min/avg/max.*'))"
	else
		echo "$out" | sed 's/^/    /'
		t_fail "$1: ping host -> guest"
	fi
}

