#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The C compiler of the macOS cross build: make OS=Darwin CC="$0 ARCH"
# runs the Makefile's Darwin rules through it (scripts/macos-cross.sh).
#
# Usage: darwin-cc.sh ARCH ARG...	(ARCH: arm64 or x86_64)
#
# Two steps per call:
# 1. Apple's clang driver decides which arguments a Mac build accepts, and
#    zig's driver is more lenient (it takes -pie silently, for one). Debian's
#    clang has the same Darwin driver: run with --target=ARCH-apple-macosMIN
#    and -### it only prints the commands it would run, and reports every
#    argument a Mac's clang would warn about (an error there under -Werror).
#    Any driver diagnostic fails the call.
# 2. zig cc compiles or links, with the macOS SDK data it bundles.
#
# Environment: ZIG (zig executable), MACOS_MIN (deployment target, e.g. 13.0).
set -eu

arch=$1
shift
case $arch in
arm64) zig_target=aarch64-macos.$MACOS_MIN ;;
x86_64) zig_target=x86_64-macos.$MACOS_MIN ;;
*)
	echo "darwin-cc: unknown architecture $arch" >&2
	exit 2
	;;
esac

diag=$(clang --target="$arch-apple-macos$MACOS_MIN" -### "$@" 2>&1 >/dev/null |
	grep -E '(error|warning):' || true)
if [ -n "$diag" ]; then
	echo "$diag" | sed 's/^/darwin-cc: Apple clang would say: /' >&2
	exit 1
fi
exec "$ZIG" cc -target "$zig_target" "$@"
