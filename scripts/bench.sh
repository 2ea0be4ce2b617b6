#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Throughput through vmnet-helper on the Linux platform, with iperf3.
#
#   sudo scripts/bench.sh [-t SECONDS] [-P STREAMS] [helper options]
#   sudo scripts/bench.sh --stream-daemon [-t SECONDS] [-n VMS]   (bench-stream.sh)
#
# Two private network namespaces: "host" runs vmnet-client (and so the
# helper and the vmnet bridge) and an iperf3 server on the gateway;
# "vm" runs tests/tools/guest-nic on fd 4 as the VM's NIC and the iperf3
# client. Measured: vm->host (iperf3 client sends) and host->vm (-R),
# then the same over a plain veth pair between two namespaces as the
# kernel-only reference. Prints Gbit/s and the helper's packets per
# batched call from its final stats line, and the helper's CPU time per
# packet. Nothing is left behind.
#
# Linux queues at most net.unix.max_dgram_qlen datagrams (default 10) on a
# unix datagram socket, where macOS bounds the queue by SO_RCVBUF only; the
# host namespace gets QLEN (default 512) so the socketpair behaves more
# like macOS. QLEN=10 measures the Linux default.
set -eu

# --stream-daemon: per-VM throughput of 1..3 stream VMs on the daemon.
if [ "${1:-}" = --stream-daemon ]; then
	shift
	exec "$(dirname "$0")/bench-stream.sh" "$@"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
seconds=10
streams=1
while getopts t:P: opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	P) streams=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-P STREAMS] [helper options]" >&2; exit 1 ;;
	esac
done
shift $((OPTIND - 1))

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: must run as root (network namespaces)" >&2
	exit 1
fi
for f in build/vmnet-client build/vmnet-helper build/tools/guest-nic; do
	[ -x "$top/$f" ] || { echo "bench: $f missing (run make)" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "bench: iperf3 missing" >&2; exit 1; }

id=$$
host=vmnet-bench-host-$id
vm=vmnet-bench-vm-$id
ref1=vmnet-bench-ref1-$id
ref2=vmnet-bench-ref2-$id
work=$(mktemp -d)
client_pid=

cleanup() {
	[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null && wait "$client_pid" 2>/dev/null
	for ns in $host $vm $ref1 $ref2; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

in_ns() {
	ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# iperf3 from namespace $1 to server $2; extra iperf3 flags follow.
# Prints the receiver's Gbit/s.
iperf() {
	ns=$1
	server=$2
	shift 2
	in_ns "$ns" iperf3 -J -c "$server" -t "$seconds" -P "$streams" "$@" >"$work/iperf.json"
	/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("%.2f" % (r["end"]["sum_received"]["bits_per_second"] / 1e9))' "$work/iperf.json"
}

# Wait until $1 names a readable file with content.
wait_for() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || { echo "bench: timed out waiting for $1" >&2; exit 1; }
		sleep 0.1
	done
}

gw=192.168.105.1
guest=192.168.105.50
ip netns add "$host"
ip netns add "$vm"
in_ns "$host" ip link set lo up
in_ns "$vm" ip link set lo up
in_ns "$host" sysctl -qw net.unix.max_dgram_qlen="${QLEN:-512}"

# The helper drops to nobody; its stats go to helper.log at exit.
ip netns exec "$host" env SUDO_UID=65534 SUDO_GID=65534 "$top/build/vmnet-client" \
	--helper "$top/build/vmnet-helper" --info-file "$work/info.json" \
	--start-address $gw --end-address 192.168.105.254 --subnet-mask 255.255.255.0 "$@" \
	-- ip netns exec "$vm" "$top/build/tools/guest-nic" --fd 4 --tap eth0 \
	>"$work/nic.out" 2>"$work/helper.log" &
client_pid=$!
wait_for "$work/nic.out"
in_ns "$vm" ip addr add $guest/24 dev eth0
in_ns "$host" iperf3 -s -D -B $gw --pidfile "$work/iperf-host.pid"
in_ns "$vm" iperf3 -s -D -B $guest --pidfile "$work/iperf-vm.pid"
sleep 0.5

echo "machine: $(nproc) cores, $(uname -srm)"
echo "helper: $("$top/build/vmnet-helper" --version | tr '\n' ' ')"
echo "options: -t $seconds -P $streams $*; net.unix.max_dgram_qlen ${QLEN:-512}"
printf 'vm->host   %s Gbit/s\n' "$(iperf "$vm" $gw)"
printf 'host->vm   %s Gbit/s\n' "$(iperf "$host" $guest)"

# CPU seconds the helper used (all its threads), from /proc.
helper_pid=$(pgrep -P "$client_pid" -x vmnet-helper)
cpu=$(awk -v tck="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / tck }' \
	"/proc/$helper_pid/stat")
kill "$client_pid"
wait "$client_pid" || true
client_pid=
/usr/bin/python3 - "$work/helper.log" "$cpu" <<'EOF'
import json, sys
last = None
for line in open(sys.argv[1]):
    if "[stats]" in line:
        last = json.loads(line[line.index("{"):])
if last is None:
    sys.exit("bench: no stats line from the helper")
for d in ("host_to_vm", "vm_to_host"):
    s = last[d]
    calls = s["write_calls"] if d == "host_to_vm" else s["read_calls"]
    print("%-10s %d packets, %d drops, %.1f packets per socket call"
          % (d.replace("_to_", "->"), s["packets"], s["drops"],
             s["packets"] / calls if calls else 0.0))
cpu = float(sys.argv[2])
total = sum(last[d]["packets"] for d in ("host_to_vm", "vm_to_host"))
print("helper CPU %.2f s for %d packets: %.2f us per packet"
      % (cpu, total, cpu * 1e6 / total if total else 0.0))
EOF

# Reference: the same iperf3 over a veth pair, no helper in the path.
ip netns add "$ref1"
ip netns add "$ref2"
ip link add vb0 netns "$ref1" type veth peer name vb1 netns "$ref2"
in_ns "$ref1" ip addr add 10.99.0.1/24 dev vb0
in_ns "$ref2" ip addr add 10.99.0.2/24 dev vb1
in_ns "$ref1" ip link set vb0 up
in_ns "$ref2" ip link set vb1 up
in_ns "$ref1" iperf3 -s -D -B 10.99.0.1
sleep 0.5
printf 'veth reference %s Gbit/s\n' "$(iperf "$ref2" 10.99.0.1)"
