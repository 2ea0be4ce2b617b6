# SPDX-License-Identifier: Apache-2.0
"""Named networks: vmnet-helper --serve-networks and --network NAME.

Each test has its own network namespace and its own XPC service directory
(a private XDG_RUNTIME_DIR), so it neither sees nor disturbs any other
service. The helpers run as root with SUDO_UID set, as in test_helper.py,
and play their VMs with scapy frames.
"""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import WAIT
from test_helper import HELPER, VM, Helper, scapy, vmnet_bridges

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

SERVICE = "io.github.vmnet-helper.networks"
NOBODY = 65534


@pytest.fixture
def runtime():
    """A private runtime directory (the service namespace) and config path."""
    d = tempfile.mkdtemp(prefix="vmnet-netsvc-")
    os.chmod(d, 0o700)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


class Service:
    """A running network service."""

    def __init__(self, ns, runtime, config="", name=None):
        self.config = os.path.join(runtime, "networks.conf")
        with open(self.config, "w") as f:
            f.write(config)
        args = [HELPER, "--serve-networks", "--network-config", self.config, "-v"]
        if name:
            args += ["--network-service", name]
        env = {"PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": runtime}
        self.log = open(os.path.join(runtime, "service.log"), "w+")
        self.proc = ns.popen(args, stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        assert self.wait_log("serving networks as"), self.text()

    def text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def wait_log(self, pattern, wait=WAIT):
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if re.search(pattern, self.text()):
                return True
            if self.proc.poll() is not None:
                return bool(re.search(pattern, self.text()))
            time.sleep(0.05)
        return False

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def services(netns, runtime):
    started = []

    def start(config="", ns=netns, **kwargs):
        s = Service(ns, runtime, config, **kwargs)
        started.append(s)
        return s

    yield start
    for s in started:
        s.kill()


@pytest.fixture
def net_helper(netns, runtime):
    """Factory: a helper on --network NAME; returns (helper, VM, info or None)."""
    made = []

    def start(name, *args, mac="52:54:00:00:00:01", user=NOBODY, info=True, config=None, wrap=()):
        vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        argv = ["--fd", helper_end.fileno(), "--network", name] + list(args)
        if config:
            argv += ["--network-config", config]
        env = {"XDG_RUNTIME_DIR": runtime}
        h = Helper(netns, argv, pass_fds=(helper_end.fileno(),), user=user, extra_env=env)
        helper_end.close()
        made.append((h, vm_end))
        return h, VM(vm_end, mac=mac), (h.info() if info else None)

    yield start
    for h, sock in made:
        h.kill()
        sock.close()


def addresses(info):
    """(gateway, first VM address) of a network from its net_* keys."""
    base = info["net_ipv4_subnet"].rsplit(".", 1)[0]
    return f"{base}.1", base


def ping_gateway(vm, info, n):
    s = scapy()
    gw, base = addresses(info)
    vm.ip = f"{base}.{n}"
    gw_mac = vm.arp(gw, vm.ip)
    assert gw_mac is not None, "no ARP reply from the gateway"
    vm.send(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=vm.ip, dst=gw) / s.ICMP(id=n, seq=1))
    assert vm.recv(lambda f: s.ICMP in f and f[s.ICMP].type == 0 and f[s.ICMP].id == n)


def reach_each_other(a, b):
    """a sends a UDP datagram to b's address; b answers ARP and receives it."""
    s = scapy()
    got = {}

    def listen():
        got["frame"] = b.recv(lambda f: s.UDP in f and bytes(f[s.UDP].payload) == b"hello b")

    t = threading.Thread(target=listen)
    t.start()
    b_mac = a.arp(b.ip, a.ip)
    assert b_mac == b.mac
    a.send(s.Ether(src=a.mac, dst=b_mac) / s.IP(src=a.ip, dst=b.ip) / s.UDP(sport=7, dport=7) / b"hello b")
    t.join()
    assert got["frame"] is not None


def wait_until(cond, wait=WAIT * 2):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


# --- sharing -------------------------------------------------------------------


def test_two_helpers_share_shared(netns, services, net_helper):
    services("release-delay = 1\n")
    h1, vm1, info1 = net_helper("shared", mac="52:54:00:00:00:01")
    h2, vm2, info2 = net_helper("shared", mac="52:54:00:00:00:02")
    for key in ("net_ipv4_subnet", "net_ipv4_mask", "net_ipv6_prefix", "net_ipv6_prefix_len"):
        assert info1[key] == info2[key], key
    assert len(vmnet_bridges(netns)) == 1
    ping_gateway(vm1, info1, 11)
    ping_gateway(vm2, info2, 12)
    reach_each_other(vm1, vm2)
    assert h1.stop() == 0
    assert h2.stop() == 0


