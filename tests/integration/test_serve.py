# SPDX-License-Identifier: Apache-2.0
"""vmnet-helper --serve-stream PATH: the socket_vmnet-compatible daemon,
one interface per connection.

Three concurrent stream clients each get their own interface and MAC, no
client sees another's unicast frames, one killed leaves the others and
the daemon serving; a stand-in for socket_vmnet_client (connect to PATH,
run a command with the connected socket as fd 3) works unchanged, and its
helper runs as the connecting user. Real QEMU through the stand-in is in
test_qemu_stream.py.

Run as a program, this file is the stand-ins:
  test_serve.py client PATH COMMAND...   socket_vmnet_client's handshake
  test_serve.py vm                       ARP and ping the gateway on fd 3
"""

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

import pytest

from netns import Namespace
from test_helper import HELPER, VM, Helper, proc_status, scapy, taps
from test_stream import FramedStream, connect

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

SELF = os.path.abspath(__file__)
GATEWAY = "192.168.91.1"
RANGE = ["--start-address", GATEWAY, "--end-address", "192.168.91.60",
         "--subnet-mask", "255.255.255.0"]
WAIT = 30


@pytest.fixture
def daemon():
    """A daemon in its own namespace; yields (namespace, helper, path). The
    socket's directory is open to the test's users."""
    top = tempfile.mkdtemp(prefix="vmnet-serve-")
    os.chmod(top, 0o755)
    path = os.path.join(top, "socket_vmnet")
    try:
        with Namespace("vmnet-serve") as ns:
            d = Helper(ns, ["--serve-stream", path, "--serve-group", "4343"] + RANGE, user=None)
            try:
                assert d.wait_log(r"serving .* one interface per connection") is not None, \
                    d.stderr
                yield ns, d, path
            finally:
                d.kill()
    finally:
        shutil.rmtree(top, ignore_errors=True)


def wait_until(cond, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def child_pids(d):
    return [int(m.group(1)) for line in d.stderr
            for m in [re.search(r"connection of uid \d+ gid \d+: helper pid (\d+)", line)] if m]


def exited(d, pid):
    return any(re.search(r"helper pid %d (exited|killed)" % pid, line) for line in d.stderr)


def vm_mac(i):
    return "52:54:00:aa:00:%02x" % (i + 1)


def vm_ip(i):
    return "192.168.91.%d" % (30 + i)


def echo(vm, gw_mac, i, ident):
    s = scapy()
    vm.send(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=vm.ip, dst=GATEWAY) /
            s.ICMP(id=ident, seq=i))


def test_daemon_socket_and_refusals(daemon):
    ns, d, path = daemon
    st = os.lstat(path)
    assert (st.st_uid, st.st_gid) == (0, 4343)
    assert st.st_mode & 0o777 == 0o660
    # A second daemon on the same path is refused.
    second = Helper(ns, ["--serve-stream", path], user=None)
    assert second.wait() == 1
    assert "another daemon serves this path" in second.stderr[0]
    assert d.stop() == 0
    assert not os.path.exists(path) and not os.path.exists(path + ".lock")


def test_not_root_and_bad_group(tmp_path):
    path = str(tmp_path / "s")
    cp = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                         HELPER, "--serve-stream", path], capture_output=True, text=True)
    assert cp.returncode == 1 and "needs root" in cp.stderr
    cp = subprocess.run([HELPER, "--serve-stream", path, "--serve-group", "no-such-group-vmnet"],
                        capture_output=True, text=True)
    assert cp.returncode == 1 and "no such group" in cp.stderr
    assert os.listdir(tmp_path) == []


