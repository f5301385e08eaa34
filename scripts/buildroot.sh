#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# buildroot.sh KVER: make a kernel line of a newer Debian release usable
# here (run by setup.sh, as root; idempotent).
#
# Such a kernel (7.3, from trixie-backports) is built with trixie's gcc,
# and its kbuild tools link against trixie's libc: neither runs on this
# bookworm host.  So:
#
#  - a minimal trixie root (debootstrap, from the host's own mirror) in
#    $VHX_CACHE holds gcc, make, sparse and the line's headers; scripts/kmake
#    runs kbuild chrooted in it;
#  - the kernel image and its modules are unpacked (not installed: the
#    package wants trixie's initramfs tools) into this host's /boot and
#    /lib/modules, where the VM lane finds every kernel, and depmod'ed by
#    the host's kmod.  Files unpacked are listed in the root's
#    var/lib/vhx/<release>.files, for removal.
set -euo pipefail
trap 'echo "buildroot: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: buildroot.sh KVER}
root=$(kver_buildroot "$kver")
[ -n "$root" ] || die "kernel $kver is built on the host, not in a build root"
suite=$(kver_suite "$kver")
release=${suite%-backports}
export DEBIAN_FRONTEND=noninteractive
in_root() { chroot "$root" "$@"; }

if [ ! -f "$root/var/lib/vhx/base" ]; then
	mirror=$(debian_mirror | head -n 1)
	[ -n "$mirror" ] || die "no Debian mirror in the apt sources"
	command -v debootstrap >/dev/null || die "no debootstrap (run: make setup)"
	echo "buildroot: debootstrap $release from $mirror into $root"
	rm -rf "$root.tmp"
	mkdir -p "$(dirname "$root")"
	debootstrap --variant=minbase --include=gcc,make,libc6-dev,sparse \
		"$release" "$root.tmp" "$mirror" >"$root.log" 2>&1 ||
		die "debootstrap failed, see $root.log"
	if [ "$suite" != "$release" ]; then
		deb822_source "$mirror" "$suite" \
			>"$root.tmp/etc/apt/sources.list.d/$suite.sources"
	fi
	mkdir -p "$root.tmp/var/lib/vhx"
	echo "$release $suite $mirror" >"$root.tmp/var/lib/vhx/base"
	rm -rf "$root"
	mv "$root.tmp" "$root"
fi

echo "buildroot: apt-get update in $root"
in_root apt-get update -qq
rel=$(kernel_offered "$kver" "$root" "$suite")
echo "buildroot: kernel $kver = $rel: headers, gcc and kbuild in the root"
in_root apt-get install -y -q --no-install-recommends -t "$suite" \
	"linux-headers-$rel" >>"$root.log"
in_root apt-get clean

# sparse ("make C=1").  Kernels from 6.15 spell unqualified typeof as
# __typeof_unqual__ for sparse, which parses it from 0.6.5 on: if the
# root's sparse cannot, the binary of Debian's unstable one (it needs
# nothing but libc) goes into the root's /usr/local/bin.  Kbuild asks
# scripts/checker-valid.sh whether the checker is fit, and Debian's headers
# lack that script, which would quietly turn C=1 off: the root gets one
# that asks the same question.
sparse_fit() {
	printf 'int f(const int *p) { __typeof_unqual__(*p) v = *p; return v; }\n' \
		>"$root/tmp/vhx-sparse.c"
	local out
	out=$(in_root sparse /tmp/vhx-sparse.c 2>&1 || true)
	! grep -q error <<<"$out"
}
if ! sparse_fit; then
	echo "buildroot: sparse from unstable (the root's cannot parse $rel)"
	# Never an upgrade from unstable: it is there for one download.  Its
	# Release file is valid a week; a mirror kept as a snapshot outlives
	# that, and the signature is still checked.
	deb822_source "$(awk '{ print $3 }' "$root/var/lib/vhx/base")" unstable \
		"Check-Valid-Until: no" >"$root/etc/apt/sources.list.d/unstable.sources"
	printf 'Package: *\nPin: release a=unstable\nPin-Priority: 1\n' \
		>"$root/etc/apt/preferences.d/unstable"
	in_root apt-get update -qq
	rm -rf "$root/var/tmp/sparse"
	mkdir -p "$root/var/tmp/sparse"
	chown _apt "$root/var/tmp/sparse" 2>/dev/null || true
	in_root sh -c 'cd /var/tmp/sparse && apt-get download -q -t unstable sparse' >>"$root.log"
	dpkg-deb -x "$root"/var/tmp/sparse/sparse_*.deb "$root/var/tmp/sparse/x"
	install -m 0755 "$root/var/tmp/sparse/x/usr/bin/sparse" "$root/usr/local/bin/sparse"
	rm -rf "$root/var/tmp/sparse"
	sparse_fit || die "no sparse that can check $rel"