def test_defined_network_with_own_subnet(netns, services, net_helper):
    svc = services(
        "release-delay = 1\n"
        "[lab]\n"
        "operation-mode = host\n"
        "start-address = 10.123.7.1\n"
        "end-address = 10.123.7.254\n"
        "subnet-mask = 255.255.255.0\n"
    )
    h1, vm1, info1 = net_helper("lab", mac="52:54:00:00:00:01")
    h2, vm2, info2 = net_helper("lab", mac="52:54:00:00:00:02")
    assert info1["net_ipv4_subnet"] == "10.123.7.0"
    assert info1["net_ipv4_mask"] == "255.255.255.0"
    ping_gateway(vm1, info1, 21)
    ping_gateway(vm2, info2, 22)
    reach_each_other(vm1, vm2)
    assert svc.wait_log("created network lab")
    assert h1.stop() == 0
    assert h2.stop() == 0


# --- lifetime --------------------------------------------------------------------


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_network_lives_while_used(netns, services, net_helper, how):
    svc = services("release-delay = 1\n")
    h1, vm1, info1 = net_helper("shared", mac="52:54:00:00:00:01")
    h2, vm2, info2 = net_helper("shared", mac="52:54:00:00:00:02")
    assert len(vmnet_bridges(netns)) == 1

    def leave(h):
        if how == "stop":
            assert h.stop() == 0
        else:
            h.proc.kill()
            h.proc.wait()

    leave(h1)
    assert svc.wait_log(r"client pid \d+ left")
    time.sleep(1.5)  # past the release delay: still used by h2
    assert len(vmnet_bridges(netns)) == 1
    ping_gateway(vm2, info2, 31)
    leave(h2)
    assert svc.wait_log("released network shared")
    assert wait_until(lambda: vmnet_bridges(netns) == [])


def test_idle_exit_and_start_on_demand(netns, runtime, services, net_helper):
    svc = services("release-delay = 0\nidle-timeout = 1\n")
    h1, vm1, info1 = net_helper("shared")
    assert h1.stop() == 0
    assert svc.proc.wait(timeout=WAIT) == 0
    assert "stopping: idle" in svc.text()
    assert not os.path.exists(os.path.join(runtime, "vmnet-xpc", SERVICE))
    # No service now: the helper starts one (as launchd would on macOS).
    h2, vm2, info2 = net_helper("shared", config=svc.config)
    assert h2.wait_log("starting the network service", wait=0) or any(
        "starting the network service" in line for line in h2.stderr)
    ping_gateway(vm2, info2, 41)
    assert h2.stop() == 0
    # The service it started goes idle and exits too, releasing everything.
    assert wait_until(lambda: not os.path.exists(os.path.join(runtime, "vmnet-xpc", SERVICE)))
    assert wait_until(lambda: vmnet_bridges(netns) == [])


def test_service_killed_ends_helpers(netns, services, net_helper):
    svc = services()
    h1, vm1, info1 = net_helper("shared", mac="52:54:00:00:00:01")
    h2, vm2, info2 = net_helper("shared", mac="52:54:00:00:00:02")
    svc.proc.send_signal(signal.SIGKILL)
    svc.proc.wait()
    for h in (h1, h2):
        assert h.wait() == 1
        assert any(re.search(r"ERROR \[.*\] network service .* connection interrupted", line)
                   for line in h.stderr), h.stderr
    assert wait_until(lambda: vmnet_bridges(netns) == [])


# --- refusals and bad input ------------------------------------------------------------


def test_unknown_network(netns, services, net_helper):
    svc = services()
    h, vm, _ = net_helper("nosuch", info=False)
    assert h.wait() == 1
    assert any("cannot acquire network nosuch: no network of that name (error 5)" in line
               for line in h.stderr), h.stderr
    assert svc.proc.poll() is None


