#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Throughput through vmnet-helper on the Linux platform, against the
# reference forwarder (tests/tools/ref-forwarder), with iperf3.
#
#   sudo scripts/bench.sh [-t SECONDS] [-r ROUNDS] [-P 1,4] [--offload off,on]
#                         [--mode host|shared] [--callgrind-seconds N] [-o DIR]
#   sudo scripts/bench.sh --stream-daemon [-t SECONDS] [-n VMS]   (bench-stream.sh)
#
# Per configuration (offload off/on x streams) it runs the reference and
# the helper interleaved, ROUNDS times each, every run in fresh network
# namespaces: "host" holds the forwarder (the helper through vmnet-client,
# in host mode unless --mode shared, so that both have a bridge with the
# gateway address behind their TAP and nothing more; or ref-forwarder with
# its TAP on such a bridge) and an iperf3 server on the
# gateway; "vm" holds tests/tools/guest-nic on fd 4 (--offload with
# offload) and an iperf3 server. It then times the helper's exec to JSON
# line and counts instructions per frame in the helper's own code under
# callgrind. Results: DIR/results.json (default docs/bench), plots
# DIR/throughput.png and DIR/cpu.png, and a table on stdout. Nothing is
# left behind.
#
# Other benchmark modes live in their own scripts/bench-*.sh; each is run
# after this one with the output directory as its argument and writes its
# own file there.
set -eu

# --stream-daemon: per-VM throughput of 1..3 stream VMs on the daemon.
if [ "${1:-}" = --stream-daemon ]; then
	shift
	exec "$(dirname "$0")/bench-stream.sh" "$@"
fi

# shellcheck source-path=SCRIPTDIR source=bench_prologue.sh
. "$(dirname "$0")/bench_prologue.sh"
bench_require bench "build/vmnet-client build/vmnet-helper build/tools/guest-nic build/tools/ref-forwarder" \
	"iperf3 valgrind callgrind_annotate"
# A help request prints bench.py's usage and runs nothing.
for a in "$@"; do
	case $a in
	-h | --help) exec /usr/bin/python3 "$top/scripts/bench.py" --help ;;
	esac
done
/usr/bin/python3 "$top/scripts/bench.py" "$@"

out=$top/docs/bench
prev=
for a in "$@"; do
	[ "$prev" = "-o" ] || [ "$prev" = "--output" ] && out=$a
	prev=$a
done
for extra in "$top"/scripts/bench-*.sh; do
	[ -x "$extra" ] || continue
	"$extra" "$out"
done
