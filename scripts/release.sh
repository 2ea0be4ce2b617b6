#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Build the release archive vmnet-helper-VERSION.tar.gz and SHA256SUMS.
#
# On macOS (the real release): each architecture is built with the
# Makefile and Apple's clang, cJSON linked statically; lipo joins arm64 and
# x86_64 into universal binaries; vmnet-helper gets an ad-hoc signature with
# the com.apple.security.virtualization entitlement.
#
# Elsewhere (CI on Linux) only what can run there is exercised: the zig
# cross build (scripts/macos-cross.sh) per architecture, the archive layout,
# and reproducibility (everything is built twice and the archives must be
# identical). No lipo, no codesign: those archives are for checking, not
# for distribution.
#
# The archive is reproducible: sorted names, every mtime set to the last
# commit's time (SOURCE_DATE_EPOCH), owner and group 0 (numeric), fixed
# modes, gzip without name or time stamp. Layout:
#	vmnet-helper-VERSION/install.sh
#	vmnet-helper-VERSION/bin/{vmnet-helper,vmnet-client,vmnet-run,socket_vmnet}
#	vmnet-helper-VERSION/share/man/man{1,8}/...
#	vmnet-helper-VERSION/share/doc/vmnet-helper/{LICENSE,LICENSE.cJSON,...}
#	vmnet-helper-VERSION/share/doc/vmnet-helper/sudoers.d/...
#
# The input is the last commit (git archive HEAD), so uncommitted changes
# never reach an archive; VERSION is scripts/version.sh of that commit
# (1.0.0 for the tagged v1.0.0, 1.0.0-12-gabcdef0 after it).
#
# Environment: B (build dir, default build), RELEASE_OUT (output directory,
# default $B/release); on macOS CJSON_SRC, an unpacked cJSON source tree
# (default: Homebrew's download of cjson); elsewhere the variables of
# scripts/macos-cross.sh (CROSS_DIR, ZIG_CACHE).
set -eu

cd "$(dirname "$0")/.."
umask 022
ROOT=$(pwd)

# The release is built from the last commit, exported with git archive:
# the same input every time, whatever else is in the working tree.
VERSION=$(scripts/version.sh HEAD)
COMMIT=$(git rev-parse HEAD)
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct HEAD)
NAME=vmnet-helper-$VERSION
ARCHS="arm64 x86_64"
# For cJSON; the same as the Makefile's deployment target (docs/macos.md).
MACOS_MIN=13.0

absolute() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$ROOT/$1" ;;
	esac
}

B=$(absolute "${B:-build}")
REL=$(absolute "${RELEASE_OUT:-$B/release}")
# zig's cache stays in the working tree's build directory.
ZIG_CACHE=$(absolute "${ZIG_CACHE:-$B/zig-cache}")
CROSS_DIR=${CROSS_DIR:-/usr/local/lib/vmnet-helper-cross}
export B VERSION COMMIT SOURCE_DATE_EPOCH ZIG_CACHE CROSS_DIR

die() {
	echo "release: $*" >&2
	exit 1
}

info() {
	echo "release: $*"
}

need() {
	for tool; do
		command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
	done
}

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$@"
	else
		shasum -a 256 "$@"
	fi
}

# The files install.sh expects besides the programs; a release without them
# is broken, a check build only warns.
DOCS="docs/man/vmnet-helper.8 docs/man/vmnet-client.1 sudoers.d/vmnet-helper
	sudoers.d/vmnet-helper-closefrom sudoers.d/README.md
	scripts/macos/launchd/io.github.vmnet-helper.networks.plist"

check_docs() {
	missing=
	for f in $DOCS install.sh; do
		[ -f "$f" ] || missing="$missing $f"
	done
	[ -z "$missing" ] && return
	[ "$1" = strict ] && die "missing from the source tree:$missing"
	info "WARNING: missing from the source tree, left out of the archive:$missing"
}