def test_three_clients_each_their_own_interface(daemon):
    s = scapy()
    ns, d, path = daemon
    vms = []
    for i in range(3):
        vms.append(VM(FramedStream(connect(path)), mac=vm_mac(i), ip=vm_ip(i)))
    infos = [d.info() for _ in range(3)]
    assert len({info["vmnet_mac_address"] for info in infos}) == 3
    assert len({info["vmnet_interface_id"] for info in infos}) == 3
    pids = wait_until(lambda: len(child_pids(d)) == 3 and child_pids(d), "three helpers")
    nobody = str(__import__("pwd").getpwnam("nobody").pw_uid)
    # A root peer's helper drops to nobody.
    for pid in pids:
        wait_until(lambda: proc_status(pid)["Uid"] == [nobody] * 4, "helper %d to drop" % pid)
    assert len(taps(ns)) == 3
    gw_macs = [vm.arp(GATEWAY, vm.ip) for vm in vms]
    assert all(gw_macs), gw_macs

    # VM 0 pings; its replies are unicast to its MAC and reach only it.
    for seq in range(5):
        echo(vms[0], gw_macs[0], seq, 0x500)
    got = vms[0].recv(lambda f: s.ICMP in f and f[s.ICMP].type == 0 and f[s.ICMP].id == 0x500)
    assert got is not None
    for other in vms[1:]:
        assert other.recv(lambda f: f.dst == vms[0].mac, wait=2) is None

    # VM 1 goes away: its helper ends, the others and the daemon go on.
    vms[1].close()
    wait_until(lambda: exited(d, pids[1]), "helper %d to exit" % pids[1])
    assert any("helper pid %d exited with status 0" % pids[1] in line for line in d.stderr)
    wait_until(lambda: len(taps(ns)) == 2, "its interface to go")
    for i in (0, 2):
        echo(vms[i], gw_macs[i], 99, 0x600 + i)
        assert vms[i].recv(lambda f, i=i: s.ICMP in f and f[s.ICMP].id == 0x600 + i) is not None
    new = VM(FramedStream(connect(path)), mac=vm_mac(3), ip=vm_ip(3))
    assert d.info()["vmnet_mac_address"] not in {info["vmnet_mac_address"] for info in infos}
    assert new.arp(GATEWAY, new.ip) is not None
    assert d.proc.poll() is None

    # The daemon stops; the helpers of connected VMs end with their VMs.
    assert d.stop() == 0
    assert not os.path.exists(path)
    for vm in (vms[0], vms[2], new):
        vm.close()
    wait_until(lambda: taps(ns) == [], "every interface to go")


def readable_by_others(path):
    """True when a user other than the owner can read path and reach it."""
    if not os.stat(path).st_mode & stat.S_IROTH:
        return False
    while path != "/":
        path = os.path.dirname(path)
        if not os.stat(path).st_mode & stat.S_IXOTH:
            return False
    return True


def test_socket_vmnet_client_stand_in(daemon):
    """socket_vmnet_client's handshake: connect to PATH as the user, run the
    command with the connection as fd 3. The helper runs as that user."""
    if not readable_by_others(SELF):
        pytest.skip("uid 4242 cannot read this test tree (e.g. a clone in a 0700 home)")
    ns, d, path = daemon
    cp = ns.run(["setpriv", "--reuid=4242", "--regid=4343", "--clear-groups",
                 sys.executable, SELF, "client", path, sys.executable, SELF, "vm"],
                check=False, timeout=WAIT)
    assert cp.returncode == 0, cp.stdout + cp.stderr + "\n".join(d.stderr)
    assert "PING-OK" in cp.stdout
    pid = wait_until(lambda: child_pids(d), "a helper")[0]
    wait_until(lambda: exited(d, pid), "the helper to exit")
    assert any("running as uid 4242 gid 4343" in line for line in d.stderr), d.stderr
    assert any("connection of uid 4242 gid 4343" in line for line in d.stderr)
    # A user outside the group cannot connect.
    cp = ns.run(["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups",
                 sys.executable, SELF, "client", path, "true"], check=False, timeout=WAIT)
    assert cp.returncode != 0 and "Permission denied" in cp.stderr


def stand_in_client(path, command):
    """socket_vmnet_client: connect, then exec the command with fd 3."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    if sock.fileno() == 3:
        os.set_inheritable(3, True)
    else:
        os.dup2(sock.fileno(), 3)
    os.execvp(command[0], command)


def stand_in_vm():
    """ARP and ping the gateway over the stream on fd 3."""
    vm = VM(FramedStream(socket.socket(fileno=3)), mac=vm_mac(9), ip=vm_ip(9))
    gw = vm.arp(GATEWAY, vm.ip)
    if gw is None:
        print("ARP-FAILED", flush=True)
        return 1
    s = scapy()
    echo(vm, gw, 1, 0x700)
    if vm.recv(lambda f: s.ICMP in f and f[s.ICMP].type == 0 and f[s.ICMP].id == 0x700) is None:
        print("PING-FAILED", flush=True)
        return 1
    print("PING-OK", flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "client":
        stand_in_client(sys.argv[2], sys.argv[3:])
    if sys.argv[1:] == ["vm"]:
        sys.exit(stand_in_vm())
    sys.exit("usage: %s client PATH COMMAND... | vm" % sys.argv[0])
