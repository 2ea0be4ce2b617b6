#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Run a krunkit VM (macOS, Apple silicon) on a vmnet interface.
#
#   scripts/examples/krunkit.sh DISK [vmnet-client and helper options]
#
# krunkit's unixgram backend takes the socket as fd 4. With OFFLOADING=on
# (default off) the helper must enable TSO and checksum offload too, so
# this script adds --enable-tso --enable-checksum-offload; offloading is
# fast from macOS 26.2 on.
#
# Environment: KRUNKIT (binary), CPUS (2), MEMORY (MiB, 2048), OFFLOADING
# (on|off), VMNET_CLIENT (default: vmnet-client beside this repository's
# build).
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
OFFLOADING=${OFFLOADING:-off}
export OFFLOADING
case $OFFLOADING in
on) set -- --enable-tso --enable-checksum-offload "$@" ;;
off) ;;
*)
	echo "krunkit.sh: OFFLOADING must be on or off" >&2
	exit 1
	;;
esac

# shellcheck disable=SC2016 # expanded by the inner shell
exec "$client" "$@" -- sh -c 'exec "$@" --device "virtio-net,type=unixgram,fd=4,mac=$VMNET_MAC_ADDRESS,offloading=$OFFLOADING"' \
	sh "${KRUNKIT:-krunkit}" --cpus "${CPUS:-2}" --memory "${MEMORY:-2048}" \
	--device "virtio-blk,path=$disk,format=raw"