# Fill $1/$NAME from the programs in $2 and the documents in the tree;
# $3 is cJSON's licence, which its binary copies must carry.
stage() {
	top=$1/$NAME
	doc=$top/share/doc/vmnet-helper
	rm -rf "$1"
	mkdir -p "$top/bin" "$doc"
	for prog in vmnet-helper vmnet-client; do
		[ -f "$2/$prog" ] || die "$2/$prog was not built"
		cp "$2/$prog" "$top/bin/$prog"
		chmod 0755 "$top/bin/$prog"
	done
	# vmnet-run: vmnet-client under the predecessor's name, a copy;
	# socket_vmnet: vmnet-helper under socket_vmnet's name, a copy.
	cp "$top/bin/vmnet-client" "$top/bin/vmnet-run"
	cp "$top/bin/vmnet-helper" "$top/bin/socket_vmnet"
	for f in $DOCS LICENSE README.md install.sh; do
		[ -f "$f" ] || continue
		case $f in
		docs/man/*)
			dir=$top/share/man/man${f##*.}
			mkdir -p "$dir"
			cp "$f" "$dir/"
			;;
		sudoers.d/*)
			mkdir -p "$doc/sudoers.d"
			cp "$f" "$doc/sudoers.d/"
			;;
		install.sh) cp "$f" "$top/" ;;
		scripts/macos/launchd/*)
			mkdir -p "$doc/launchd"
			cp "$f" "$doc/launchd/"
			;;
		*) cp "$f" "$doc/" ;;
		esac
	done
	cp "$3" "$doc/LICENSE.cJSON"
	find "$top" -type d -exec chmod 0755 {} +
	find "$top" -type f -exec chmod 0644 {} +
	chmod 0755 "$top"/bin/*
	[ ! -f "$top/install.sh" ] || chmod 0755 "$top/install.sh"
}

# Write the reproducible archive $2 from the staged tree $1/$NAME.
archive() {
	stamp=$(TZ=UTC date -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M.%S 2>/dev/null ||
		TZ=UTC date -r "$SOURCE_DATE_EPOCH" +%Y%m%d%H%M.%S)
	find "$1/$NAME" -exec env TZ=UTC touch -h -t "$stamp" {} +
	list=$(cd "$1" && pwd).list
	(cd "$1" && find "$NAME" -print | LC_ALL=C sort) >"$list"
	if tar --version 2>/dev/null | grep -q 'GNU tar'; then
		owner="--owner=0 --group=0 --numeric-owner"
	else
		owner="--uid 0 --gid 0 --numeric-owner"
	fi
	# COPYFILE_DISABLE: macOS's bsdtar would add "._" AppleDouble entries
	# for extended attributes (and install.sh refuses an archive with one).
	# shellcheck disable=SC2086 # owner is a list of options
	(cd "$1" && COPYFILE_DISABLE=1 tar -c -f - --format=ustar --no-recursion $owner -T "$list") |
		gzip -9 -n >"$2" || die "cannot write $2"
	# The archive holds exactly the staged names, nothing tar added.
	gzip -dc "$2" | tar -t -f - | sed 's|/$||' | cmp -s - "$list" ||
		die "$2 does not list exactly the staged files (AppleDouble entries?)"
}

# Write SHA256SUMS in directory $1 for the archives in it.
checksums() {
	(cd "$1" && sha256 ./*.tar.gz | sed 's| \./| |' >SHA256SUMS)
}

# cJSON source for the macOS build: $CJSON_SRC, or the upstream tarball
# that Homebrew downloads and verifies for its cjson formula.
macos_cjson_src() {
	if [ -n "${CJSON_SRC:-}" ]; then
		[ -f "$CJSON_SRC/cJSON.c" ] || die "CJSON_SRC=$CJSON_SRC has no cJSON.c"
		return
	fi
	need brew
	brew fetch --build-from-source cjson >/dev/null || die "brew fetch cjson failed"
	tarball=$(brew --cache --build-from-source cjson)
	CJSON_SRC=$WORK/cjson-src
	rm -rf "$CJSON_SRC"
	mkdir -p "$CJSON_SRC"
	tar -xzf "$tarball" -C "$CJSON_SRC" --strip-components=1 ||
		die "cannot unpack $tarball"
}

release_macos() {
	need clang lipo codesign make tar gzip
	check_docs strict
	macos_cjson_src
	# Zero the timestamps ar and ld record, for reproducible binaries.
	ZERO_AR_DATE=1
	export ZERO_AR_DATE
	for arch in $ARCHS; do
		out=$WORK/$arch
		rm -rf "$out"
		mkdir -p "$out/cjson/include/cjson"
		cp "$CJSON_SRC/cJSON.h" "$out/cjson/include/cjson/"
		clang -arch "$arch" -mmacosx-version-min="$MACOS_MIN" -O2 -c \
			-o "$out/cjson/cJSON.o" "$CJSON_SRC/cJSON.c"
		ar rcs "$out/cjson/libcjson.a" "$out/cjson/cJSON.o"
		# -Wl,-S: no debug map (build paths) in the shipped binaries.
		make B="$out" CC="clang -arch $arch" CFLAGS=-O2 LDFLAGS=-Wl,-S \
			CJSON_LIBS="$out/cjson/libcjson.a" \
			CJSON_CFLAGS="-I$out/cjson/include -I$out/cjson/include/cjson" \
			VERSION="$VERSION" COMMIT="$COMMIT" programs ||
			die "make for $arch failed"
	done
	uni=$WORK/universal
	rm -rf "$uni"
	mkdir -p "$uni"
	for prog in vmnet-helper vmnet-client; do
		lipo -create -output "$uni/$prog" "$WORK/arm64/$prog" "$WORK/x86_64/$prog"
		lipo "$uni/$prog" -verify_arch arm64 x86_64 ||
			die "$uni/$prog is not arm64 + x86_64"
	done
	scripts/macos/sign.sh "$uni/vmnet-helper" || die "cannot sign $uni/vmnet-helper"
	codesign --force --sign - --timestamp=none "$uni/vmnet-client"
	codesign --verify --strict "$uni/vmnet-client" || die "$uni/vmnet-client: bad signature"
	scripts/macos/check-binds.py "$MACOS_MIN" "$uni/vmnet-helper" "$uni/vmnet-client" ||
		die "the universal binaries would not load on macOS $MACOS_MIN"
	stage "$WORK/stage" "$uni" "$CJSON_SRC/LICENSE"
	archive "$WORK/stage" "$REL/$NAME.tar.gz"
	checksums "$REL"
	info "built $REL/$NAME.tar.gz (universal arm64 + x86_64, vmnet-helper signed ad hoc with com.apple.security.virtualization)"
	cat "$REL/SHA256SUMS"
}

# Linux: per-architecture archives from two independent cross builds,
# which must be byte for byte the same.
release_cross() {
	need tar gzip
	check_docs warn
	for main in src/helper.c src/client.c; do
		[ -f "$main" ] || die "$main is needed for a release"
	done
	for run in 1 2; do
		info "cross build $run of 2 (log: $REL/run$run.log)"
		MACOS_OUT=$WORK/run$run scripts/macos-cross.sh >"$REL/run$run.log" 2>&1 || {
			cat "$REL/run$run.log" >&2
			die "cross build $run failed"
		}
		for arch in $ARCHS; do
			stage "$WORK/run$run/stage-$arch" "$WORK/run$run/$arch" \
				"$CROSS_DIR/cjson/src/LICENSE"
			archive "$WORK/run$run/stage-$arch" "$WORK/run$run/$NAME-macos-$arch.tar.gz"
		done
		checksums "$WORK/run$run"
	done
	cmp -s "$WORK/run1/SHA256SUMS" "$WORK/run2/SHA256SUMS" || {
		diff "$WORK/run1/SHA256SUMS" "$WORK/run2/SHA256SUMS" >&2
		die "two builds of the same tree gave different archives"
	}
	cp "$WORK"/run1/*.tar.gz "$WORK"/run1/SHA256SUMS "$REL/"
	info "two builds gave identical archives:"
	cat "$REL/SHA256SUMS"
	info "NOTE: built on $(uname -s) with zig: one archive per architecture, no lipo (not universal) and no codesign (no virtualization entitlement); for checking, not for distribution. Run make release on a Mac for the real archive."
}

git diff --quiet HEAD -- || info "WARNING: uncommitted changes are not part of the release"
rm -rf "$REL"
mkdir -p "$REL"
# Scratch space (export, objects, staging) lives outside the build
# directory, and goes away on exit.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmnet-helper-release.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/src"
git archive --format=tar HEAD | (cd "$WORK/src" && tar -xf -) ||
	die "cannot export $COMMIT"
cd "$WORK/src"
info "building $NAME from commit $COMMIT"
case $(uname -s) in
Darwin) release_macos ;;
*) release_cross ;;
esac
