#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Run a vfkit VM (macOS) on a vmnet interface.
#
#   scripts/examples/vfkit.sh DISK [vmnet-client and helper options]
#
# DISK is a raw EFI-bootable image (e.g. a Debian or Fedora cloud image
# converted with qemu-img). vmnet-client gives vfkit its end of the socket
# as fd 4 and the interface's MAC in VMNET_MAC_ADDRESS; vfkit sends its
# 4-byte "VFKT" greeting first, which the helper ignores.
#
# Environment: VFKIT (binary), CPUS (2), MEMORY (MiB, 2048),
# VMNET_CLIENT (default: vmnet-client beside this repository's build).
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 DISK [vmnet-client options]" >&2
	exit 1
fi
disk=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
client=${VMNET_CLIENT:-$top/build/vmnet-client}
[ -x "$client" ] || client=vmnet-client

# shellcheck disable=SC2016 # expanded by the inner shell
exec "$client" "$@" -- sh -c 'exec "$@" --device "virtio-net,fd=4,mac=$VMNET_MAC_ADDRESS"' \
	sh "${VFKIT:-vfkit}" --cpus "${CPUS:-2}" --memory "${MEMORY:-2048}" \
	--bootloader "efi,variable-store=$disk.efi-vars,create" \
	--device "virtio-blk,path=$disk" \
	--device virtio-serial,stdio \
	--device virtio-rng
