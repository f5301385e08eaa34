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
# With the kernels their VMs boot as nested guests.
for k in "${kvers[@]}"; do
	n=$(kver_nested_guest "$k")
	[[ " ${kvers[*]} " == *" $n "* ]] || kvers+=("$n")
done

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
	# kernels of a newer Debian release are built in a build root of it
	debootstrap
	# the debug kernel line, built from linux-source
	bc bison flex libelf-dev libssl-dev
	# a client written by others: DPDK's testpmd with its virtio-user PMD
	dpdk-dev librte-net-virtio23
)

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q ' installed$'
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
	deb822_source "$mirror" "$suite" |
		as_root tee "/etc/apt/sources.list.d/vhx-$suite.sources" >/dev/null
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
# A kernel line is there when its headers, its image and its modules are.
need_kernels=() need_roots=() need_debug=
for k in "${kvers[@]}"; do
	if [ "$k" = debug ]; then
		need_debug=1	# scripts/debug-kernel.sh knows if it is cached
		continue
	fi
	kver_suite "$k" >/dev/null
	rel=$(kernel_release "$k")
	if [ -n "$rel" ] && [ -f "/boot/vmlinuz-$rel" ] &&
		[ -f "/lib/modules/$rel/modules.dep" ]; then
		continue
	fi
	if [ -n "$(kver_buildroot "$k")" ]; then
		need_roots+=("$k")
	else
		need_kernels+=("$k")
	fi
done

if [ ${#missing[@]} -gt 0 ] || [ ${#need_kernels[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	for k in "${need_kernels[@]}"; do
		s=$(kver_suite "$k")
		[ "$s" = bookworm ] || suite_known "$s" || add_suite "$s"
	done
	echo "setup: apt-get update"
	as_root apt-get update -qq
	if [ ${#missing[@]} -gt 0 ]; then
		echo "setup: installing ${missing[*]}"
		as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
	for k in "${need_kernels[@]}"; do
		rel=$(kernel_offered "$k")
		echo "setup: installing kernel $k: $rel"
		s=$(kver_suite "$k")
		[ "$s" != bookworm ] || s=
		as_root apt-get install -y -q --no-install-recommends \
			${s:+-t "$s"} "linux-image-$rel" "linux-headers-$rel"
	done
fi
for k in "${need_roots[@]}"; do
	as_root "$VHX_ROOT/scripts/buildroot.sh" "$k"
done
if [ -n "$need_debug" ]; then
	as_root "$VHX_ROOT/scripts/debug-kernel.sh"
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
