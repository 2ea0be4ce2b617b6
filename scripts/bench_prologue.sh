# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
#
# Sourced by scripts/bench.sh and scripts/bench-stream.sh: what every
# benchmark checks before it starts anything. Not a benchmark itself (the
# name does not match bench-*.sh, which bench.sh runs).
#
# Sets top (the source tree). bench_require NAME FILES COMMANDS exits 1 with
# one line on stderr, prefixed NAME, unless running as root and every FILE
# (relative to top) is executable and every COMMAND is on PATH.

top=$(cd "$(dirname "$0")/.." && pwd)

bench_require() { # name files commands
	if [ "$(id -u)" -ne 0 ]; then
		echo "$1: must run as root (network namespaces)" >&2
		exit 1
	fi
	for f in $2; do
		[ -x "$top/$f" ] || { echo "$1: $f missing (run make)" >&2; exit 1; }
	done
	for c in $3; do
		command -v "$c" >/dev/null || { echo "$1: $c missing (scripts/setup-deps.sh)" >&2; exit 1; }
	done
}
