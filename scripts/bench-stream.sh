#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Per-VM throughput of stream VMs on the socket_vmnet-compatible daemon
# (vmnet-helper --serve-stream), with 1, 2 and 3 VMs at once, with iperf3.
#
#   sudo scripts/bench-stream.sh [-t SECONDS] [-n MAX_VMS]
#   sudo scripts/bench.sh --stream-daemon [-t SECONDS] [-n MAX_VMS]
#
# A "host" namespace runs the daemon (so every connection's helper and the
# vmnet bridge) and one iperf3 server per VM on the gateway. Each VM is a
# namespace of its own running tests/tools/guest-nic on a stream socket
# connected to the daemon's path, as socket_vmnet_client hands QEMU its
# socket. For 1..MAX_VMS VMs, all VMs send at once (vm->host), then all
# receive at once (host->vm); each VM's Gbit/s is printed, and the mean.
# socket_vmnet gives all its VMs one interface and floods every frame to
# every VM, so its per-VM rate falls with each VM added (the predecessor's
# measurements: 3.9, 2.1, 1.6 Gbit/s for 1, 2, 3 VMs); here each VM has
# its own interface and helper. Nothing is left behind.
set -eu

# shellcheck source-path=SCRIPTDIR source=bench_prologue.sh
. "$(dirname "$0")/bench_prologue.sh"
seconds=10
max=3
while getopts t:n: opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	n) max=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-n MAX_VMS]" >&2; exit 1 ;;
	esac
done
shift $((OPTIND - 1))

bench_require bench-stream "build/vmnet-helper build/tools/guest-nic" iperf3

id=$$
host=vmnet-bstream-host-$id
work=$(mktemp -d)
chmod 0755 "$work"
sock=$work/socket_vmnet
gw=192.168.105.1
daemon_pid=

vm_ns() {
	echo "vmnet-bstream-vm$1-$id"
}

cleanup() {
	for i in $(seq 1 "$max"); do
		ns=$(vm_ns "$i")
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	ip netns pids "$host" 2>/dev/null | xargs -r kill 2>/dev/null || true
	# The helpers stop their interfaces when their VMs are gone.
	sleep 1
	ip netns del "$host" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

in_ns() {
	ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# socket_vmnet_client's handshake: connect to $1, run the rest with fd 3.
connect_exec='import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
if s.fileno() == 3:
    os.set_inheritable(3, True)
else:
    os.dup2(s.fileno(), 3)
os.execvp(sys.argv[2], sys.argv[2:])'

wait_for() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || { echo "bench-stream: timed out waiting for $1" >&2; exit 1; }
		sleep 0.1
	done
}

# Start VM $1: its namespace, its NIC on the daemon, its address.
start_vm() {
	ns=$(vm_ns "$1")
	ip netns add "$ns"
	in_ns "$ns" ip link set lo up
	in_ns "$ns" /usr/bin/python3 -c "$connect_exec" "$sock" \
		"$top/build/tools/guest-nic" --fd 3 --tap eth0 >"$work/nic$1.out" 2>"$work/nic$1.err" &
	wait_for "$work/nic$1.out"
	in_ns "$ns" ip addr add "192.168.105.$((50 + $1))/24" dev eth0
	in_ns "$ns" iperf3 -s -D -B "192.168.105.$((50 + $1))"
	in_ns "$host" iperf3 -s -D -B $gw -p $((5200 + $1))
}

# Run iperf3 for VMs 1..$1 at once; $2 = vm2host or host2vm. Prints the
# Gbit/s of each VM and their mean.
run_all() {
	pids=
	for i in $(seq 1 "$1"); do
		if [ "$2" = vm2host ]; then
			in_ns "$(vm_ns "$i")" iperf3 -J -c $gw -p $((5200 + i)) -t "$seconds" \
				>"$work/r$i.json" &
		else
			in_ns "$host" iperf3 -J -c "192.168.105.$((50 + i))" -t "$seconds" \
				>"$work/r$i.json" &
		fi
		pids="$pids $!"
	done
	# shellcheck disable=SC2086 # a list of pids
	wait $pids
	/usr/bin/python3 - "$work" "$1" <<'EOF'
import json, sys
rates = []
for i in range(1, int(sys.argv[2]) + 1):
    r = json.load(open("%s/r%d.json" % (sys.argv[1], i)))
    rates.append(r["end"]["sum_received"]["bits_per_second"] / 1e9)
print(" ".join("%.2f" % x for x in rates), " mean %.2f" % (sum(rates) / len(rates)))
EOF
}

ip netns add "$host"
in_ns "$host" ip link set lo up
# ip netns exec runs the daemon in its own process: $! is the daemon.
ip netns exec "$host" "$top/build/vmnet-helper" --serve-stream "$sock" --serve-group 0 \
	--start-address $gw --end-address 192.168.105.254 --subnet-mask 255.255.255.0 \
	>"$work/daemon.out" 2>"$work/daemon.log" &
daemon_pid=$!
i=0
while [ ! -S "$sock" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || { echo "bench-stream: the daemon did not start" >&2; cat "$work/daemon.log" >&2; exit 1; }
	sleep 0.1
done

echo "machine: $(nproc) cores, $(uname -srm)"
echo "helper: $("$top/build/vmnet-helper" --version | tr '\n' ' ')"
echo "options: -t $seconds; stream VMs on vmnet-helper --serve-stream; Gbit/s per VM"
for n in $(seq 1 "$max"); do
	start_vm "$n"
	sleep 0.5
	printf '%d VM(s) vm->host  %s\n' "$n" "$(run_all "$n" vm2host)"
	printf '%d VM(s) host->vm  %s\n' "$n" "$(run_all "$n" host2vm)"
done
echo "helpers started by the daemon: $(grep -c 'helper pid' "$work/daemon.log")"
