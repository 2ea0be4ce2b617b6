# SPDX-License-Identifier: Apache-2.0
"""vmnet emulation: networks shared between processes, removed with their
last interface, and reclaimed after a killed process."""

import os
import signal
import subprocess

from conftest import PROBE, VMNET_SUCCESS, Guest, our_bridges, probe_run, state_dir


def ports(ns, bridge):
    out = ns.run(["ip", "-o", "link", "show", "master", bridge]).stdout
    return len(out.splitlines())


def nft_tables(ns):
    return ns.run(["nft", "list", "tables"]).stdout.split()


def dnsmasq_count(ns):
    count = 0
    for pid in ns.pids():
        try:
            with open(f"/proc/{pid}/comm") as f:
                count += f.read().strip() == "dnsmasq"
        except FileNotFoundError:
            pass
    return count


def assert_nothing_left(ns):
    assert our_bridges(ns) == []
    assert not [t for t in nft_tables(ns) if t.startswith("vmn")]
    assert dnsmasq_count(ns) == 0
    assert not os.path.exists(state_dir(ns))


def test_two_processes_share_one_network(netns, guest):
    a = guest(netns, "--mode", "shared")
    b = guest(netns, "--mode", "shared")
    assert a.param["vmnet_start_address"] == b.param["vmnet_start_address"]
    assert a.param["vmnet_nat66_prefix"] == b.param["vmnet_nat66_prefix"]
    bridges = our_bridges(netns)
    assert len(bridges) == 1
    bridge = bridges[0]
    assert ports(netns, bridge) == 2
    assert bridge in nft_tables(netns)
    assert dnsmasq_count(netns) == 1

    assert a.stop()["stop"] == VMNET_SUCCESS
    # Still in use by b.
    assert our_bridges(netns) == [bridge]
    assert ports(netns, bridge) == 1
    assert bridge in nft_tables(netns)
    assert dnsmasq_count(netns) == 1

    assert b.stop()["stop"] == VMNET_SUCCESS
    assert_nothing_left(netns)


def test_host_and_shared_networks_side_by_side(netns, guest):
    h = guest(netns, "--mode", "host")
    s = guest(netns, "--mode", "shared")
    assert h.param["vmnet_start_address"] != s.param["vmnet_start_address"]
    assert len(our_bridges(netns)) == 2
    assert dnsmasq_count(netns) == 2
    h.stop()
    s.stop()
    assert_nothing_left(netns)


def test_concurrent_starts(netns):
    procs = [
        netns.popen([PROBE, "--mode", "host", "start"], stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, outputs
    assert all('"vmnet_start_address":"192.168.128.1"' in o for o in outputs)
    assert all('{"stop":1000}' in o for o in outputs)
    assert_nothing_left(netns)


def test_concurrent_guests_share_network(netns):
    guests = []
    try:
        guests = [Guest(netns, ["--mode", "shared"]) for _ in range(4)]
        assert len({g.param["vmnet_start_address"] for g in guests}) == 1
        bridges = our_bridges(netns)
        assert len(bridges) == 1 and ports(netns, bridges[0]) == 4
    finally:
        for g in guests:
            g.stop()
    assert_nothing_left(netns)


def kill9(g):
    g.proc.send_signal(signal.SIGKILL)
    g.proc.wait()


def test_killed_process_reclaimed_by_next_start(netns, guest):
    victim = guest(netns, "--mode", "shared")
    kill9(victim)
    # The TAP died with the process; the rest is left behind.
    bridges = our_bridges(netns)
    assert len(bridges) == 1 and ports(netns, bridges[0]) == 0
    assert bridges[0] in nft_tables(netns)
    assert dnsmasq_count(netns) == 1

    # Any start in the namespace reclaims it, here one on another network.
    survivor = guest(netns, "--mode", "host")
    remaining = our_bridges(netns)
    assert len(remaining) == 1 and remaining[0].startswith("vmnh")
    assert bridges[0] not in nft_tables(netns)
    assert dnsmasq_count(netns) == 1  # the host network's own
    survivor.stop()
    assert_nothing_left(netns)


def test_killed_process_reclaimed_by_next_stop(netns, guest):
    survivor = guest(netns, "--mode", "host")
    victim = guest(netns, "--mode", "shared")
    kill9(victim)
    assert len(our_bridges(netns)) == 2
    assert survivor.stop()["stop"] == VMNET_SUCCESS
    assert_nothing_left(netns)


def test_same_network_with_other_range_conflicts(netns, guest):
    rng = ["--start", "192.168.70.1", "--end", "192.168.70.100", "--mask", "255.255.255.0"]
    g = guest(netns, "--mode", "host", *rng)
    assert g.started
    # Same subnet, other DHCP range: the running network cannot change.
    other = ["--start", "192.168.70.1", "--end", "192.168.70.50", "--mask", "255.255.255.0"]
    rc, out = probe_run(netns, "--mode", "host", *other, "start")
    assert rc == 2 and out[0]["error"] == "VMNET_FAILURE"
    # The same range joins.
    rc, out = probe_run(netns, "--mode", "host", *rng, "start")
    assert rc == 0 and out[0]["vmnet_end_address"] == "192.168.70.100"
    g.stop()
    assert_nothing_left(netns)


def test_state_of_deleted_namespace_is_collected(make_netns, guest):
    gone = make_netns("vmnet-gone")
    g = guest(gone, "--mode", "shared")
    assert g.started
    path = state_dir(gone)
    kill9(g)
    gone.destroy()  # kills dnsmasq; the bridge goes with the namespace
    assert os.path.isdir(path)
    other = make_netns("vmnet-other")
    rc, out = probe_run(other, "--mode", "host", "start")
    assert rc == 0, out
    assert not os.path.exists(path)
