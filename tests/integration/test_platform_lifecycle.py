# SPDX-License-Identifier: Apache-2.0
"""vmnet emulation: networks shared between processes, removed with their
last interface (also by a process that dropped root, through its keeper),
after a killed process, and reclaimed when the keeper was killed too."""

import json
import os
import select
import signal
import subprocess
import time

from conftest import PROBE, VMNET_SUCCESS, WAIT, Guest, our_bridges, probe_run, state_dir

# The user a probe drops to after its start (nobody/nogroup on Debian).
NOBODY = "65534"

# The comm of the process that removes an interface's network.
KEEPER = "vmnet-keeper"


def ports(ns, bridge):
    out = ns.run(["ip", "-o", "link", "show", "master", bridge]).stdout
    return len(out.splitlines())


def nft_tables(ns):
    return ns.run(["nft", "list", "tables"]).stdout.split()


def procs(ns, comm):
    """Pids of the processes in ns with this comm."""
    found = []
    for pid in ns.pids():
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == comm:
                    found.append(pid)
        except FileNotFoundError:
            pass
    return found


def dnsmasq_count(ns):
    return len(procs(ns, "dnsmasq"))


def status(pid):
    """/proc/PID/status as {field: [values]}."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def leftovers(ns):
    """What the emulation still has in ns; empty once everything is gone."""
    left = {
        "bridges": our_bridges(ns),
        "nft tables": [t for t in nft_tables(ns) if t.startswith("vmn")],
        "dnsmasq": procs(ns, "dnsmasq"),
        "keepers": procs(ns, KEEPER),
        "state": [state_dir(ns)] if os.path.exists(state_dir(ns)) else [],
    }
    return {k: v for k, v in left.items() if v}


def assert_nothing_left(ns):
    assert leftovers(ns) == {}


def wait_nothing_left(ns):
    """Cleanup that runs in the background: wait for it (a bound for failures only)."""
    deadline = time.monotonic() + WAIT
    while leftovers(ns) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert_nothing_left(ns)


def keeper_of(ns, g):
    """The keeper of guest g's interface."""
    keepers = [pid for pid in procs(ns, KEEPER) if status(pid)["PPid"] == [str(g.proc.pid)]]
    assert len(keepers) == 1, keepers
    return keepers[0]


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


def kill9_with_keeper(ns, g):
    """kill -9 of g's keeper, then of g: nobody removes g's network."""
    os.kill(keeper_of(ns, g), signal.SIGKILL)
    kill9(g)


# --- processes that dropped root, and their keepers --------------------------


def test_dropped_process_stop_removes_network(netns, guest):
    g = guest(netns, "--mode", "shared", "--drop-to", NOBODY)
    assert g.started
    st = status(g.proc.pid)
    assert st["Uid"] == [NOBODY] * 4
    assert st["CapEff"] == ["0000000000000000"]
    # The keeper kept root for the teardown the probe can no longer do.
    assert status(keeper_of(netns, g))["Uid"] == ["0"] * 4
    assert len(our_bridges(netns)) == 1
    assert g.stop()["stop"] == VMNET_SUCCESS
    # Bridge, NAT table, dnsmasq and state are gone, and the keeper reaped.
    assert_nothing_left(netns)


def test_dropped_process_last_stop_of_shared_network(netns, guest):
    a = guest(netns, "--mode", "shared", "--drop-to", NOBODY)
    b = guest(netns, "--mode", "shared", "--drop-to", NOBODY)
    bridges = our_bridges(netns)
    assert len(bridges) == 1
    assert a.stop()["stop"] == VMNET_SUCCESS
    # Still in use by b.
    assert our_bridges(netns) == bridges
    assert dnsmasq_count(netns) == 1
    assert b.stop()["stop"] == VMNET_SUCCESS
    assert_nothing_left(netns)


def test_dropped_process_killed_leaves_nothing(netns, guest):
    g = guest(netns, "--mode", "shared", "--drop-to", NOBODY)
    assert len(our_bridges(netns)) == 1
    kill9(g)
    # No other start or stop: the keeper saw the process go.
    wait_nothing_left(netns)


def test_keeper_holds_no_descriptor_of_the_process(netns, guest):
    g = guest(netns, "--mode", "host", "--drop-to", NOBODY)
    keeper = keeper_of(netns, g)
    fds = {int(fd): os.readlink(f"/proc/{keeper}/fd/{fd}") for fd in os.listdir(f"/proc/{keeper}/fd")}
    # Not the TAP, not the probe's pipes: stdio on /dev/null, its socket and
    # the pidfd that tells it the process died.
    assert [fds.pop(fd) for fd in (0, 1, 2)] == ["/dev/null"] * 3
    assert sorted(link.split(":")[0] for link in fds.values()) == ["anon_inode", "socket"]
    assert "anon_inode:[pidfd]" in fds.values()
    assert g.stop()["stop"] == VMNET_SUCCESS
    assert_nothing_left(netns)


def test_keeper_survives_session_signals(netns, guest):
    g = guest(netns, "--mode", "host", "--drop-to", NOBODY)
    keeper = keeper_of(netns, g)
    ignored = int(status(keeper)["SigIgn"][0], 16)
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        assert ignored & (1 << (sig - 1)), sig
        os.kill(keeper, sig)
    assert g.stop()["stop"] == VMNET_SUCCESS
    assert_nothing_left(netns)


