# SPDX-License-Identifier: GPL-2.0
#
# Sourced by vhx's scripts: where things live, and the result protocol.
#
# Every test step prints one line per check, "PASS: name" or "FAIL: name"
# (or "SKIP: name - why"); scripts/check.sh counts those lines, so a step
# that crashes before printing cannot pass by accident: check.sh also fails
# any step whose exit status is non-zero.

VHX_ROOT=${VHX_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Downloads, extracted tools and initramfs images.  Outside the tree on
# purpose: a fresh clone (as CI makes) still finds them warm.
if [ -z "${VHX_CACHE:-}" ]; then
	if [ -n "${XDG_CACHE_HOME:-}" ]; then
		VHX_CACHE=$XDG_CACHE_HOME/vhx
	elif [ -n "${HOME:-}" ]; then
		VHX_CACHE=$HOME/.cache/vhx
	else
		VHX_CACHE=/var/cache/vhx
	fi
fi
export VHX_ROOT VHX_CACHE
# The kernel lines of the test matrix, oldest first.
VHX_KVERS_DEFAULT="6.1 6.12"

t_pass() { echo "PASS: $*"; }
t_fail() { echo "FAIL: $*"; }
t_skip() { echo "SKIP: $*"; }

# t_run NAME CMD...: run CMD, PASS or FAIL under NAME by its exit status.
# Its output is shown only when it fails, indented, to keep logs readable.
t_run() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		t_pass "$name"
	else
		printf '%s\n' "$out" | sed 's/^/    /'
		t_fail "$name (exit $rc)"
	fi
	return $rc
}

die() { echo "vhx: $*" >&2; exit 1; }

# kernel_release KVER: the installed Debian release of a kernel line.
kernel_release() { "$VHX_ROOT/scripts/kernel-release" "$1"; }
