#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Sign vmnet-helper ad hoc with the com.apple.security.virtualization
# entitlement (scripts/macos/vmnet-helper.entitlements), then verify the
# signature (codesign --verify --strict) and that the entitlement is in it
# (codesign -d --entitlements). From macOS 26 vmnet starts interfaces for a
# program with this entitlement without root (docs/macos.md). An ad hoc
# signature without a time stamp is the same on every run and machine.
#
# Usage: sign.sh FILE	(macOS only; used by release.sh, make install and
# install.sh)
set -eu

entitlements=$(cd "$(dirname "$0")" && pwd)/vmnet-helper.entitlements
file=$1

die() {
	echo "sign: $*" >&2
	exit 1
}

command -v codesign >/dev/null 2>&1 || die "codesign not found (xcode-select --install)"
codesign --force --sign - --timestamp=none --entitlements "$entitlements" "$file" ||
	die "cannot sign $file"
codesign --verify --strict "$file" || die "$file: the signature does not verify"
codesign -d --entitlements - --xml "$file" 2>/dev/null |
	grep -q '<key>com.apple.security.virtualization</key>' ||
	die "$file: the signature lacks com.apple.security.virtualization"
