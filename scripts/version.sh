#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Print the version of vmnet-helper: the semantic version in scripts/VERSION
# (MAJOR.MINOR.PATCH), for a build of the commit tagged vMAJOR.MINOR.PATCH;
# for any other build the same version with git describe's suffix appended,
# a semver pre-release: 1.0.0-12-gabcdef0 (12 commits after the tag, or,
# before the tag exists, after the commit that set the version), and
# -dirty for a working tree with uncommitted changes.
#
#   scripts/version.sh [COMMIT]
#
# With COMMIT (release.sh passes HEAD) the working tree is not looked at.
# Without git (a tree unpacked from an archive) the version alone.
set -eu

cd "$(dirname "$0")/.."
base=$(cat scripts/VERSION)
printf '%s\n' "$base" | grep -Eqx '(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)' || {
	echo "version.sh: scripts/VERSION: '$base' is not MAJOR.MINOR.PATCH" >&2
	exit 1
}

if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "$base"
	exit 0
fi
rev=${1:-HEAD}
dirty=
if [ $# -eq 0 ] && ! git diff --quiet HEAD -- 2>/dev/null; then
	dirty=-dirty
fi
if desc=$(git describe --tags --exact-match --match "v$base" "$rev" 2>/dev/null); then
	echo "$base$dirty"
elif desc=$(git describe --tags --long --abbrev=7 --match "v$base" "$rev" 2>/dev/null); then
	# v1.0.0-12-gabcdef0
	echo "$base-${desc#"v$base-"}$dirty"
else
	since=$(git log -1 --format=%H "$rev" -- scripts/VERSION)
	if [ -n "$since" ]; then
		count=$(git rev-list --count "$since..$rev")
	else
		count=$(git rev-list --count "$rev")
	fi
	echo "$base-$count-g$(git rev-parse --short=7 "$rev")$dirty"
fi
