# SPDX-License-Identifier: Apache-2.0
"""vmnet-helper under the name socket_vmnet: Lima's managed networks.

Lima (pkg/networks/commands.go, reconcile.go) starts one daemon per network
with `sudo --user root --group wheel --non-interactive` and the command
line below, split on spaces, and stops it with `/usr/bin/pkill -F PIDFILE`,
then waits for the pid file to go. These tests run those exact command
lines against build/socket_vmnet (a copy of vmnet-helper), connect a stream
client as Lima's QEMU and VZ drivers do, and check the pid file's life and
the refusals. sudo itself and Lima's path checks are macOS-only (see
docs/macos.md).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD, WAIT
from netns import Namespace
from test_helper import VM, Helper, LOG_LINE, scapy, taps
from test_stream import FramedStream, connect

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

ALIAS = os.path.join(BUILD, "socket_vmnet")
GROUP = "4343"  # networks.yaml `group` (Lima's default is everyone, a macOS group)


def lima_start_cmd(var_run, name, mode, gateway=None, dhcp_end=None, netmask=None,
                   interface=None):
    """Lima's StartCmd(name, "socket_vmnet"), word for word."""
    cmd = "%s --pidfile=%s --socket-group=%s --vmnet-mode=%s" % (
        ALIAS, os.path.join(var_run, "%s_socket_vmnet.pid" % name), GROUP, mode)
    if mode == "bridged":
        cmd += " --vmnet-interface=%s" % interface
    else:
        cmd += " --vmnet-gateway=%s --vmnet-dhcp-end=%s --vmnet-mask=%s" % (
            gateway, dhcp_end, netmask)
    cmd += " " + os.path.join(var_run, "socket_vmnet.%s" % name)
    return cmd


def lima_stop_cmd(var_run, name):
    """Lima's StopCmd(name, "socket_vmnet")."""
    return "/usr/bin/pkill -F %s" % os.path.join(var_run, "%s_socket_vmnet.pid" % name)


@pytest.fixture
def lima():
    """A namespace and Lima's varRun directory; yields (ns, var_run)."""
    var_run = tempfile.mkdtemp(prefix="vmnet-lima-")
    os.chmod(var_run, 0o775)
    try:
        with Namespace("vmnet-lima") as ns:
            yield ns, var_run
    finally:
        shutil.rmtree(var_run, ignore_errors=True)


def start(ns, cmd):
    """Run a Lima start command line as Lima does (split on spaces)."""
    argv = cmd.split(" ")
    return Helper(ns, argv[1:], user=None, program=argv[0])


def wait_for(cond, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def read_pid(path):
    with open(path) as f:
        return int(f.read().strip())


def stop_like_lima(ns, var_run, name, d):
    """pkill -F, then Lima's wait for the pid file to go."""
    assert ns.run(lima_stop_cmd(var_run, name).split(" "), check=False).returncode == 0
    assert d.wait() == 0
    pidfile = os.path.join(var_run, "%s_socket_vmnet.pid" % name)
    wait_for(lambda: not os.path.exists(pidfile), "the pid file to go")


def ping_gateway(vm, gateway, ident):
    s = scapy()
    gw_mac = vm.arp(gateway, vm.ip)
    assert gw_mac is not None
    vm.send(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=vm.ip, dst=gateway) /
            s.ICMP(id=ident, seq=1) / b"lima")
    return vm.recv(lambda f: s.ICMP in f and f[s.ICMP].type == 0 and f[s.ICMP].id == ident)


@pytest.mark.parametrize("name,mode,net", [("shared", "shared", "192.168.105"),
                                           ("host", "host", "192.168.106")])
