#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Set up, build, and show vmnet-helper forwarding a real VM's traffic:
#
#   scripts/demo.sh
#
# as root, or as a user who may use sudo: the root parts (installing
# packages, the namespace) then run through sudo (scripts/as-root.sh), the
# builds as the user. Installs the Debian packages (scripts/setup-deps.sh),
# builds, builds the small test guest (scripts/guest/build.sh), then in a
# private network namespace boots the guest in QEMU under vmnet-client. The helper drops
# to nobody, the guest gets a DHCP lease from the vmnet network, pings the
# gateway and downloads 16 MiB from an HTTP server on the host side, then
# powers off; the helper stops with its final statistics. The namespace
# and everything in it are removed at the end.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Everything from here on runs as root, in "$0 --boot".
if [ "${1:-}" != --boot ]; then
	scripts/as-root.sh scripts/setup-deps.sh
	make -j"$(nproc)" programs tools
	scripts/guest/build.sh
	exec scripts/as-root.sh "$top/scripts/demo.sh" --boot
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: --boot must run as root" >&2
	exit 1
fi

ns=vmnet-demo-$$
web=$(mktemp -d)
web_pid=
cleanup() {
	[ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$web"
}
trap cleanup EXIT INT TERM

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
head -c 16777216 /dev/urandom >"$web/blob"
echo "demo: blob sha256 $(sha256sum "$web/blob" | cut -d' ' -f1)"
ip netns exec "$ns" /usr/bin/python3 -m http.server --directory "$web" 8080 \
	>/dev/null 2>&1 &
web_pid=$!

echo "demo: booting the guest (software emulation, this takes a little while)"
# The guest console, the JSON line and the helper's log, without kernel noise.
ip netns exec "$ns" env SUDO_UID=65534 SUDO_GID=65534 \
	GUEST_APPEND="guest.fetch=http://192.168.105.1:8080/blob" \
	timeout 600 scripts/examples/qemu.sh \
	--start-address 192.168.105.1 --end-address 192.168.105.254 \
	--subnet-mask 255.255.255.0 2>&1 |
	grep --line-buffered -E '^\{|GUEST-|\[(main|stats|client)\]' |
	sed 's/^.*GUEST-/GUEST-/'
