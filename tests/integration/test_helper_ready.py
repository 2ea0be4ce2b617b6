# SPDX-License-Identifier: Apache-2.0
"""vmnet-helper's promises at start-up and in socket mode, against a hostile
or impatient caller: the JSON line means ready, every socket-path failure
leaves stdout empty and nothing behind, only the connected client is
served, and no stop signal is lost, however early it comes.

Helpers, VMs and fixtures are those of test_helper.py. Delays only spread
signals over the start-up; no test asserts how long anything takes.
"""

import os
import random
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time

import pytest

from conftest import WAIT, state_dir
from test_helper import (HELPER, USER, VM, Helper, helpers,  # noqa: F401 (a fixture)
                         scapy, taps, vm_ip, vmnet_bridges)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

TRIES = 100


@pytest.fixture
def sockdir():
    """A directory the dropped helper can create its socket in; removed with
    whatever a test made in it."""
    d = tempfile.mkdtemp(prefix="vmnet-helper-test-")
    os.chmod(d, 0o777)
    try:
        yield d
    finally:
        shutil.rmtree(d)


def errors(h):
    return [line for line in h.stderr if " ERROR " in line]


def assert_nothing_left(ns):
    """No TAP, no bridge, no process (dnsmasq, keeper) in the namespace."""
    assert taps(ns) == []
    assert vmnet_bridges(ns) == []
    assert ns.pids() == []


def wait_exec(pid):
    """Spin until pid runs the helper (ip netns exec has exec'd it)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if os.readlink(f"/proc/{pid}/exe") == os.path.realpath(HELPER):
                return
        except FileNotFoundError:
            pass
    pytest.fail("the helper was never exec'd")


# --- the JSON line means ready ----------------------------------------------------


def test_connect_right_after_json_line(netns, sockdir):
    """A client that connects as soon as it read the line always finds the socket."""
    path = os.path.join(sockdir, "vm.sock")
    failures = []
    for i in range(TRIES):
        h = Helper(netns, ["--socket", path])
        try:
            h.info()
            c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                c.connect(path)
            except OSError as e:
                failures.append((i, e.errno))
            finally:
                c.close()
            assert h.stop() == 0
        finally:
            h.kill()
    assert failures == []
    assert_nothing_left(netns)


def test_socket_file_mode(netns, helpers, sockdir):
    """The socket is the user's, mode 0600, as documented."""
    path = os.path.join(sockdir, "vm.sock")
    h = helpers(netns, ["--socket", path])
    h.info()
    st = os.lstat(path)
    assert stat.S_ISSOCK(st.st_mode)
    assert st.st_uid == USER
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(os.lstat(path + ".lock").st_mode) == 0o600
    assert h.stop() == 0


def _missing_dir(d):
    return os.path.join(d, "no-such-dir", "vm.sock"), None


def _unwritable_dir(d):
    sub = os.path.join(d, "root-only")
    os.mkdir(sub, 0o755)
    return os.path.join(sub, "vm.sock"), None


def _regular_file(d):
    path = os.path.join(d, "vm.sock")
    with open(path, "w") as f:
        f.write("data")
    return path, None


def _fifo(d):
    path = os.path.join(d, "vm.sock")
    os.mkfifo(path, 0o666)
    return path, None


def _directory(d):
    path = os.path.join(d, "vm.sock")
    os.mkdir(path, 0o777)
    return path, None


