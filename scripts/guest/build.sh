#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Build a tiny test guest from Debian packages: the host's kernel
# (linux-image-amd64) and an initramfs holding busybox-static, the virtio
# network modules and scripts/guest/init. The result is cached:
#
#   build/guest/vmlinuz          kernel
#   build/guest/initramfs.gz     initramfs (newc cpio, gzip)
#
# It is rebuilt only when an input is newer. Usage: build.sh [OUTDIR]
# Environment: KVER selects a kernel version (default: the newest one in
# /boot that has modules).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(dirname "$(dirname "$here")")/build/guest}
modules="virtio_pci virtio_net"

die() {
	echo "guest: $*" >&2
	exit 1
}

pick_kernel() {
	for k in $(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -rV); do
		v=${k#/boot/vmlinuz-}
		if [ -f "/lib/modules/$v/modules.dep" ]; then
			echo "$v"
			return
		fi
	done
}

kver=${KVER:-$(pick_kernel)}
[ -n "$kver" ] || die "no kernel with modules in /boot (apt-get install linux-image-amd64)"
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -r "$kernel" ] || die "cannot read $kernel"
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
# ldd fails on a static executable: the guest has no shared libraries.
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is not static (apt-get install busybox-static)"
fi

mkdir -p "$out"
stamp=$out/kver
if [ -f "$out/initramfs.gz" ] && [ -f "$out/vmlinuz" ] &&
	[ "$(cat "$stamp" 2>/dev/null)" = "$kver" ] &&
	[ -z "$(find "$here/init" "$here/udhcpc.script" "$0" "$busybox" "$kernel" \
		-newer "$out/initramfs.gz" 2>/dev/null)" ]; then
	echo "guest: up to date ($out, kernel $kver)"
	exit 0
fi

# Print the module files of $1 and its dependencies, dependencies first,
# each once (modules.dep lists a module's direct and indirect dependencies).
resolve() {
	name=$1
	line=$(grep -E "(^|/)${name}\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep") ||
		die "module $name not in $moddir/modules.dep"
	deps=${line#*:}
	# modules.dep lists the deepest dependency last; load in reverse.
	for d in $(echo "$deps" | tr ' ' '\n' | sed '/^$/d' | tac); do
		echo "$d"
	done
	echo "${line%%:*}"
}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
	"$root/etc/udhcpc" "$root/lib/modules"
cp "$busybox" "$root/bin/busybox"
for app in $("$busybox" --list); do
	[ "$app" = busybox ] || ln -s busybox "$root/bin/$app"
done
cp "$here/init" "$root/init"
cp "$here/udhcpc.script" "$root/etc/udhcpc/default.script"
chmod 0755 "$root/init" "$root/etc/udhcpc/default.script"

# Busybox insmod cannot read compressed modules: store them plain.
order=$root/etc/modules
: >"$order"
for m in $modules; do
	for f in $(resolve "$m"); do
		base=$(basename "$f")
		base=${base%.xz}
		base=${base%.zst}
		base=${base%.gz}
		grep -qx "$base" "$order" && continue
		case $f in
		*.xz) xz -dc "$moddir/$f" >"$root/lib/modules/$base" ;;
		*.zst) zstd -qdc "$moddir/$f" >"$root/lib/modules/$base" ;;
		*.gz) gzip -dc "$moddir/$f" >"$root/lib/modules/$base" ;;
		*) cp "$moddir/$f" "$root/lib/modules/$base" ;;
		esac
		echo "$base" >>"$order"
	done
done

(cd "$root" && find . | sort | cpio --quiet -o -H newc -R 0:0) | gzip -9 >"$out/initramfs.gz.tmp"
mv "$out/initramfs.gz.tmp" "$out/initramfs.gz"
cp "$kernel" "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$kver" >"$stamp"
echo "guest: built $out (kernel $kver, modules: $(tr '\n' ' ' <"$order"))"
