#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [KVER]: vhx benchmarks, never pass/fail.
# bench.sh --report DIR: print the tables of a run kept in DIR (a copy of
# build/bench) again.
#
# The same guest script (tools/vhost-test/guest/bench-in-vm.sh) runs in the VM
# lane on wall clock (noisy: TCG on a shared machine; five boots, the
# cases both devices run in rounds of one run each), then once under
# "-icount shift=0,sleep=off", where guest time counts guest
# instructions, one per nanosecond.  There, virtual seconds x 1e9 /
# descriptors is the number of guest instructions (driver, kernel and
# device together) per descriptor, repeatable to ~0.01% across boots.
# Results go to stdout and build/bench/results.txt.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --report ]; then
	out=${2:?usage: bench.sh --report DIR}
	[ -f "$out/icount.txt" ] && [ -f "$out/wall-1.txt" ] || die "no bench run in $out"
	read -r krel day kver <"$out/run" || die "no $out/run"
	runs=$(find "$out" -maxdepth 1 -name 'wall-*.txt' | wc -l)
else
	kver=${1:-6.1}
	krel=$(kernel_release "$kver")
	day=$(date -u +%Y-%m-%d)
	out=$VHX_ROOT/build/bench
	mkdir -p "$out"
	rm -f "$out"/wall-*.txt "$out/run"

	make -s -C "$VHX_ROOT" modules tools KVER="$kver" || die "build failed"
	guest=$VHX_ROOT/tools/vhost-test/guest/bench-in-vm.sh

	# Wall clock swings by a third from boot to boot under TCG: boot it
	# VHX_BENCH_WALL_RUNS times (default 5); each run's lines are in
	# wall-N.txt.
	runs=${VHX_BENCH_WALL_RUNS:-5}
	for r in $(seq 1 "$runs"); do
		echo "bench: wall-clock run $r of $runs (kernel $krel)"
		"$VHX_ROOT/tools/vhost-test/host/vm-run" --kver "$kver" --out "$out/wall-$r" "$guest" \
			>"$out/wall-$r.txt" 2>&1 || { cat "$out/wall-$r.txt"; die "wall-clock run failed"; }
	done
	echo "bench: instruction-count run (-icount shift=0)"
	"$VHX_ROOT/tools/vhost-test/host/vm-run" --kver "$kver" --icount --out "$out/icount" "$guest" \
		>"$out/icount.txt" 2>&1 || { cat "$out/icount.txt"; die "icount run failed"; }
	echo "$krel $day $kver" >"$out/run"
fi

# wall.txt: per case, the run with the median rate over all boots.
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
# wall_pairs A B: "ratio rateA rateB" on wall clock, one line per pair of
# runs, sorted by A's rate over B's.  guest/bench-in-vm.sh runs the cases both
# devices have in rounds, one run of each device a round, next to each
# other: the k-th run of A in a boot is paired with the k-th of B in that
# boot.  The same case on another boot, or a minute later, can be a third
# off, so medians taken device by device would pair unlike runs.
wall_pairs() {
	local r
	for r in $(seq 1 "$runs"); do
		paste <(bench_field 3 "$1" "$out/wall-$r.txt") <(bench_field 3 "$2" "$out/wall-$r.txt") |
			awk -F '\t' '$1 != "" && $2 > 0 { print $1 / $2, $1, $2 }'
	done | sort -g
}
# wall_stats A B: from those pairs, in one line: the median pair (the
# ceil(n/2)-th by ratio: its ratio, A's rate, B's rate; the rates of one
# pair were taken a second apart, so they show the ratio, where each
# device's own median would mix boots), a 95% confidence interval of the
# median ratio, and in how many pairs A was the faster ("13/20").  The
# interval is distribution-free (the sign test's): the k-th smallest and
# k-th largest ratio, k the largest with P(Binomial(n, 1/2) < k) <= 2.5%.
# One that holds 1.0 ("0.91-1.04") says the run cannot tell the two apart.
# Nothing is printed without pairs.
wall_stats() {
	wall_pairs "$1" "$2" | awk '{ v[NR] = $1; l[NR] = $0; a += $1 > 1 }
		END { n = NR; if (!n) exit
		      p = 0.5 ^ n; cum = 0; k = 0
		      for (i = 0; i <= n; i++) {
			      cum += p; if (cum > 0.025) break; k = i + 1
			      p = p * (n - i) / (i + 1) }
		      split(l[int((n + 1) / 2)], m, " ")
		      ci = k >= 1 ? sprintf("%.2f-%.2f", v[k], v[n + 1 - k]) : "-"
		      printf "%.2f %s %s %s %d/%d\n", m[1], m[2], m[3], ci, a, n }'
}

{
	echo "vhx benchmarks, kernel $krel, $day, command: make bench KVER=$kver"
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
	# Split rings, and in_order where vhost-net has it (6.17 on).  Wall
	# clock: the median pair of runs (its rates as Gbit/s, its ratio), the
	# median's 95% interval, and in how many pairs vhx-net was the faster.
	echo
	printf '%-26s %11s %13s %22s %11s %10s %25s\n' "net case" "vhx Gbit/s" "vhost Gbit/s" \
		"pps vhx/vhost (wall)" "95% CI" "vhx ahead" "instr vhost/vhx (icount)"
	grep -o '^BENCH: vhost-net .* chains=' "$out/icount.txt" |
		sed 's/^BENCH: vhost-net //; s/ chains=$//' |
	while IFS= read -r c; do
		vi=$(awk -v s="$(bench_field 2 "vhx-net $c" "$out/icount.txt")" \
			-v n="$(bench_field 1 "vhx-net $c" "$out/icount.txt")" 'BEGIN { print s / n }')
		hi=$(awk -v s="$(bench_field 2 "vhost-net $c" "$out/icount.txt")" \
			-v n="$(bench_field 1 "vhost-net $c" "$out/icount.txt")" 'BEGIN { print s / n }')
		bytes=$(frame_bytes "$c")
		mr= ma= mb= ci= ahead=
		read -r mr ma mb ci ahead < <(wall_stats "vhx-net $c" "vhost-net $c")
		printf '%-26s %11s %13s %22s %11s %10s %25s\n' "$c" \
			"$(gbits "$ma" "$bytes")" "$(gbits "$mb" "$bytes")" "$mr" "$ci" "$ahead" \
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
			v=$(wall_stats "$c [packed+in_order]" "vhost-net ${c#vhx-net }" | cut -d' ' -f1)
		fi
		printf '%-20s %8.0f %8.0f %9.0f %16.0f %12s %16s\n' "$c" "${s:-0}" "${p:-0}" \
			"${i:-0}" "${b:-0}" "$(ratio "$b" "$s")" "${v:--}"
	done
} | tee "$out/results.txt"
