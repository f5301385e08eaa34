#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh: the debug kernel line (KVER=debug), built once and cached.
#
# Debian's stock kernels have no KASAN, lockdep or kmemleak, so a
# use-after-free, an out-of-bounds write or a lock taken in the wrong order
# passes every test there silently.  This builds Debian's own 6.1 source
# (the linux-source-6.1 package the static checks already use) with those
# detectors, from allnoconfig plus scripts/debug-kernel.config: only what
# the VM lane needs, so it builds in minutes on two cores.
#
# Like the 7.3 line's, the result is unpacked into this host's /boot and
# /lib/modules, where the VM lane finds every kernel.  The build tree in
# $VHX_CACHE/debug-kernel/build is what vhx.ko is built against
# (scripts/kmake debug).  It is rebuilt only when the source package, the
# config fragment or this script change.  Prints a line at least every
# minute while it builds.
set -euo pipefail
trap 'echo "debug-kernel: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/lib.sh"

dir=$VHX_CACHE/debug-kernel
frag=$VHX_ROOT/scripts/debug-kernel.config
pkg=linux-source-6.1
tarball=$(ls /usr/src/$pkg.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "no /usr/src/$pkg.tar.* (run: make setup)"
srcver=$(dpkg-query -W -f='${Version}' "$pkg")
key=$( { echo "$pkg $srcver"; cat "$frag" "$0"; } | sha256sum | cut -c1-16)

if [ "$(cat "$dir/key" 2>/dev/null)" = "$key" ]; then
	rel=$(cat "$dir/build/include/config/kernel.release")
	if [ -f "/boot/vmlinuz-$rel" ] && [ -f "/lib/modules/$rel/modules.dep" ]; then
		echo "debug-kernel: $rel (cached)"
		exit 0
	fi
fi

# tick LOG WHAT: a line a minute while a long step runs, so that a person
# can tell it from a hang; stopped by killing it.
tick() {
	local log=$1 what=$2 s0=$SECONDS
	while sleep 60; do
		echo "debug-kernel: $what, $((SECONDS - s0))s, $(wc -l <"$log") lines of log"
	done
}

rm -rf "$dir"
mkdir -p "$dir/src" "$dir/build"
log=$dir/build.log
: >"$log"
echo "debug-kernel: extracting $tarball ($pkg $srcver)"
tar -xf "$tarball" -C "$dir/src" --strip-components=1

kmake() { make -C "$dir/src" O="$dir/build" "$@"; }
echo "debug-kernel: configuring (allnoconfig + $(basename "$frag"))"
kmake KCONFIG_ALLCONFIG="$frag" allnoconfig >>"$log" 2>&1
kmake olddefconfig >>"$log" 2>&1
# Every line of the fragment must have survived: a dependency it missed
# would otherwise turn a detector off without a word.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=n) grep -qx "# ${line%=n} is not set" "$dir/build/.config" || { echo "  $line"; bad=1; } ;;
	CONFIG_*) grep -qxF "$line" "$dir/build/.config" || { echo "  $line"; bad=1; } ;;
	esac
done <"$frag"
[ $bad -eq 0 ] || die "the options above did not survive olddefconfig: fix $frag"

echo "debug-kernel: building with $(nproc) jobs, log in $log"
tick "$log" building &
ticker=$!
if ! kmake -j"$(nproc)" bzImage modules >>"$log" 2>&1; then
	kill "$ticker"
	tail -n 30 "$log" >&2
	die "the debug kernel did not build, see $log"
fi
kill "$ticker"

rel=$(cat "$dir/build/include/config/kernel.release")
echo "debug-kernel: installing $rel into /boot and /lib/modules"
rm -rf "/lib/modules/$rel"
kmake INSTALL_MOD_PATH=/ INSTALL_MOD_STRIP=1 modules_install >>"$log" 2>&1
install -m 0644 "$dir/build/arch/x86/boot/bzImage" "/boot/vmlinuz-$rel"
depmod -a "$rel"
# The build tree stays (vhx.ko is built against it); the objects of the
# kernel itself are not needed for that.
echo "$key" >"$dir/key"
echo "debug-kernel: $rel ready"