def test_another_user_refused(netns, runtime, services, net_helper):
    """A helper of another user (that could reach the socket) gets error 3."""
    svc = services()
    # The same program as uid nobody, with only the right to pass the
    # permissions of root's service directory, as a process of another user
    # that reached the socket would have: its own namespace (owned by
    # nobody, as the platform requires) holds a link to root's socket.
    env = {"PATH": os.environ["PATH"]}
    vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            "--inh-caps=+dac_override", "--ambient-caps=+dac_override",
            HELPER, "--fd", str(helper_end.fileno()), "--network", "shared"]
    nobody_rt = tempfile.mkdtemp(prefix="vmnet-netsvc-nobody-")
    try:
        os.makedirs(os.path.join(nobody_rt, "vmnet-xpc"), mode=0o700)
        os.symlink(os.path.join(runtime, "vmnet-xpc", SERVICE),
                   os.path.join(nobody_rt, "vmnet-xpc", SERVICE))
        for d in (nobody_rt, os.path.join(nobody_rt, "vmnet-xpc")):
            os.chown(d, NOBODY, NOBODY)
            os.chmod(d, 0o700)
        env["XDG_RUNTIME_DIR"] = nobody_rt
        p = netns.popen(argv, pass_fds=(helper_end.fileno(),), env=env,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(timeout=WAIT * 3)
    finally:
        shutil.rmtree(nobody_rt, ignore_errors=True)
        helper_end.close()
        vm_end.close()
    err = err.decode()
    assert p.returncode == 1, err
    assert "not allowed to use the network (error 3)" in err, err
    assert svc.wait_log(r"uid 65534: request for network shared refused: not allowed")
    assert vmnet_bridges(netns) == []


def wire_request(fields):
    """An acquire request in the Linux platform's wire format (xpc_wire.c)."""
    body = bytes([8]) + struct.pack("<I", len(fields))
    for k, v in fields.items():
        body += struct.pack("<I", len(k)) + k.encode() + bytes([4]) + struct.pack("<I", len(v)) + v.encode()
    return struct.pack("<IIQ", len(body), 1, 1) + body


def raw_client(runtime):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(runtime, "vmnet-xpc", SERVICE))
    s.settimeout(WAIT / 2)
    return s


def test_another_executable_refused(netns, runtime, services):
    svc = services()
    s = raw_client(runtime)
    s.sendall(wire_request({"command": "acquire", "network_name": "shared"}))
    # The request is dropped and the connection ended, no network created.
    assert s.recv(100) == b""
    s.close()
    assert svc.wait_log(r"client pid \d+ refused: it does not run this program")
    assert "created network" not in svc.text()
    assert vmnet_bridges(netns) == []


def test_bad_clients_leave_service_healthy(netns, runtime, services, net_helper):
    svc = services()
    bad = [
        b"GET / HTTP/1.0\r\n\r\n",                          # garbage
        struct.pack("<IIQ", 16 << 20, 1, 1),                # oversized
        wire_request({"command": "acquire", "network_name": "x"})[:20],  # cut off mid-request
        wire_request({"command": "acquire"}),               # malformed, other executable
    ]
    for data in bad:
        s = raw_client(runtime)
        s.sendall(data)
        s.close()
    # A client that connects and vanishes without a word.
    raw_client(runtime).close()
    assert svc.proc.poll() is None
    h, vm, info = net_helper("shared")
    ping_gateway(vm, info, 51)
    assert h.stop() == 0
    assert svc.proc.poll() is None


def test_network_conflicts_with_network_options(netns, runtime):
    env = {"PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": runtime}
    for extra in (["--operation-mode", "host"], ["--mtu", "9000"], ["--start-address", "10.0.0.1"]):
        p = netns.run([HELPER, "--fd", "3", "--network", "shared"] + extra, check=False, env=env)
        assert p.returncode == 1
        lines = p.stderr.strip().splitlines()
        assert "--network and --" in lines[0] and "cannot be used together" in lines[0], lines
    assert not os.path.exists(os.path.join(runtime, "vmnet-xpc"))


def test_bad_config_one_error(netns, runtime):
    path = os.path.join(runtime, "networks.conf")
    with open(path, "w") as f:
        f.write("[lab]\noperation-mode = host\nmtu = 123456\n")
    env = {"PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": runtime}
    p = netns.run([HELPER, "--serve-networks", "--network-config", path], check=False, env=env)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"{path}: line 3: [lab] --mtu: invalid value '123456'" in lines[0]
    assert not os.path.exists(os.path.join(runtime, "vmnet-xpc", SERVICE))


def test_sigterm_stops_service_and_releases(netns, runtime, services, net_helper):
    svc = services("release-delay = 600\n")
    h, vm, info = net_helper("shared")
    assert h.stop() == 0
    assert len(vmnet_bridges(netns)) == 1  # kept for the long release delay
    svc.proc.send_signal(signal.SIGTERM)
    assert svc.proc.wait(timeout=WAIT) == 0
    assert "stopping: received SIGTERM" in svc.text()
    assert "released network shared" in svc.text()
    assert wait_until(lambda: vmnet_bridges(netns) == [])
    assert not os.path.exists(os.path.join(runtime, "vmnet-xpc", SERVICE))