fi
srctree=$(sed -n 's,^include \(/.*\)/Makefile$,\1,p' "$root/usr/src/linux-headers-$rel/Makefile")
cat >"$root${srctree:-/usr/src/linux-headers-$rel}/scripts/checker-valid.sh" <<'EOF'
#!/bin/sh
# vhx (scripts/buildroot.sh): absent from Debian's headers.  Prints 1 when
# the checker "$@" parses __typeof_unqual__, as kbuild wants.
f=$(mktemp --suffix=.c)
trap 'rm -f "$f"' EXIT
echo 'int f(const int *p) { __typeof_unqual__(*p) v = *p; return v; }' >"$f"
if "$@" "$f" 2>&1 | grep -q error; then echo 0; else echo 1; fi
EOF
chmod 0755 "$root${srctree:-/usr/src/linux-headers-$rel}/scripts/checker-valid.sh"

# The image package of a newer release depends on split packages: the
# kernel binary, its modules, and System.map/config.  Older ones hold it
# all themselves.
mapfile -t pkgs < <(in_root apt-cache depends "linux-image-$rel" |
	sed -n "s/^ *\\(Pre\\)\\{0,1\\}Depends: \\(linux-\\(binary\\|modules\\|base\\)-$rel\\)\$/\\2/p")
[ ${#pkgs[@]} -gt 0 ] || pkgs=("linux-image-$rel")
dl=/var/cache/vhx-kernel
rm -rf "$root$dl"
mkdir -p "$root$dl"
chown _apt "$root$dl" 2>/dev/null || true
echo "buildroot: fetching ${pkgs[*]}"
in_root sh -c "cd $dl && apt-get download -q $(printf '%s ' "${pkgs[@]}")" >>"$root.log"

stage=$root$dl/stage
mkdir -p "$stage"
for deb in "$root$dl"/*.deb; do
	dpkg-deb -x "$deb" "$stage"
done
mods=$stage/usr/lib/modules/$rel
[ -d "$mods" ] || mods=$stage/lib/modules/$rel
[ -d "$mods/kernel" ] || die "no modules for $rel in ${pkgs[*]}"
image=$mods/vmlinuz
[ -f "$image" ] || image=$stage/boot/vmlinuz-$rel
[ -f "$image" ] || die "no kernel image for $rel in ${pkgs[*]}"

echo "buildroot: unpacking $rel into /boot and /lib/modules, depmod"
rm -rf "/lib/modules/$rel"
cp -a "$mods" "/lib/modules/$rel"
rm -f "/lib/modules/$rel/vmlinuz"
install -m 0644 "$image" "/boot/vmlinuz-$rel"
depmod -a "$rel"
{
	echo "/boot/vmlinuz-$rel"
	echo "/lib/modules/$rel"
} >"$root/var/lib/vhx/$rel.files"
rm -rf "$root$dl"
echo "buildroot: kernel $kver ready: $rel"
