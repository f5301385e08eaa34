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
# The kernel lines of the test matrix, oldest first, then the debug line:
# Debian's 6.1 source built here with KASAN, lockdep, kmemleak and UBSAN
# (scripts/debug-kernel.sh).
VHX_KVERS_DEFAULT="6.1 6.12 7.3 debug"

# The debug line's kernel build tree (what vhx.ko is built against).
vhx_debug_kdir() { echo "$VHX_CACHE/debug-kernel/build"; }

# kver_suite KVER: the Debian suite a kernel line comes from (its image and
# headers are the newest that suite offers).
kver_suite() {
	case $1 in
	6.1) echo bookworm ;;
	6.12) echo bookworm-backports ;;
	7.3) echo trixie-backports ;;
	debug) echo bookworm ;;	# its source: linux-source-6.1
	*) die "unknown kernel line '$1' (known: 6.1 6.12 7.3 debug)" ;;
	esac
}

# kver_nested_guest KVER: the kernel line the nested guest of the e2e tests
# boots in the VM of line KVER (the guest side is not what is under test:
# its stock virtio_net is).  Its own, except for 7.3: 7.3 as a nested guest
# dies at boot on the CPU that TCG's SVM and KVM make up between them (the
# XSAVE sizes of CPUID disagree; 7.3 then disables XSAVE and oopses in
# fpstate_reset), so the 7.3 VM boots a 6.12 guest.
kver_nested_guest() {
	case $1 in
	7.*) echo 6.12 ;;
	debug) echo 6.1 ;;
	*) echo "$1" ;;
	esac
}

# kver_buildroot KVER: where a line's headers and compiler live, when not on
# this host.  Kernels of a newer Debian release are built with that
# release's gcc, which bookworm lacks, so their headers sit in a trixie
# build root (made by scripts/buildroot.sh) and kbuild runs chrooted there
# (scripts/kmake).  Empty for the host's own lines.
kver_buildroot() {
	case $1 in
	7.*) echo "$VHX_CACHE/buildroot/trixie" ;;
	esac
}

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

# field KEY: the value of KEY=... in a line on stdin (vhx-tcp's results,
# vhx's stats).
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p"; }

# vhx_stats_of PID: the vhx stats of the devices PID (QEMU, testpmd) owns, "vqN
# packets=... ..." lines, one device after the other (vq0 RX, vq1 TX of
# queue pair 0, then pair 1...).
vhx_stats_of() {
	local f found=1
	for f in /sys/kernel/debug/vhx/net-*/stats; do
		[ -r "$f" ] && [ "$(head -n 1 "$f" 2>/dev/null)" = "owner $1" ] || continue
		tail -n +2 "$f"
		found=0
	done
	return $found
}

# Open vhx-net devices right now.
vhx_open_devices() {
	ls -d /sys/kernel/debug/vhx/net-* 2>/dev/null | wc -l
}

die() { echo "vhx: $*" >&2; exit 1; }

# test_budget FILE KVER: the seconds a test script may take on kernel line
# KVER, from its "# vhx-budget: N [debug=M] [+VAR]" line (N for the stock
# lines, M for the debug line, which runs slower; +VAR adds the seconds in
# the environment variable VAR, for a test told how long to run); nothing
# if it names none.  The harness stops a script that outlives it and says
# which; vm-run sums the budgets of a lane for the VM's own limit.
test_budget() {
	local line n d v
	line=$(grep -m 1 '^# vhx-budget:' "$1" 2>/dev/null) || return 0
	n=$(sed -n 's/^# vhx-budget: *\([0-9][0-9]*\).*/\1/p' <<<"$line")
	d=$(sed -n 's/.*debug=\([0-9][0-9]*\).*/\1/p' <<<"$line")
	v=$(sed -n 's/.* +\([A-Z_][A-Z0-9_]*\).*/\1/p' <<<"$line")
	[ "$2" = debug ] && [ -n "$d" ] && n=$d
	if [ -n "$v" ] && [[ ${!v:-0} =~ ^[0-9]+$ ]]; then
		n=$((n + ${!v:-0}))
	fi
	echo "$n"
}

kernel_release() { "$VHX_ROOT/scripts/kernel-release" "$1"; }

# kernel_at_least VERSION: is the running kernel VERSION or newer?
kernel_at_least() {
	local k
	k=$(uname -r | sed 's/[-+].*//')
	[ "$(printf '%s\n%s\n' "$1" "$k" | sort -V | head -n 1)" = "$1" ]
}

# vhost_has_in_order: true if the running kernel's vhost_net offers
# IN_ORDER, which upstream added in 6.17 (Debian's 7.3 has it, 6.1 and 6.12
# do not).  Tests compare vhx with it there, and check this claim.
vhost_has_in_order() { kernel_at_least 6.17; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

# The Debian mirror this machine already uses, from deb822 or one-line
# sources.  Never hard-coded: the machine's configuration is the authority.
debian_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++)
					if ($i ~ /^bookworm(-updates)?$/) ok = 1 }
			/^$/ { if (ok && uri) { print uri; found = 1; exit }
				ok = 0; uri = "" }
			END { if (!found && ok && uri) print uri }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) {
			if ($(i + 1) ~ /^bookworm$/) print $i; break } }' "$f"
	done
}

# kernel_offered KVER [ROOT SUITE]: the release of the newest kernel of the
# line that apt offers (in the build root ROOT from SUITE alone, if given),
# resolved through Debian's linux-headers-amd64 metapackage.
kernel_offered() {
	local kver=$1 root=${2:-} suite=${3:-} ver rel
	ver=$(${root:+chroot "$root"} apt-cache madison linux-headers-amd64 |
		awk -F'|' -v k="$kver." -v s="${suite:+ $suite/}" '{ gsub(/ /, "", $2) }
			index($2, k) == 1 && (s == "" || index($3, s)) { print $2 }' | sort -V | tail -n 1)
	[ -n "$ver" ] || die "apt offers no linux-headers-amd64 for kernel $kver"
	rel=$(${root:+chroot "$root"} apt-cache depends "linux-headers-amd64=$ver" |
		sed -n 's/^ *Depends: linux-headers-//p' | head -n 1)
	[ -n "$rel" ] || die "cannot resolve kernel release of linux-headers-amd64=$ver"
	echo "$rel"
}

# deb822_source MIRROR SUITE [LINE...]: an apt source for the main component
# of a Debian suite, signed by Debian's archive keyring, plus any LINEs.
deb822_source() {
	local mirror=$1 suite=$2
	shift 2
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' "$mirror" "$suite"
	echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
	[ $# -eq 0 ] || printf '%s\n' "$@"
}
