#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Every header must compile on its own: include it alone in an empty
# translation unit.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for h in include/*.h include/compat/*/*.h include/compat-linux/*/*.h; do
	[ -e "$h" ] || continue
	printf '#include "%s"\n' "$PWD/$h" >"$tmp/t.c"
	if ! clang -std=gnu11 -fblocks -D_GNU_SOURCE -Iinclude -Iinclude/compat \
		-Iinclude/compat-linux -Wall -Wextra -Werror -fsyntax-only "$tmp/t.c"; then
		echo "check-headers: $h does not compile alone" >&2
		status=1
	fi
done
exit $status
