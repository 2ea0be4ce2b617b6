#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Run a command as root: directly when already root (a fresh Debian
# installed without a user password has no sudo), else through sudo.
# scripts/demo.sh and make test use it for their root parts, so that the
# README's commands work as written for root and for a user with sudo.
#
#   scripts/as-root.sh COMMAND [ARG...]
set -eu

[ $# -gt 0 ] || {
	echo "as-root: no command" >&2
	exit 2
}
if [ "$(id -u)" -eq 0 ]; then
	exec "$@"
fi
if ! command -v sudo >/dev/null 2>&1; then
	echo "as-root: $1 needs root, and sudo is not installed: run it as root" >&2
	exit 1
fi
exec sudo -- "$@"