def _symlink_to_socket(d):
    target = os.path.join(d, "elsewhere.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(target)
    s.close()
    path = os.path.join(d, "vm.sock")
    os.symlink(target, path)
    return path, None


def _dangling_symlink(d):
    path = os.path.join(d, "vm.sock")
    os.symlink(os.path.join(d, "nowhere"), path)
    return path, None


def _lock_is_symlink(d):
    target = os.path.join(d, "victim")
    with open(target, "w") as f:
        f.write("keep")
    os.chmod(target, 0o666)
    path = os.path.join(d, "vm.sock")
    os.symlink(target, path + ".lock")
    return path, None


def _live_dgram_socket(d):
    path = os.path.join(d, "vm.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)  # the dropped helper can connect: it must see it is alive
    return path, s


def _live_stream_socket(d):
    path = os.path.join(d, "vm.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    os.chmod(path, 0o666)
    return path, s


def _live_unwritable_socket(d):
    path = os.path.join(d, "vm.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o600)  # root's: the helper cannot tell whether it is alive
    return path, s


SOCKET_PATH_FAILURES = {
    "missing directory": (_missing_dir, "No such file or directory"),
    "unwritable directory": (_unwritable_dir, "Permission denied"),
    "regular file": (_regular_file, "not a socket"),
    "fifo": (_fifo, "not a socket"),
    "directory": (_directory, "not a socket"),
    "symlink to a socket": (_symlink_to_socket, "not a socket"),
    "dangling symlink": (_dangling_symlink, "not a socket"),
    "lock file is a symlink": (_lock_is_symlink, "cannot lock"),
    "live datagram socket": (_live_dgram_socket, "another program serves this socket"),
    "live stream socket": (_live_stream_socket, "another program serves this socket"),
    "live socket not writable": (_live_unwritable_socket, "Permission denied"),
}


def snapshot(d):
    """What is in d (recursively): name -> (type, inode, content of files)."""
    out = {}
    for root, dirs, files in os.walk(d):
        for name in dirs + files:
            p = os.path.join(root, name)
            st = os.lstat(p)
            content = None
            if stat.S_ISREG(st.st_mode):
                with open(p) as f:
                    content = f.read()
            out[os.path.relpath(p, d)] = (stat.S_IFMT(st.st_mode), st.st_ino, content)
    return out


@pytest.mark.parametrize("make,needle", SOCKET_PATH_FAILURES.values(),
                         ids=SOCKET_PATH_FAILURES.keys())
def test_socket_path_failure(netns, helpers, sockdir, make, needle):
    """Each failure: stdout empty, one error line, exit 1, nothing left or changed."""
    path, keep = make(sockdir)
    try:
        before = snapshot(sockdir)
        h = helpers(netns, ["--socket", path])
        assert h.wait() == 1
        assert h.rest_of_stdout() == []
        assert len(errors(h)) == 1, h.stderr
        assert "--socket" in errors(h)[0] and needle in errors(h)[0], errors(h)[0]
        assert snapshot(sockdir) == before
        assert_nothing_left(netns)
    finally:
        if keep is not None:
            keep.close()


def test_socket_held_by_another_helper(netns, helpers, sockdir):
    path = os.path.join(sockdir, "vm.sock")
    first = helpers(netns, ["--socket", path])
    first.info()
    before = snapshot(sockdir)
    second = helpers(netns, ["--socket", path])
    assert second.wait() == 1
    assert second.rest_of_stdout() == []
    assert len(errors(second)) == 1, second.stderr
    assert "another helper serves this path" in errors(second)[0]
    assert snapshot(sockdir) == before
    assert first.proc.poll() is None
    assert first.stop() == 0
    assert_nothing_left(netns)


def test_stale_socket_replaced(netns, helpers, sockdir):
    """A socket nobody serves any more (a helper of the same user died) is replaced."""
    path = os.path.join(sockdir, "vm.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.close()
    os.chown(path, USER, USER)
    h = helpers(netns, ["--socket", path])
    h.info()
    assert os.lstat(path).st_uid == USER
    assert h.stop() == 0
    assert not os.path.exists(path)


def test_network_failure_one_error_line_nothing_left(netns, helpers):
    """A start whose network fails half made (its NAT, set up while dnsmasq
    starts): no JSON line, one error line, exit 1, nothing left."""
    bridge = "vmnsc0a8d700-24"  # the network of 192.168.215.0/24
    netns.run(["nft", "add", "table", "ip", bridge])
    netns.run(["nft", "add", "chain", "ip", bridge, "forward",
               "{ type filter hook input priority 0; }"])
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        h = helpers(netns, ["--fd", b.fileno(), "--start-address", "192.168.215.1",
                            "--end-address", "192.168.215.100", "--subnet-mask",
                            "255.255.255.0"], pass_fds=(b.fileno(),))
        assert h.wait() == 1
    assert h.rest_of_stdout() == []
    assert len(errors(h)) == 1, h.stderr
    assert "cannot start the vmnet interface" in errors(h)[0], errors(h)[0]
    assert_nothing_left(netns)
    assert netns.run(["nft", "list", "tables"]).stdout.split() == []
    assert not os.path.exists(state_dir(netns))


# --- socket mode: only the client --------------------------------------------------


def bound(sockdir, name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = os.path.join(sockdir, name)
    s.bind(path)
    os.chmod(path, 0o666)  # the helper, as USER, must be able to connect
    return s


def test_datagrams_queued_before_connect_from_another_sender(netns, helpers, sockdir):
    """An intruder's frames queued behind the client's first datagram are dropped."""
    s = scapy()
    path = os.path.join(sockdir, "vm.sock")
    h = helpers(netns, ["--socket", path])
    info = h.info()
    assert h.wait_log(r"waiting for a client") is not None
    client = bound(sockdir, "client.sock")
    intruder = bound(sockdir, "intruder.sock")
    junk = bytes(s.Ether(src="02:00:00:00:00:66", dst="ff:ff:ff:ff:ff:ff", type=0x88b5)
                 / (b"\0" * 46))
    # Stopped, the helper connects only after every datagram below is queued.
    h.proc.send_signal(signal.SIGSTOP)
    try:
        client.sendto(b"VFKT", path)
        for _ in range(5):
            intruder.sendto(junk, path)
    finally:
        h.proc.send_signal(signal.SIGCONT)
    assert h.wait_log(r"serving the client") is not None
    client.connect(path)
    vm = VM(client, ip=vm_ip(info))
    assert vm.arp(info["vmnet_start_address"], vm.ip) is not None
    # Sent after the connect, the kernel refuses it (Linux) or the helper drops it.
    try:
        intruder.sendto(junk, path)
    except OSError:
        pass
    assert h.stop() == 0
    stats = h.final_stats()["vm_to_host"]
    assert stats["packets"] == vm.sent
    assert stats["drops"] >= 5
    for sock in (client, intruder):
        sock.close()


# --- signals -------------------------------------------------------------------------


def start_up_time(ns, sock):
    """How long a start takes here (exec to JSON line), to spread signals over it."""
    h = Helper(ns, ["--fd", sock.fileno()], pass_fds=(sock.fileno(),))
    try:
        t0 = time.monotonic()
        h.info()
        elapsed = time.monotonic() - t0
        assert h.stop() == 0
    finally:
        h.kill()
    return elapsed


@pytest.mark.parametrize("window", ["0-10ms", "start-up"])
def test_early_sigint_always_stops(netns, window):
    """SIGINT at a random moment 0-10 ms after exec, or anywhere in the
    start-up: the helper always stops, and cleans up."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    outcomes = {}
    rng = random.Random(9)
    with a, b:
        end = 0.010 if window == "0-10ms" else start_up_time(netns, b)
        for i in range(TRIES):
            h = Helper(netns, ["--fd", b.fileno()], pass_fds=(b.fileno(),))
            try:
                wait_exec(h.pid)
                time.sleep(rng.uniform(0, end))
                h.proc.send_signal(signal.SIGINT)
                try:
                    rc = h.proc.wait(timeout=WAIT)
                except subprocess.TimeoutExpired:
                    rc = "still running"
                h.wait()
            finally:
                h.kill()
            outcomes[rc] = outcomes.get(rc, 0) + 1
            # Exit 0 after an orderly stop, or killed before main() blocked SIGINT.
            assert rc in (0, -signal.SIGINT), (i, rc, h.stderr)
            assert_nothing_left(netns)
    print(f"early SIGINT ({window}, {TRIES} tries): {outcomes}")


def test_ctrl_c_during_start_leaves_nothing(netns):
    """A terminal's Ctrl-C (SIGINT to the whole foreground group) while the
    interface starts: exit 0, and no dnsmasq, keeper, TAP or bridge left."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    rng = random.Random(7)
    outcomes = {}
    with a, b:
        start = start_up_time(netns, b)
        for i in range(30):
            h = Helper(netns, ["--fd", b.fileno()], pass_fds=(b.fileno(),),
                       start_new_session=True)
            try:
                wait_exec(h.pid)
                time.sleep(rng.uniform(0, start))
                os.killpg(h.pid, signal.SIGINT)
                rc = h.wait()
            finally:
                h.kill()
            outcomes[rc] = outcomes.get(rc, 0) + 1
            assert rc in (0, -signal.SIGINT), (i, rc, h.stderr)
            assert not any("cannot start" in line for line in h.stderr), h.stderr
            assert_nothing_left(netns)
    print("Ctrl-C during start outcomes:", outcomes)
