#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhx-budget: 600 debug=900
#
# vhx's per-queue counters as an operator reads them (debugfs, for now):
# read in a loop while two devices carry traffic and others open and close,
# every read must be whole (the owner, the features, one complete line per
# queue), and a device's entry must go exactly when its last fd closes.
# Reported: a read of a live device's stats that came back empty, and a
# net-N entry that outlived its process.
. "$VHX_ROOT/scripts/lib.sh"
drv=$VHX_ROOT/build/tools/vhx-netdrv
open=$VHX_ROOT/build/tools/vhx-open
dir=/sys/kernel/debug/vhx
vq_re='^vq[01] packets=[0-9]+ bytes=[0-9]+ dropped=[0-9]+ signals=[0-9]+ errors=[0-9]+ batched=[0-9]+ busy_polls=[0-9]+ layout=(split|packed) in_order=[01]$'

[ "$(vhx_open_devices)" = 0 ] || t_fail "stats: no vhx-net device open before the test"

# whole TEXT: is TEXT a complete stats file of a net device?
whole() {
	local lines
	mapfile -t lines <<<"$1"
	[ ${#lines[@]} = 4 ] &&
		[[ ${lines[0]} =~ ^owner\ [0-9]+$ ]] &&
		[[ ${lines[1]} =~ ^features\ 0x[0-9a-f]+$ ]] &&
		[[ ${lines[2]} =~ $vq_re ]] && [[ ${lines[3]} =~ $vq_re ]]
}

# Two devices with traffic both ways, one on packed rings; others opened
# and closed 2000 times meanwhile.
timeout 300 "$drv" --device /dev/vhx-net --name "stats: traffic A" --frames 40000 --mrg >/tmp/stats-a 2>&1 &
a=$!
timeout 300 "$drv" --device /dev/vhx-net --name "stats: traffic B" --frames 40000 --mrg --packed >/tmp/stats-b 2>&1 &
b=$!
"$open" --count 2000 /dev/vhx-net >/tmp/stats-open 2>&1 &
o=$!

reads=0 empty=0 partial=0 gone=0
while kill -0 $a 2>/dev/null || kill -0 $b 2>/dev/null; do
	for f in "$dir"/net-*/stats; do
		[ -e "$f" ] || continue
		if text=$(cat "$f" 2>/dev/null); then
			reads=$((reads + 1))
			if [ -z "$text" ]; then
				empty=$((empty + 1))
			elif ! whole "$text"; then
				partial=$((partial + 1))
				echo "    stats: partial read of $f:"
				echo "$text" | sed 's/^/        /'
			fi
		elif [ -e "$f" ]; then
			# A failed read of an entry that is still there.
			empty=$((empty + 1))
		else
			gone=$((gone + 1))
		fi
	done
done
wait $a
ra=$?
wait $b
rb=$?
wait $o
ro=$?
sed 's/^/    /' /tmp/stats-a /tmp/stats-b
t_run "stats: traffic on two devices while their stats are read (exit $ra, $rb)" test "$ra $rb" = "0 0"
t_run "stats: 2000 more devices opened and closed meanwhile" test $ro = 0
t_run "stats: $reads reads, every one whole ($empty empty or failed on a live entry, $partial partial; $gone raced a close)" \
	test "$reads" -ge 10 -a "$empty" = 0 -a "$partial" = 0

# The entry of a device goes with its last fd, not its first close.
exec {fd}<>/dev/vhx-net
n=$(vhx_open_devices)
sleep 300 {fd}>&- &
holder=$!
exec {fd}>&-
# The holder inherited nothing: its fd was closed (see above); so the entry
# must be gone now.  Then again with a holder that keeps it.
t_run "stats: an entry appears on open ($n) and goes with the last close" \
	test "$n" = 1 -a "$(vhx_open_devices)" = 0
kill $holder 2>/dev/null
wait $holder 2>/dev/null
exec {fd}<>/dev/vhx-net
sleep 300 &
holder=$!
exec {fd}>&-
t_run "stats: a child holding the fd keeps the entry" test "$(vhx_open_devices)" = 1
kill $holder
wait $holder 2>/dev/null
t_run "stats: the entry goes when that child exits" test "$(vhx_open_devices)" = 0
