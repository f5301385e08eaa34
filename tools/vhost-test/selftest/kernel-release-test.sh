#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KVER -> release mapping: the newest generic amd64 headers of exactly that
# line, never a cloud/rt flavour, never 6.12 for 6.1, versions in numeric
# order (-56 is newer than -9).
. "$VHX_ROOT/scripts/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in 6.1.0-9-amd64 6.1.0-56-amd64 6.1.0-56-common 6.1.0-57-cloud-amd64 \
	6.1.0-57-rt-amd64 6.12.95+deb12-amd64 6.12.9+deb12-amd64 \
	6.12.95+deb12-cloud-amd64 7.3.1+deb13-amd64; do
	mkdir "$tmp/linux-headers-$d"
done

expect() {
	local kver=$1 want=$2 got
	got=$(VHX_HEADERS_DIR=$tmp "$VHX_ROOT/scripts/kernel-release" "$kver")
	if [ "$got" = "$want" ]; then
		t_pass "kernel-release $kver -> ${want:-nothing}"
	else
		t_fail "kernel-release $kver -> ${want:-nothing} (got '$got')"
	fi
}
expect 6.1 6.1.0-56-amd64
expect 6.12 6.12.95+deb12-amd64
expect 7.3 7.3.1+deb13-amd64
expect 6.2 ""