def test_lima_network_dhcp_ping_and_pkill(lima, name, mode, net):
    s = scapy()
    ns, var_run = lima
    cmd = lima_start_cmd(var_run, name, mode, net + ".1", net + ".254", "255.255.255.0")
    pidfile = os.path.join(var_run, "%s_socket_vmnet.pid" % name)
    sock = os.path.join(var_run, "socket_vmnet." + name)
    d = start(ns, cmd)
    try:
        assert d.wait_log(r"serving .* one interface per connection") is not None, d.stderr
        # The pid file names the daemon, root's, and exists once it listens.
        assert read_pid(pidfile) == d.pid
        st = os.lstat(pidfile)
        assert (st.st_uid, st.st_mode & 0o777) == (0, 0o644)
        st = os.lstat(sock)
        assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (0, int(GROUP), 0o660)

        vm = VM(FramedStream(connect(sock)), mac="52:54:00:1a:00:01")
        info = d.info()
        assert info["vmnet_start_address"] == net + ".1"
        assert info["vmnet_end_address"] == net + ".254"
        assert info["vmnet_subnet_mask"] == "255.255.255.0"
        offer = vm.dhcp_exchange(0x11AA, [("message-type", "discover")], 2)
        assert offer is not None
        vm.ip = offer[s.BOOTP].yiaddr
        assert vm.ip.startswith(net + ".") and vm.ip != net + ".1"
        reply = ping_gateway(vm, net + ".1", 0x51)
        assert reply is not None and bytes(reply[s.ICMP].payload) == b"lima"
        # One interface for this connection, as with --serve-stream.
        assert len(taps(ns)) == 1
        vm.close()

        stop_like_lima(ns, var_run, name, d)
        assert os.listdir(var_run) == []
    finally:
        d.kill()


def test_lima_bridged_network(lima):
    ns, var_run = lima
    ns.run(["ip", "link", "add", "br-lima", "type", "bridge"])
    ns.run(["ip", "addr", "add", "192.168.223.1/24", "dev", "br-lima"])
    ns.run(["ip", "link", "set", "br-lima", "up"])
    d = start(ns, lima_start_cmd(var_run, "bridged", "bridged", interface="br-lima"))
    try:
        assert d.wait_log(r"serving .* one interface per connection") is not None, d.stderr
        vm = VM(FramedStream(connect(os.path.join(var_run, "socket_vmnet.bridged"))),
                mac="52:54:00:1a:00:02", ip="192.168.223.50")
        info = d.info()
        assert "vmnet_start_address" not in info
        assert vm.arp("192.168.223.1", vm.ip) is not None
        vm.close()
        stop_like_lima(ns, var_run, "bridged", d)
        assert os.listdir(var_run) == []
    finally:
        d.kill()


def test_getopt_forms_and_defaults(lima):
    """socket_vmnet's getopt_long grammar: "-p FILE", "--opt value", and its
    defaults (DHCP end x.x.x.254, mask 255.255.255.0) from the gateway alone."""
    ns, var_run = lima
    pidfile = os.path.join(var_run, "d.pid")
    sock = os.path.join(var_run, "d.sock")
    d = Helper(ns, ["-p", pidfile, "--socket-group", GROUP, "--vmnet-gateway", "192.168.107.1",
                    sock], user=None, program=ALIAS)
    try:
        assert d.wait_log(r"serving .* one interface per connection") is not None, d.stderr
        assert read_pid(pidfile) == d.pid
        vm = VM(FramedStream(connect(sock)))
        info = d.info()
        assert (info["vmnet_start_address"], info["vmnet_end_address"],
                info["vmnet_subnet_mask"]) == ("192.168.107.1", "192.168.107.254",
                                               "255.255.255.0")
        vm.close()
        assert d.stop() == 0
        assert os.listdir(var_run) == []
    finally:
        d.kill()


def test_stale_pidfile_replaced_and_live_one_refused(lima):
    ns, var_run = lima
    pidfile = os.path.join(var_run, "shared_socket_vmnet.pid")
    # A daemon that was killed leaves its file, unlocked: the next one replaces it.
    with open(pidfile, "w") as f:
        f.write("999999\n")
    d = start(ns, lima_start_cmd(var_run, "shared", "shared", "192.168.105.1",
                                 "192.168.105.254", "255.255.255.0"))
    try:
        assert d.wait_log(r"serving .* one interface per connection") is not None, d.stderr
        assert read_pid(pidfile) == d.pid
        # A second daemon on another socket but the same pid file is refused,
        # and leaves its socket behind no more than the file it could not take.
        other = os.path.join(var_run, "other.sock")
        second = Helper(ns, ["--pidfile=" + pidfile, other], user=None, program=ALIAS)
        assert second.wait() == 1
        assert len(second.stderr) == 1 and LOG_LINE.fullmatch(second.stderr[0]), second.stderr
        assert "--pidfile %s: exists" % pidfile in second.stderr[0]
        assert not os.path.exists(other) and not os.path.exists(other + ".lock")
        assert read_pid(pidfile) == d.pid
        stop_like_lima(ns, var_run, "shared", d)
    finally:
        d.kill()


