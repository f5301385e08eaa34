#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [KVER]: vhx benchmarks, never pass/fail.
#
# The same guest script (tools/vhost-test/guest/bench.sh) runs in the VM
# lane on wall clock (noisy: TCG on a shared machine; five boots, the
# median kept), then once under "-icount shift=0,sleep=off", where guest
# time counts guest instructions, one per nanosecond.  There, virtual
# seconds x 1e9 / descriptors is the number of guest instructions (driver,
# kernel and device together) per descriptor, repeatable to ~0.01% across
# boots.  Results go to stdout and build/bench/results.txt.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
kver=${1:-6.1}
krel=$(kernel_release "$kver")
out=$VHX_ROOT/build/bench
mkdir -p "$out"

make -s -C "$VHX_ROOT" modules tools KVER="$kver" || die "build failed"
guest=$VHX_ROOT/tools/vhost-test/guest/bench.sh

# Wall clock swings by a third from boot to boot under TCG: boot it
# VHX_BENCH_WALL_RUNS times (default 5) and keep, per case, the run with
# the median rate (wall.txt); each run's own lines are in wall-N.txt.
runs=${VHX_BENCH_WALL_RUNS:-5}
for r in $(seq 1 "$runs"); do
	echo "bench: wall-clock run $r of $runs (kernel $krel)"
	"$VHX_ROOT/tools/vhost-test/vm-run" --kver "$kver" --out "$out/wall-$r" "$guest" \
		>"$out/wall-$r.txt" 2>&1 || { cat "$out/wall-$r.txt"; die "wall-clock run failed"; }
done
for r in $(seq 1 "$runs"); do grep '^BENCH: ' "$out/wall-$r.txt"; done |
	awk '{ name = $0; sub(/ chains=.*/, "", name); rate = $0
	       sub(/.* chains_per_s=/, "", rate); sub(/ .*/, "", rate)
	       n[name]++; line[name, n[name]] = $0; r[name, n[name]] = rate + 0
	       if (n[name] == 1) order[++k] = name }
	     END { for (i = 1; i <= k; i++) { c = order[i]
		     for (a = 1; a <= n[c]; a++) { below = 0
			     for (b = 1; b <= n[c]; b++)
				     below += r[c, b] < r[c, a] || (r[c, b] == r[c, a] && b < a)
			     if (below == int((n[c] - 1) / 2)) { print line[c, a]; break } } } }' \
	>"$out/wall.txt"
echo "bench: instruction-count run (-icount shift=0)"
"$VHX_ROOT/tools/vhost-test/vm-run" --kver "$kver" --icount --out "$out/icount" "$guest" \
	>"$out/icount.txt" 2>&1 || { cat "$out/icount.txt"; die "icount run failed"; }

# bench_field N NAME FILE: field N (1 chains, 2 secs, 3 chains_per_s) of
# the BENCH line of case NAME in FILE.  BENCH: <name> chains=N secs=S
# chains_per_s=R MB_per_s=M
bench_field() {
	local name=${2//[/\\[}
	name=${name//]/\\]}
	sed -n "s/^BENCH: $name chains=\\([0-9]*\\) secs=\\([0-9.]*\\) chains_per_s=\\([0-9]*\\).*/\\$1/p" "$3"
}
# ipd NAME: instructions per descriptor (icount run), unrounded.
ipd() {
	awk -v s="$(bench_field 2 "$1" "$out/icount.txt")" -v n="$(bench_field 1 "$1" "$out/icount.txt")" \
		'BEGIN { if (n) print s * 1e9 / n }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a && b) printf "%.2f", a / b }'; }
# frame_bytes CASE: the frame size of a net case ("tx 60B [in_order]": 60;
# the 64 KiB cases send 65000-byte frames, vhx-netdrv's GSO_FRAME).
frame_bytes() {
	case $1 in
	*64KiB*) echo 65000 ;;
	*) sed 's/^[a-z]* \([0-9]*\)B.*/\1/' <<<"$1" ;;
	esac
}
# gbits RATE BYTES: frames/s of BYTES each, in Gbit/s.
gbits() { awk -v r="$1" -v b="$2" 'BEGIN { if (r) printf "%.3f", r * b * 8 / 1e9 }'; }
# wall_ratio A B: A's rate over B's on wall clock, the median over the
# boots of each boot's ratio.  The cases of one boot ran in the same VM
# a minute apart at most; the same case on another boot can be a third
# off, so medians taken case by case would pair unlike runs.
wall_ratio() {
	local r a b
	for r in $(seq 1 "$runs"); do
		a=$(bench_field 3 "$1" "$out/wall-$r.txt")
		b=$(bench_field 3 "$2" "$out/wall-$r.txt")
		if [ -n "$a" ] && [ -n "$b" ] && [ "$b" != 0 ]; then
			awk -v a="$a" -v b="$b" 'BEGIN { print a / b }'
		fi
	done | sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)] }'
}

