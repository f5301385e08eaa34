#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# static-check.sh: the checks that need no VM.
#
#   static-check.sh all KVER...        everything below, for each kernel line
#   static-check.sh checkpatch FILE... checkpatch.pl --no-tree on each file
#   static-check.sh build KVER         vhx.ko builds, no warning at all
#   static-check.sh sparse KVER [DIR]  sparse (C=2) over vhx, or over the
#                                      external module in DIR
#
# Prints one PASS/FAIL line per check (see scripts/lib.sh); exits non-zero
# if any failed.
. "$(dirname "$0")/lib.sh"

checkpatch=$VHX_CACHE/checkpatch/scripts/checkpatch.pl

# Kernel-style sources: the module, the driver-side ring code (which is
# kernel code compiled in userspace too) and the uapi headers.
kernel_sources() {
	find "$VHX_ROOT/drivers" "$VHX_ROOT/include" -type f -name '*.[ch]' | sort
}

# Lines that make a build or a sparse run unclean.  modpost reports, for
# instance, come as "WARNING:" and do not fail make by themselves; and
# kbuild (6.15 on) turns C=2 off with a mere note when it finds the
# checker unfit, which would make sparse pass by not running.
unclean() {
	grep -E '(warning|error):|WARNING|ERROR|specified, but .* not available' || true
}

# Rules a file may break, with the reason.  compat.h is the one place
# where vhx tests the kernel version (DEVELOPERS.md): out of tree there is
# no "version to which it is merged".
checkpatch_ignores() {
	case $1 in
	*/drivers/vhost/compat.h) echo LINUX_VERSION_CODE,CONSTANT_COMPARISON ;;
	esac
}

do_checkpatch() {
	local f rc=0 ign
	[ -x "$checkpatch" ] || { t_fail "checkpatch.pl present (run make setup)"; return 1; }
	for f in "$@"; do
		ign=$(checkpatch_ignores "$f")
		t_run "checkpatch ${f#"$VHX_ROOT"/}" \
			"$checkpatch" --no-tree --quiet --show-types \
			${ign:+--ignore "$ign"} -f "$f" || rc=1
	done
	return $rc
}

# report NAME OUTPUT STATUS: PASS when make succeeded and said nothing bad.
report() {
	local name=$1 output=$2 status=$3 bad
	bad=$(printf '%s\n' "$output" | unclean)
	if [ "$status" -eq 0 ] && [ -z "$bad" ]; then
		t_pass "$name"
		return 0
	fi
	printf '%s\n' "${bad:-$output}" | tail -n 40 | sed 's/^/    /'
	t_fail "$name"
	return 1
}

do_build() {
	local kver=$1 output status
	output=$(make -s -C "$VHX_ROOT" modules KVER="$kver" 2>&1)
	status=$?
	report "build vhx.ko for $kver (-Werror, no warning)" "$output" $status
}

do_sparse() {
	local kver=$1 dir=${2:-} output status
	if [ -z "$(kver_buildroot "$kver")" ] && ! command -v sparse >/dev/null; then
		t_fail "sparse present (run make setup)"
		return 1
	fi
	if [ -z "$dir" ]; then
		output=$(make -s -C "$VHX_ROOT" modules KVER="$kver" C=2 2>&1)
		status=$?
		dir=vhx
	else
		output=$("$VHX_ROOT/scripts/kmake" "$kver" -s M="$dir" C=2 modules 2>&1)
		status=$?
	fi
	report "sparse $(basename "$dir") for $kver" "$output" $status
}

cmd=${1:-all}
shift
case $cmd in
checkpatch) do_checkpatch "$@" ;;
build) do_build "$@" ;;
sparse) do_sparse "$@" ;;
all)
	rc=0
	mapfile -t files < <(kernel_sources)
	do_checkpatch "${files[@]}" || rc=1
	for k in "${@:-6.1}"; do
		do_build "$k" || rc=1
		do_sparse "$k" || rc=1
	done
	exit $rc
	;;
*) die "static-check.sh: unknown check '$cmd'" ;;
esac