def test_pidfile_symlink_not_followed(lima, tmp_path):
    ns, var_run = lima
    target = tmp_path / "target"
    target.write_text("keep\n")
    pidfile = os.path.join(var_run, "link.pid")
    os.symlink(target, pidfile)
    sock = os.path.join(var_run, "s")
    d = Helper(ns, ["--pidfile=" + pidfile, sock], user=None, program=ALIAS)
    assert d.wait() == 1
    assert len(d.stderr) == 1 and "--pidfile %s: exists" % pidfile in d.stderr[0], d.stderr
    assert target.read_text() == "keep\n"
    assert sorted(os.listdir(var_run)) == ["link.pid"] and os.path.islink(pidfile)


REFUSALS = {
    # socket_vmnet options the daemon cannot honour: exit 2.
    "interface id": (["--vmnet-interface-id=4e0c1b4e-0a2f-4b9e-9d7a-3c2b1a0f9e8d"], 2,
                     "--vmnet-interface-id: not supported"),
    # Not a socket_vmnet command line: exit 1, as socket_vmnet's own.
    "unknown option": (["--vmnet-bogus=1"], 1, "--vmnet-bogus=1: unknown option"),
    "missing value": (["--pidfile"], 1, "--pidfile: requires an argument"),
    "no socket": ([], 1, "expected one SOCKET path, found 0 arguments"),
    "bad mode": (["--vmnet-mode=nat"], 1, "--operation-mode: invalid value 'nat'"),
    "bad gateway": (["--vmnet-gateway=300.1.1.1"], 1, "--vmnet-gateway: invalid address"),
    "end without gateway": (["--vmnet-dhcp-end=192.168.105.200"], 1, "give all three or none"),
    "bridged without interface": (["--vmnet-mode=bridged"], 1, "requires --shared-interface"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals(lima, case):
    ns, var_run = lima
    args, status, message = REFUSALS[case]
    pidfile = os.path.join(var_run, "r.pid")
    argv = ["--pidfile=" + pidfile] if args != ["--pidfile"] else []
    argv += args
    if case != "no socket" and args != ["--pidfile"]:
        argv.append(os.path.join(var_run, "r.sock"))
    cp = ns.run([ALIAS] + argv, check=False)
    assert cp.returncode == status, cp.stderr
    lines = cp.stderr.splitlines()
    assert len(lines) == 1 and LOG_LINE.fullmatch(lines[0]), lines
    assert "socket_vmnet: " in lines[0] and message in lines[0], lines[0]
    assert cp.stdout == ""
    assert os.listdir(var_run) == []
    assert taps(ns) == []


def test_help_and_version():
    cp = subprocess.run([ALIAS, "--help"], capture_output=True, text=True)
    assert cp.returncode == 0 and cp.stderr == ""
    assert "--vmnet-gateway=VALUE" in cp.stdout and "--start-address" in cp.stdout
    cp = subprocess.run([ALIAS, "-v"], capture_output=True, text=True)
    assert cp.returncode == 0 and cp.stdout.startswith("version: ")


def test_children_are_vmnet_helper(lima):
    """Each connection's helper runs vmnet-helper's command line, not
    socket_vmnet's, though it is the same file."""
    ns, var_run = lima
    sock = os.path.join(var_run, "c.sock")
    d = Helper(ns, ["--vmnet-gateway=192.168.108.1", sock], user=None, program=ALIAS)
    try:
        assert d.wait_log(r"serving .* one interface per connection") is not None, d.stderr
        vm = VM(FramedStream(connect(sock)))
        d.info()
        line = d.wait_log(r"connection of uid \d+ gid \d+: helper pid \d+")
        pid = int(line.rsplit(" ", 1)[1])
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")[:-1]
        assert argv[:3] == [b"vmnet-helper", b"--fd", b"3"]
        assert b"--pidfile" not in argv and b"--serve-stream" not in argv
        assert os.path.realpath("/proc/%d/exe" % pid) == os.path.realpath(ALIAS)
        vm.close()
        d.proc.send_signal(signal.SIGTERM)
        assert d.wait() == 0
    finally:
        d.kill()