{
	echo "vhx benchmarks, kernel $krel, $(date -u +%Y-%m-%d), command: make bench KVER=$kver"
	printf '%-36s %14s %18s\n' "case" "per s (wall)" "instr each (icount)"
	grep -o '^BENCH: .* chains=' "$out/icount.txt" | sed 's/^BENCH: //; s/ chains=$//' |
	while IFS= read -r name; do
		rate=$(bench_field 3 "$name" "$out/wall.txt")
		chains=$(bench_field 1 "$name" "$out/icount.txt")
		secs=$(bench_field 2 "$name" "$out/icount.txt")
		ipd=$(awk -v s="$secs" -v c="$chains" 'BEGIN { if (c) printf "%.0f", s * 1e9 / c }')
		printf '%-36s %14s %18s\n' "$name" "${rate:-?}" "${ipd:-?}"
	done

	# vhx-net against vhost-net, same VM, same run: > 1 means vhx is ahead.
	# Split rings, and in_order where vhost-net has it (6.17 on).  The
	# wall-clock ratio is the median of the per-boot ratios.
	echo
	printf '%-26s %11s %13s %22s %24s\n' "net case" "vhx Gbit/s" "vhost Gbit/s" \
		"pps vhx/vhost (wall)" "instr vhost/vhx (icount)"
	grep -o '^BENCH: vhost-net .* chains=' "$out/icount.txt" |
		sed 's/^BENCH: vhost-net //; s/ chains=$//' |
	while IFS= read -r c; do
		vi=$(awk -v s="$(bench_field 2 "vhx-net $c" "$out/icount.txt")" \
			-v n="$(bench_field 1 "vhx-net $c" "$out/icount.txt")" 'BEGIN { print s / n }')
		hi=$(awk -v s="$(bench_field 2 "vhost-net $c" "$out/icount.txt")" \
			-v n="$(bench_field 1 "vhost-net $c" "$out/icount.txt")" 'BEGIN { print s / n }')
		bytes=$(frame_bytes "$c")
		printf '%-26s %11s %13s %22s %24s\n' "$c" \
			"$(gbits "$(bench_field 3 "vhx-net $c" "$out/wall.txt")" "$bytes")" \
			"$(gbits "$(bench_field 3 "vhost-net $c" "$out/wall.txt")" "$bytes")" \
			"$(wall_ratio "vhx-net $c" "vhost-net $c")" \
			"$(awk -v a="$hi" -v b="$vi" 'BEGIN { if (b) printf "%.2f", a / b }')"
	done

	# Ring layouts (vhx only): instructions per descriptor on each, the
	# packed+in_order/split ratio (< 1 means cheaper), and pps of vhx on
	# packed+in_order against vhost-net (split, all it has).
	echo
	printf '%-20s %8s %8s %9s %16s %12s %16s\n' "layout case" "split" "packed" \
		"in_order" "packed+in_order" "p+io/split" "pps p+io/vhost"
	grep -o '^BENCH: vhx-[a-z]* [^[]* chains=' "$out/icount.txt" |
		sed 's/^BENCH: //; s/ chains=$//' |
	while IFS= read -r c; do
		p=$(ipd "$c [packed]")
		[ -n "$p" ] || continue		# a case run on split rings only
		s=$(ipd "$c")
		i=$(ipd "$c [in_order]")
		b=$(ipd "$c [packed+in_order]")
		v=
		if [[ $c == vhx-net* ]]; then
			v=$(wall_ratio "$c [packed+in_order]" "vhost-net ${c#vhx-net }")
		fi
		printf '%-20s %8.0f %8.0f %9.0f %16.0f %12s %16s\n' "$c" "${s:-0}" "${p:-0}" \
			"${i:-0}" "${b:-0}" "$(ratio "$b" "$s")" "${v:--}"
	done
} | tee "$out/results.txt"
