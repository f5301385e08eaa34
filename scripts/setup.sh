#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh [KVER...]: install what vhx needs to build, check and demo.
#
# Idempotent, and quick when nothing is missing: apt is only asked when a
# package or a kernel is absent.  Kernels (image + headers) are installed as
# ordinary Debian packages: the VM lane boots /boot/vmlinuz-<release> and the
# guest loads modules from /lib/modules/<release>, both seen through the
# read-only 9p share of the host root, so there is no private copy to drift.
#
# Kernel lines come from Debian suites: 6.1 from bookworm (and its security
# updates), 6.12 from bookworm-backports.  A missing suite is added using the
# mirror the machine's own apt sources already use.
set -euo pipefail
trap 'echo "setup: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/lib.sh"

read -r -a kvers <<<"${*:-$VHX_KVERS_DEFAULT}"

packages=(
	# build: modules and userspace tools
	gcc make libc6-dev pkg-config libnl-3-dev libnl-genl-3-dev
	libnl-route-3-dev
	# static checks: sparse, and checkpatch.pl out of linux-source
	sparse perl linux-source-6.1 xz-utils
	# sanitizers and libFuzzer for the userspace ring code
	clang libclang-rt-14-dev
	# the VM lane
	qemu-system-x86 busybox-static cpio kmod zstd iproute2 util-linux
	# end to end: the test VM pings the nested guest
	iputils-ping procps
)

# kver_suite KVER: the extra apt suite a kernel line comes from, for -t;
# empty when the default suites (bookworm and its security updates) have it.
kver_suite() {
	case $1 in
	6.1) echo "" ;;
	6.12) echo bookworm-backports ;;
	*) die "unknown kernel line '$1' (known: 6.1 6.12)" ;;
	esac
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q ' installed$'
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

suite_known() {
	grep -rqsE "(^|[[:space:]])$1([[:space:]]|\$)" /etc/apt/sources.list \
		/etc/apt/sources.list.d/
}

add_suite() {
	local suite=$1 mirror
	mirror=$(debian_mirror | head -n 1)
	[ -n "$mirror" ] || die "no Debian bookworm mirror in the apt sources; cannot add $suite"
	echo "setup: adding apt suite $suite from $mirror"
	as_root tee "/etc/apt/sources.list.d/vhx-$suite.sources" >/dev/null <<EOF
Types: deb
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

# kernel_packages KVER: image and headers of the newest release of the line
# that apt offers, resolved through Debian's metapackages.
kernel_packages() {
	local kver=$1 ver rel
	ver=$(apt-cache madison linux-headers-amd64 |
		awk -F'|' -v k="$1." '{ gsub(/ /, "", $2) }
			index($2, k) == 1 { print $2 }' | sort -V | tail -n 1)
	[ -n "$ver" ] || die "apt offers no linux-headers-amd64 for kernel $kver"
	rel=$(apt-cache depends "linux-headers-amd64=$ver" |
		sed -n 's/^ *Depends: linux-headers-//p' | head -n 1)
	[ -n "$rel" ] || die "cannot resolve kernel release of linux-headers-amd64=$ver"
	echo "linux-image-$rel linux-headers-$rel"
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
need_kernels=()
for k in "${kvers[@]}"; do
	kver_suite "$k" >/dev/null
	rel=$(kernel_release "$k")
	if [ -z "$rel" ] || [ ! -f "/boot/vmlinuz-$rel" ]; then
		need_kernels+=("$k")
	fi
done

if [ ${#missing[@]} -gt 0 ] || [ ${#need_kernels[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	for k in "${need_kernels[@]}"; do
		s=$(kver_suite "$k")
		[ -z "$s" ] || suite_known "$s" || add_suite "$s"
	done
	echo "setup: apt-get update"
	as_root apt-get update -qq
	if [ ${#missing[@]} -gt 0 ]; then
		echo "setup: installing ${missing[*]}"
		as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
	for k in "${need_kernels[@]}"; do
		read -r -a kp <<<"$(kernel_packages "$k")"
		echo "setup: installing kernel $k: ${kp[*]}"
		s=$(kver_suite "$k")
		as_root apt-get install -y -q --no-install-recommends \
			${s:+-t "$s"} "${kp[@]}"
	done
fi

# checkpatch.pl and the data files it reads, pulled out of linux-source once.
cp_dir=$VHX_CACHE/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	src=$(ls /usr/src/linux-source-6.1.tar.* | head -n 1)
	echo "setup: extracting checkpatch.pl from $src"
	mkdir -p "$cp_dir"
	top=$(basename "$src" | sed 's/\.tar\..*//')
	tar -xf "$src" -C "$cp_dir" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi

for k in "${kvers[@]}"; do
	echo "setup: kernel $k = $(kernel_release "$k")"
done