def test_process_group_killed_leaves_nothing(netns):
    """SIGKILL to the process group (as vmnet-client escalates) misses the keeper."""
    proc = netns.popen([PROBE, "--mode", "shared", "--drop-to", NOBODY, "serve"],
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], WAIT * 3)
        assert ready
        assert "vmnet_start_address" in json.loads(proc.stdout.readline())
        keepers = procs(netns, KEEPER)
        assert len(keepers) == 1
        assert os.getpgid(keepers[0]) != proc.pid
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=WAIT)
        wait_nothing_left(netns)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        proc.stdout.close()


# --- reclaiming what nobody removed ------------------------------------------


def test_killed_process_reclaimed_by_next_start(netns, guest):
    victim = guest(netns, "--mode", "shared")
    kill9_with_keeper(netns, victim)
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
    kill9_with_keeper(netns, victim)
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
    # A subnet no other test uses: the kernel gives the inode number of a
    # deleted namespace to the next new one at once, so the state directory
    # may by now be that of a live namespace (of another test run), and
    # only this network's own directory is surely the deleted one's.
    g = guest(gone, "--mode", "shared", "--start", "192.168.213.1", "--end",
              "192.168.213.50", "--mask", "255.255.255.0")
    assert g.started
    path = state_dir(gone)
    network = os.path.join(path, our_bridges(gone)[0])
    kill9_with_keeper(gone, g)
    assert os.path.isdir(network)  # nobody removed it
    # Kills dnsmasq; the bridge goes with the namespace. From now on any
    # stop on the machine, also of another test run, may collect the state.
    gone.destroy()
    other = make_netns("vmnet-other")
    rc, out = probe_run(other, "--mode", "host", "start")
    assert rc == 0, out
    assert not os.path.exists(network)
    # The directory went with it, unless a live namespace reuses the number
    # and has networks of its own in it.
    assert not os.path.exists(path) or any(n.startswith("vmn") for n in os.listdir(path))


def test_state_left_under_a_reused_namespace_number_is_collected(make_netns, guest):
    # What a deleted namespace leaves when a live one got its inode number:
    # a network directory whose bridge the live namespace does not have and
    # whose dnsmasq is gone. Beside it, a network of the live namespace
    # itself, which must stay.
    live = make_netns("vmnet-reuser")
    mine = guest(live, "--mode", "host")
    assert mine.started
    path = state_dir(live)
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = os.path.join(path, "vmnsc0a8d500-24")
    os.mkdir(stale)
    with open(os.path.join(stale, "dnsmasq.pid"), "w") as f:
        f.write(f"{dead.pid}\n")
    other = make_netns("vmnet-other")
    rc, out = probe_run(other, "--mode", "host", "start")
    assert rc == 0, out
    assert not os.path.exists(stale)
    assert [n for n in os.listdir(path) if n.startswith("vmn")] == our_bridges(live)
    mine.stop()
    assert not os.path.exists(path)


# --- a start that fails while its new network's dnsmasq starts -----------------

# A subnet of its own, so the test knows the bridge's name (vmns + subnet in hex).
FAIL_RANGE = ["--start", "192.168.214.1", "--end", "192.168.214.100", "--mask", "255.255.255.0"]
FAIL_BRIDGE = "vmnsc0a8d600-24"


def test_nat_failure_while_dnsmasq_starts_leaves_nothing(netns):
    """NAT fails after dnsmasq was started beside it: the start fails, and
    the half-made network goes, the dnsmasq still starting included."""
    # A chain on another hook where the network's forward chain must go.
    netns.run(["nft", "add", "table", "ip", FAIL_BRIDGE])
    netns.run(["nft", "add", "chain", "ip", FAIL_BRIDGE, "forward",
               "{ type filter hook input priority 0; }"])
    rc, out = probe_run(netns, "--mode", "shared", *FAIL_RANGE, "start")
    assert rc == 2 and out[0]["error"] == "VMNET_FAILURE", out
    assert_nothing_left(netns)
    # The namespace is usable: the same network starts and goes.
    rc, out = probe_run(netns, "--mode", "shared", *FAIL_RANGE, "start")
    assert rc == 0 and out[0]["vmnet_start_address"] == "192.168.214.1", out
    assert_nothing_left(netns)


def test_dnsmasq_failure_after_nat_and_keeper_leaves_nothing(netns):
    """dnsmasq fails (the DHCP port is taken) once NAT and the keeper, set up
    beside its start, are in place: the start fails and all of it goes."""
    holder = netns.popen(
        ["python3", "-c",
         "import socket, sys\n"
         "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
         "s.bind(('0.0.0.0', 67))\n"
         "print('bound', flush=True)\n"
         "sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "bound\n"
        rc, out = probe_run(netns, "--mode", "shared", *FAIL_RANGE, "start")
        assert rc == 2 and out[0]["error"] == "VMNET_FAILURE", out
        assert_nothing_left(netns)
    finally:
        holder.stdin.close()
        holder.wait(timeout=WAIT)
        holder.stdout.close()
