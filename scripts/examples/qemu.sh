#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Boot the test guest (scripts/guest/build.sh) in QEMU on a vmnet interface.
#
#   scripts/examples/qemu.sh [vmnet-client and helper options]
#
# e.g. scripts/examples/qemu.sh --operation-mode host
#
# vmnet-client starts the helper, then QEMU with its end of the socket as
# fd 4 (-netdev dgram,local.type=fd,local.str=4; with --stream a stream
# socket, -netdev socket,fd=4, frames after a 4-byte length) and the interface's MAC
# in VMNET_MAC_ADDRESS, which the guest NIC uses. The guest prints
# GUEST-* lines on the console and powers off; QEMU exits, and
# vmnet-client stops the helper.
#
# Environment: GUEST_KERNEL, GUEST_INITRD (default build/guest/), GUEST_APPEND
# (extra kernel parameters, e.g. guest.fetch=URL), QEMU (binary),
# QEMU_ACCEL (default tcg; kvm or hvf if available), QEMU_MEMORY (MiB),
# VMNET_CLIENT (default: build/vmnet-client, else vmnet-client in PATH).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${GUEST_KERNEL:-$top/build/guest/vmlinuz}
initrd=${GUEST_INITRD:-$top/build/guest/initramfs.gz}
append="console=ttyS0 quiet panic=-1 ${GUEST_APPEND:-}"
qemu=${QEMU:-qemu-system-x86_64}
client=${VMNET_CLIENT:-$top/build/vmnet-client}
[ -x "$client" ] || client=vmnet-client
netdev=dgram,id=n0,local.type=fd,local.str=4
for arg; do
	[ "$arg" != --stream ] || netdev=socket,id=n0,fd=4
done

if [ ! -r "$kernel" ] || [ ! -r "$initrd" ]; then
	echo "qemu.sh: no guest at $kernel, $initrd (run scripts/guest/build.sh)" >&2
	exit 1
fi

# The MAC is known only once the helper runs, so QEMU is started by a
# fixed sh -c script that appends the NIC; everything else travels as
# arguments, never as shell text.
# shellcheck disable=SC2016 # expanded by the inner shell
exec "$client" "$@" -- sh -c 'exec "$@" -device "virtio-net-pci,netdev=n0,romfile=,mac=$VMNET_MAC_ADDRESS"' \
	sh "$qemu" -nographic -no-reboot \
	-accel "${QEMU_ACCEL:-tcg}" -cpu max -smp 1 -m "${QEMU_MEMORY:-256}" \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-netdev "$netdev"
