#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Install what building, testing and benchmarking need on Debian 12, and
# the macOS cross build's zig and cJSON source (scripts/macos/cross-deps.sh),
# so that no build or test downloads anything. Used by the README and by
# .ci/run. Run as root; safe to run again.
set -eu

packages="build-essential clang libblocksruntime-dev libcjson-dev libcmocka-dev
	libnftables-dev nftables dnsmasq-base iproute2 kmod procps psmisc
	python3 python3-pytest python3-scapy iperf3
	clang-format cppcheck shellcheck mandoc groff-base sudo git
	qemu-system-x86 linux-image-amd64 busybox-static cpio
	file dpkg-dev llvm"

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-deps: must run as root (sudo $0)" >&2
	exit 1
fi

# zig for the macOS cross build comes from the npm registry: use the
# machine's npm when there is one (Debian's conflicts with other Node.js).
command -v npm >/dev/null 2>&1 || packages="$packages npm"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "setup-deps: all packages present"
else
	echo "setup-deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086 # one word per package is wanted
	apt-get install -y -q --no-install-recommends $missing
fi
"$(dirname "$0")/macos/cross-deps.sh"
