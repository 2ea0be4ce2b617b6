# SPDX-License-Identifier: Apache-2.0
"""Network options and the macOS 26 network API, on the Linux platform.

The first tests drive the network API directly (build/tools/vmnet-netprobe);
the rest run vmnet-helper with the network options, each in namespaces of
its own, and check what each option does on the wire: MTU, DHCP off,
NAT44 off, port forwards (gone after stop and after kill -9), DHCP
reservations, host networks by --network-id, the DNS proxy, router
advertisements of the IPv6 prefix, NAT66, the external interface and IPv6
port forwards. VMNET_LINUX_MACOS_VERSION
makes the Linux platform stand in for an older macOS, for the classic API's
paths. Waits are bounds for failures only.
"""

import json
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import REPO, WAIT
from test_helper import GUEST_NIC, USER, VM, VM_MAC, fd_helper, helpers, scapy, taps, \
    vmnet_bridges  # noqa: F401 (fixtures)

NETPROBE = os.path.join(REPO, "build", "tools", "vmnet-netprobe")
OLD_MACOS = {"VMNET_LINUX_MACOS_VERSION": "15.5"}

VMNET_SUCCESS = 1000
VMNET_FAILURE = 1001
VMNET_INVALID_ARGUMENT = 1003

# A subnet of the tests' own, so port forwards and reservations may name addresses.
RANGE = ["--start-address", "192.168.70.1", "--end-address", "192.168.70.254",
         "--subnet-mask", "255.255.255.0"]
GATEWAY = "192.168.70.1"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")


def wait_until(predicate, wait=WAIT):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


class NetProbe:
    """A running `vmnet-netprobe hold` or `join`: JSON lines on stdout."""

    def __init__(self, ns, args, user=None):
        argv = [NETPROBE] + list(args)
        if user is not None:
            argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] + argv
        self.proc = ns.popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             bufsize=1)

    def line(self):
        out = self.proc.stdout.readline()
        assert out, "vmnet-netprobe printed nothing"
        return json.loads(out)

    def say(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def end(self):
        self.proc.stdin.close()
        rest = [json.loads(line) for line in self.proc.stdout if line.strip()]
        self.proc.wait(timeout=WAIT * 3)
        return rest

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def netprobes():
    started = []

    def start(ns, *args, user=None):
        p = NetProbe(ns, args, user=user)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


def tap_master(ns, tap):
    out = ns.run(["ip", "-o", "link", "show", "dev", tap]).stdout
    return out.split(" master ")[1].split()[0] if " master " in out else None


def link_mtu(ns, name):
    return int(ns.run(["cat", f"/sys/class/net/{name}/mtu"]).stdout)


def ruleset(ns):
    return ns.run(["nft", "list", "ruleset"]).stdout


# --- the network API, directly ----------------------------------------------------


def test_network_api_bad_arguments(netns):
    result = netns.run([NETPROBE, "errors"])
    got = json.loads(result.stdout)
    ok = {"create_shared", "create_host", "mtu_ok", "prefix_ok", "forward_ok", "reservation_ok"}
    for name, status in got.items():
        if name == "start_without_network":
            assert status == 1, "start_with_network(NULL) must return NULL"
        elif name in ok:
            assert status == VMNET_SUCCESS, name
        else:
            assert status == VMNET_INVALID_ARGUMENT, name
    assert vmnet_bridges(netns) == []


def test_network_create_needs_privileges(netns, netprobes):
    p = netprobes(netns, "hold", user=USER)
    assert p.line() == {"status": VMNET_FAILURE}
    assert vmnet_bridges(netns) == [] and taps(netns) == []


def test_serialization_joins_the_same_bridge_from_another_process(netns, netprobes):
    holder = netprobes(netns, "--subnet", "192.168.71.0", "--mask", "255.255.255.0",
                       "--mtu", "4000", "hold")
    net = holder.line()
    assert net["subnet"] == "192.168.71.0" and net["mask"] == "255.255.255.0"
    assert net["prefix"].startswith("fd") and net["prefix_len"] == 64
    bridges = vmnet_bridges(netns)
    assert len(bridges) == 1
    bridge = bridges[0]
    assert link_mtu(netns, bridge) == 4000

    joiner = netprobes(netns, "join", json.dumps(net["serialization"]))
    param = joiner.line()
    assert param["vmnet_mtu"]["u"] == 4000
    assert param["vmnet_max_packet_size"]["u"] == 4014
    assert "vmnet_start_address" not in param  # as macOS 26: no address keys
    joined = [t for t in taps(netns) if tap_master(netns, t) == bridge]
    assert len(joined) == 2  # the holder's port and the interface
    # The creator's release leaves the network to the running interface.
    holder.say("release")
    assert holder.line() == {"released": True}
    assert vmnet_bridges(netns) == [bridge]
    assert joiner.end() == [{"stop": VMNET_SUCCESS}]
    assert wait_until(lambda: vmnet_bridges(netns) == [])
    # Without the network, its serialization is worth nothing.
    late = netprobes(netns, "join", json.dumps(net["serialization"]))
    assert late.line() == {"status": VMNET_INVALID_ARGUMENT}


def test_release_removes_the_network(netns, netprobes):
    holder = netprobes(netns, "--host", "hold")
    net = holder.line()
    assert net["subnet"].startswith("192.168.")
    assert len(vmnet_bridges(netns)) == 1
    holder.say("release")
    assert holder.line() == {"released": True}
    assert wait_until(lambda: vmnet_bridges(netns) == [] and taps(netns) == [])
    holder.end()


def test_network_removed_after_kill9(netns, netprobes):
    holder = netprobes(netns, "hold")
    holder.line()
    assert len(vmnet_bridges(netns)) == 1
    holder.proc.send_signal(signal.SIGKILL)
    holder.proc.wait()
    assert wait_until(lambda: vmnet_bridges(netns) == [] and taps(netns) == [])
    assert "vmn" not in ruleset(netns)


def test_port_forwarding_calls_on_a_running_interface(netns, netprobes):
    p = netprobes(netns, "rules")
    got = p.line()
    assert got["add"] == VMNET_SUCCESS and got["add_handler"] == VMNET_SUCCESS
    for bad in ("add_duplicate", "add_bad_protocol", "add_bad_family", "add_port_zero",
                "add_null_interface", "remove_again", "v4_wrong_family"):
        assert got[bad] == VMNET_INVALID_ARGUMENT, bad
    assert got["v4_count"] == 1 and got["v4_details"] == VMNET_SUCCESS
    assert got["v4_rule"] == ["tcp", "192.168.72.5"] and got["v4_ports"] == [8081, 80]
    assert got["v6_count"] == -1  # NULL: no rules, as on macOS
    assert got["remove"] == VMNET_SUCCESS and got["remove_handler"] == VMNET_SUCCESS
    assert got["after_remove_count"] == -1
    assert got["add_udp"] == VMNET_SUCCESS
    rules = ruleset(netns)
    assert "udp dport 5353 dnat to 192.168.72.5:53" in rules
    assert "8081" not in rules
    p.end()
    assert wait_until(lambda: "192.168.72.5" not in ruleset(netns))
    assert wait_until(lambda: vmnet_bridges(netns) == [])


# --- vmnet-helper's network options -----------------------------------------------


def test_network_api_keys_in_json(fd_helper):
    h, vm, info = fd_helper("--mtu", "1500", *RANGE)
    assert info["net_ipv4_subnet"] == "192.168.70.0"
    assert info["net_ipv4_mask"] == "255.255.255.0"
    assert info["net_ipv6_prefix"].startswith("fd")
    assert info["net_ipv6_prefix_len"] == 64
    assert h.stop() == 0


def test_classic_api_has_no_network_keys(fd_helper):
    h, vm, info = fd_helper()
    assert not [k for k in info if k.startswith("net_")]
    assert h.stop() == 0


@pytest.fixture
def env_fd_helper(netns, helpers):
    """fd_helper with an environment for the helper: (helper, VM, info)."""
    socks = []

    def start(args, env=None):
        vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        socks.extend([vm_end, helper_end])
        h = helpers(netns, ["--fd", helper_end.fileno()] + list(args),
                    pass_fds=(helper_end.fileno(),), extra_env=env)
        helper_end.close()
        return h, VM(vm_end), h.info()

    yield start
    for sock in socks:
        sock.close()


@pytest.mark.parametrize("env", [None, OLD_MACOS], ids=["network-api", "classic-api"])
def test_mtu_9000_carries_a_9000_byte_ping(netns, env_fd_helper, env):
    s = scapy()
    h, vm, info = env_fd_helper(["--mtu", "9000"] + RANGE, env)
    # The classic API takes the MTU in the interface description.
    assert ("net_ipv4_subnet" in info) == (env is None)
    assert info["vmnet_mtu"] == 9000
    assert info["vmnet_max_packet_size"] == 9014
    (tap,) = taps(netns)[-1:]
    assert link_mtu(netns, tap) == 9000
    assert link_mtu(netns, tap_master(netns, tap)) == 9000
    me = "192.168.70.50"
    vm.ip = me
    gw_mac = vm.arp(GATEWAY, me)
    assert gw_mac is not None
    payload = bytes(range(256)) * 35 + bytes(9000 - 20 - 8 - 256 * 35)
    ping = s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=GATEWAY, flags="DF") / s.ICMP(
        id=9, seq=1) / payload
    assert len(s.IP(bytes(ping[s.IP]))) == 9000
    vm.send(ping)
    reply = vm.recv(lambda f: s.ICMP in f and f[s.ICMP].type == 0 and f[s.ICMP].id == 9)
    assert reply is not None
    assert reply[s.IP].len == 9000
    assert bytes(reply[s.ICMP].payload) == payload
    assert h.stop() == 0


def dhcp_discover(vm, mac=None, tries=4):
    """Send a DHCP discover, retransmitting; the offer or None."""
    s = scapy()
    mac = mac or vm.mac
    xid = 0x5EED0001
    msg = (s.Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / s.IP(src="0.0.0.0", dst="255.255.255.255")
           / s.UDP(sport=68, dport=67)
           / s.BOOTP(chaddr=bytes.fromhex(mac.replace(":", "")), xid=xid, flags=0x8000)
           / s.DHCP(options=[("message-type", "discover"), "end"]))
    for _ in range(tries):
        vm.send(msg)
        offer = vm.recv(lambda f: s.BOOTP in f and f[s.BOOTP].xid == xid
                        and ("message-type", 2) in f[s.DHCP].options, wait=WAIT / 4)
        if offer is not None:
            return offer
    return None


def ping_gateway(vm, me, gateway=GATEWAY):
    s = scapy()
    vm.ip = me
    gw_mac = vm.arp(gateway, me)
    if gw_mac is None:
        return False
    vm.send(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=gateway) / s.ICMP(id=5, seq=1))
    return vm.recv(lambda f: s.ICMP in f and f[s.ICMP].type == 0 and f[s.ICMP].id == 5) is not None


def test_disable_dhcp_no_offer_static_addressing_works(fd_helper):
    h, vm, info = fd_helper("--disable-dhcp", *RANGE)
    assert dhcp_discover(vm) is None
    assert ping_gateway(vm, "192.168.70.60")
    assert h.stop() == 0


def test_dhcp_reservation_gives_the_reserved_address(fd_helper):
    s = scapy()
    h, vm, info = fd_helper("--dhcp-reservation", f"{VM_MAC}=192.168.70.77", *RANGE)
    offer = dhcp_discover(vm)
    assert offer is not None
    assert offer[s.BOOTP].yiaddr == "192.168.70.77"
    other = dhcp_discover(vm, mac="52:54:00:ab:cd:ef")
    assert other is not None and other[s.BOOTP].yiaddr != "192.168.70.77"
    assert h.stop() == 0


# The uplinks of the tests' host namespace: up<n> there, down<n> in "outside" namespace n.
UPLINKS = [("203.0.113", "2001:db8:70"), ("198.51.100", "2001:db8:71")]
IPV6_PREFIX = "fd00:1:2:3::"
GUEST6 = "fd00:1:2:3::5"


def outside_namespace(netns, make_netns, n=0, route_back=False):
    """An "outside" namespace behind a veth: host <net>.1, outside <net>.2.

    With route_back, the outside routes the guests' subnet and IPv6 prefix
    back through the host, so it answers them also without masquerade.
    """
    v4, v6 = UPLINKS[n]
    outside = make_netns("vmnet-outside")
    netns.veth(outside, f"up{n}", f"down{n}")
    netns.run(["ip", "addr", "add", f"{v4}.1/24", "dev", f"up{n}"])
    netns.run(["ip", "addr", "add", f"{v6}::1/64", "dev", f"up{n}", "nodad"])
    netns.run(["ip", "link", "set", f"up{n}", "up"])
    outside.run(["ip", "addr", "add", f"{v4}.2/24", "dev", f"down{n}"])
    outside.run(["ip", "addr", "add", f"{v6}::2/64", "dev", f"down{n}", "nodad"])
    outside.run(["ip", "link", "set", f"down{n}", "up"])
    if route_back:
        outside.run(["ip", "route", "add", "192.168.70.0/24", "via", f"{v4}.1"])
        outside.run(["ip", "-6", "route", "add", f"{IPV6_PREFIX}/64", "via", f"{v6}::1"])
    return outside


@pytest.mark.parametrize("disable, reachable", [([], True), (["--disable-nat44"], False)])
def test_nat44(netns, make_netns, fd_helper, disable, reachable):
    """The outside answers a VM's SYN only through NAT44 (it has no route back)."""
    s = scapy()
    outside = outside_namespace(netns, make_netns)
    server = outside.popen(
        ["python3", "-c",
         "import socket;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);"
         "s.bind(('203.0.113.2',8080));s.listen();print('ready',flush=True);s.accept()"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        h, vm, info = fd_helper("--mtu", "1500", *disable, *RANGE)
        me = "192.168.70.50"
        vm.ip = me
        gw_mac = vm.arp(GATEWAY, me)
        assert gw_mac is not None
        syn = s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst="203.0.113.2") / s.TCP(
            sport=40001, dport=8080, flags="S", seq=1000)
        synack = None
        for _ in range(3):
            vm.send(syn)
            synack = vm.recv(lambda f: s.TCP in f and f[s.TCP].flags & 0x12 == 0x12,
                             wait=WAIT / 3)
            if synack is not None:
                break
        assert (synack is not None) == reachable
        assert h.stop() == 0
    finally:
        server.kill()
        server.wait()


# A TCP server: ADDR PORT [GREETING]; tells each client GREETING, or the
# address it came from.
SERVE = """
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen()
print("ready", flush=True)
while True:
    c, a = s.accept()
    c.sendall((sys.argv[3] if len(sys.argv) > 3 else a[0]).encode() + b"\\n")
    c.close()
"""

# A TCP client: ADDR PORT; prints what the server said, or "failed ...".
CONNECT = """
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
    print(c.recv(100).decode().strip())
except OSError as e:
    print("failed", e)
"""


def serve(ns, addr, port, *greeting):
    """Start SERVE in ns; the process, once it listens."""
    server = ns.popen(["python3", "-c", SERVE, addr, port, *greeting], stdout=subprocess.PIPE,
                      text=True)
    assert server.stdout.readline().strip() == "ready"
    return server


def connect(ns, addr, port):
    return ns.run(["python3", "-c", CONNECT, addr, port]).stdout.strip()


def guest_nic(vmns, vm_end, info):
    """The VM: guest-nic, its kernel the guest's network stack, on eth0."""
    nic = vmns.popen([GUEST_NIC, "--fd", vm_end.fileno(), "--mac", info["vmnet_mac_address"]],
                     pass_fds=(vm_end.fileno(),), stdout=subprocess.PIPE, text=True)
    assert nic.stdout.readline().strip() == "ready"
    vmns.run(["ip", "addr", "add", "192.168.70.5/24", "dev", "eth0"])
    vmns.run(["ip", "route", "add", "default", "via", GATEWAY])
    return nic


def guest_with_listener(vmns, vm_end, info):
    """guest-nic with a static address and a TCP listener on port 80 (IPv4 and IPv6)."""
    return guest_nic(vmns, vm_end, info), serve(vmns, "::", 80, "behind the vm")


@pytest.mark.parametrize("env", [None, OLD_MACOS], ids=["network-api", "classic-api"])
@pytest.mark.parametrize("ending", ["stop", "kill -9"])
def test_port_forward(netns, make_netns, helpers, env, ending):
    outside = outside_namespace(netns, make_netns)
    vmns = make_netns("vmnet-guest")
    vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    procs = []
    with vm_end, helper_end:
        h = helpers(netns, ["--fd", helper_end.fileno(), "--port-forward",
                            "tcp:0.0.0.0:8080:192.168.70.5:80"] + RANGE,
                    pass_fds=(helper_end.fileno(),), extra_env=env)
        info = h.info()
        assert ("net_ipv4_subnet" in info) == (env is None)
        procs.extend(guest_with_listener(vmns, vm_end, info))
    try:
        assert connect(outside, "203.0.113.1", 8080) == "behind the vm"
        assert "dnat to 192.168.70.5:80" in ruleset(netns)
        if ending == "stop":
            assert h.stop() == 0
        else:
            h.proc.send_signal(signal.SIGKILL)
            h.proc.wait()
        assert wait_until(lambda: "192.168.70.5" not in ruleset(netns))
        assert connect(outside, "203.0.113.1", 8080).startswith("failed")
    finally:
        for p in procs:
            p.kill()
            p.wait()


NET_ID = "6F1C2B1E-4C55-4D5B-9E2A-1B2C3D4E5F60"
OTHER_ID = "0A1B2C3D-4E5F-4061-8273-94A5B6C7D8E9"


@pytest.mark.parametrize("second_id, reach", [(NET_ID, True), (OTHER_ID, False)],
                         ids=["same-id", "other-id"])
def test_network_id(netns, fd_helper, second_id, reach):
    s = scapy()
    args = ["--operation-mode", "host", "--host-ip-address", "10.77.0.1",
            "--host-subnet-mask", "255.255.255.0"]
    h1, vm1, info1 = fd_helper("--network-id", NET_ID, *args)
    if second_id == NET_ID:
        h2, vm2, info2 = fd_helper("--network-id", second_id, *args)
    else:
        h2, vm2, info2 = fd_helper("--network-id", second_id, "--operation-mode", "host")
    assert "vmnet_start_address" not in info1
    vm1.mac, vm2.mac = "52:54:00:00:00:01", "52:54:00:00:00:02"
    vm1.ip, vm2.ip = "10.77.0.11", "10.77.0.12"
    # No DHCP on a network by identifier.
    assert dhcp_discover(vm1, tries=2) is None
    # vm2 answers ARP while it waits for frames; vm1 asks for it.
    import threading
    answering = threading.Thread(target=vm2.recv, args=(lambda f: False, WAIT / 2))
    answering.start()
    request = s.Ether(src=vm1.mac, dst="ff:ff:ff:ff:ff:ff") / s.ARP(
        hwsrc=vm1.mac, psrc=vm1.ip, pdst=vm2.ip)
    reply = None
    for _ in range(3):
        vm1.send(request)
        reply = vm1.recv(lambda f: s.ARP in f and f[s.ARP].op == 2 and f[s.ARP].psrc == vm2.ip,
                         wait=WAIT / 8)
        if reply is not None:
            break
    answering.join()
    assert (reply is not None) == reach
    if reach:
        assert reply[s.ARP].hwsrc == vm2.mac
        # The host has its address there too.
        assert ping_gateway(vm1, vm1.ip, gateway="10.77.0.1")
    assert h1.stop() == 0 and h2.stop() == 0
    assert wait_until(lambda: vmnet_bridges(netns) == [])


def test_network_id_different_host_address_refused(netns, fd_helper, helpers):
    h1, vm1, info1 = fd_helper("--network-id", NET_ID, "--operation-mode", "host",
                               "--host-ip-address", "10.78.0.1", "--host-subnet-mask",
                               "255.255.255.0")
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        h2 = helpers(netns, ["--fd", b.fileno(), "--network-id", NET_ID, "--operation-mode",
                             "host", "--host-ip-address", "10.78.0.2", "--host-subnet-mask",
                             "255.255.255.0"], pass_fds=(b.fileno(),))
        assert h2.wait() == 1
    assert [line for line in h2.stderr if " ERROR " in line]
    assert h1.stop() == 0


@pytest.mark.parametrize("option", [
    ["--disable-dhcp"],
    ["--disable-dns-proxy"],
    ["--disable-nat44"],
    ["--disable-nat66"],
    ["--disable-router-advertisement"],
    ["--ipv6-prefix", "fd00:1:2:3::/64"],
    ["--external-interface", "lo"],
    ["--dhcp-reservation", f"{VM_MAC}=192.168.70.77"],
])
def test_option_needs_macos_26(netns, helpers, option):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        h = helpers(netns, ["--fd", b.fileno()] + option + RANGE, pass_fds=(b.fileno(),),
                    extra_env=OLD_MACOS)
        assert h.wait() == 1
    errors = [line for line in h.stderr if " ERROR " in line]
    assert len(errors) == 1
    assert errors[0].endswith(f"{option[0]} needs macOS 26")
    assert h.rest_of_stdout() == []
    assert taps(netns) == [] and vmnet_bridges(netns) == []


@pytest.mark.parametrize("args, needle", [
    (["--mtu", "100"], "--mtu: invalid value '100'"),
    (["--port-forward", "icmp:80:192.168.70.5:80"], "protocol must be tcp or udp"),
    (["--port-forward", "tcp:80:192.168.70.5:80", "--port-forward", "tcp:80:192.168.70.6:81"],
     "already forwarded"),
    (["--network-id", NET_ID], "--network-id: only valid in host mode"),
    (["--disable-dhcp", "--operation-mode", "bridged", "--shared-interface", "br0"],
     "not valid in bridged mode"),
])
def test_invalid_network_options(netns, helpers, args, needle):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        h = helpers(netns, ["--fd", b.fileno()] + args, pass_fds=(b.fileno(),))
        assert h.wait() == 1
    errors = [line for line in h.stderr if " ERROR " in line]
    assert len(errors) == 1 and needle in errors[0], h.stderr
    assert taps(netns) == [] and vmnet_bridges(netns) == []


# --- the macOS 26 options on the wire (network API) -------------------------------


def dns_query(vm, me, name="vmnet-test-name"):
    """A DNS query to the gateway: its answer, an ICMP port unreachable, or None."""
    s = scapy()
    vm.ip = me
    gw_mac = vm.arp(GATEWAY, me)
    assert gw_mac is not None
    query = (s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=GATEWAY)
             / s.UDP(sport=40053, dport=53) / s.DNS(id=0x4242, rd=1, qd=s.DNSQR(qname=name)))
    for _ in range(3):
        vm.send(query)
        got = vm.recv(lambda f: s.IP in f and f[s.IP].src == GATEWAY
                      and ((s.ICMP in f and f[s.ICMP].type == 3)
                           or (s.UDP in f and f[s.UDP].sport == 53)), wait=WAIT / 3)
        if got is not None:
            return got
    return None


@pytest.mark.parametrize("disable", [[], ["--disable-dns-proxy"]], ids=["default", "disabled"])
def test_dns_proxy(fd_helper, disable):
    """The gateway answers DNS, and DHCP names it, unless the proxy is off."""
    s = scapy()
    h, vm, info = fd_helper(*disable, *RANGE)
    offer = dhcp_discover(vm)
    assert offer is not None
    servers = [o[1:] for o in offer[s.DHCP].options if o[0] == "name_server"]
    got = dns_query(vm, "192.168.70.50")
    assert got is not None
    if disable:
        assert servers == []
        assert s.ICMP in got and got[s.ICMP].code == 3  # port unreachable: nobody listens
    else:
        assert servers == [(GATEWAY,)]
        assert s.ICMP not in got
        assert s.DNS in got and got[s.DNS].id == 0x4242 and got[s.DNS].qr == 1
    assert h.stop() == 0


def router_advertisement(vm, wait=WAIT):
    """Solicit a router advertisement from the VM's link-local address; the RA or None."""
    s = scapy()
    solicit = (s.Ether(src=vm.mac, dst="33:33:00:00:00:02")
               / s.IPv6(src="fe80::5054:ff:fe12:3456", dst="ff02::2")
               / s.ICMPv6ND_RS() / s.ICMPv6NDOptSrcLLAddr(lladdr=vm.mac))
    for _ in range(3):
        vm.send(solicit)
        ra = vm.recv(lambda f: s.ICMPv6ND_RA in f, wait=wait / 3)
        if ra is not None:
            return ra
    return None


@pytest.mark.parametrize("disable", [[], ["--disable-router-advertisement"]],
                         ids=["default", "disabled"])
def test_router_advertisement_of_the_ipv6_prefix(netns, fd_helper, disable):
    s = scapy()
    h, vm, info = fd_helper("--ipv6-prefix", f"{IPV6_PREFIX}/64", *disable, *RANGE)
    assert info["net_ipv6_prefix"] == IPV6_PREFIX and info["net_ipv6_prefix_len"] == 64
    (tap,) = taps(netns)[-1:]
    bridge_addrs = netns.run(["ip", "-6", "addr", "show", "dev", tap_master(netns, tap)]).stdout
    assert "fd00:1:2:3::1/64" in bridge_addrs
    ra = router_advertisement(vm, wait=WAIT / 2 if disable else WAIT)
    if disable:
        assert ra is None
    else:
        assert ra is not None
        prefixes = []
        opt = ra.getlayer(s.ICMPv6NDOptPrefixInfo)
        while opt is not None:
            prefixes.append((opt.prefix, opt.prefixlen, opt.A))
            opt = opt.payload.getlayer(s.ICMPv6NDOptPrefixInfo)
        assert prefixes == [(IPV6_PREFIX, 64, 1)]
    assert h.stop() == 0


def start_guest(netns, make_netns, helpers, args, env=None):
    """A helper with args and a guest-nic VM at 192.168.70.5 and GUEST6: (helper, [procs])."""
    vmns = make_netns("vmnet-guest")
    vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with vm_end, helper_end:
        h = helpers(netns, ["--fd", helper_end.fileno()] + list(args) + RANGE,
                    pass_fds=(helper_end.fileno(),), extra_env=env)
        info = h.info()
        nic, server = guest_with_listener(vmns, vm_end, info)
    vmns.run(["ip", "addr", "add", f"{GUEST6}/64", "dev", "eth0", "nodad"])
    # replace: a router advertisement may have made one already.
    vmns.run(["ip", "-6", "route", "replace", "default", "via", f"{IPV6_PREFIX}1"])
    return h, vmns, [nic, server]


def stop_all(procs):
    for p in procs:
        p.kill()
        p.wait()


@pytest.mark.parametrize("disable", [[], ["--disable-nat66"]], ids=["default", "disabled"])
def test_nat66(netns, make_netns, helpers, disable):
    """The outside sees the guest's IPv6 connection from the host, or from the guest
    itself with NAT66 off (it routes the prefix back, so both are answered)."""
    outside = outside_namespace(netns, make_netns, route_back=True)
    procs = [serve(outside, "2001:db8:70::2", 8080)]
    try:
        h, vmns, guest = start_guest(netns, make_netns, helpers,
                                     ["--ipv6-prefix", f"{IPV6_PREFIX}/64", *disable])
        procs += guest
        seen = connect(vmns, "2001:db8:70::2", 8080)
        if disable:
            assert seen.startswith("fd00:1:2:3:"), seen
        else:
            assert seen == "2001:db8:70::1"
        assert h.stop() == 0
    finally:
        stop_all(procs)


@pytest.mark.parametrize("external", [[], ["--external-interface", "up0"]],
                         ids=["default", "up0"])
def test_external_interface(netns, make_netns, helpers, external):
    """Two uplinks: by default the guest is masqueraded through both; with
    --external-interface up0 only through up0, and up1's side sees the guest's
    own address (it routes the subnet back)."""
    outsides = [outside_namespace(netns, make_netns, n, route_back=True) for n in (0, 1)]
    procs = [serve(outsides[0], "203.0.113.2", 8080), serve(outsides[1], "198.51.100.2", 8080)]
    try:
        h, vmns, guest = start_guest(netns, make_netns, helpers, external)
        procs += guest
        assert connect(vmns, "203.0.113.2", 8080) == "203.0.113.1"
        assert connect(vmns, "198.51.100.2", 8080) == ("192.168.70.5" if external
                                                       else "198.51.100.1")
        assert h.stop() == 0
    finally:
        stop_all(procs)


@pytest.mark.parametrize("env", [None, OLD_MACOS], ids=["network-api", "classic-api"])
def test_ipv6_port_forward(netns, make_netns, helpers, env):
    """A connection to the host's IPv6 address and port reaches the guest's IPv6 listener."""
    outside = outside_namespace(netns, make_netns)
    prefix = ["--ipv6-prefix", f"{IPV6_PREFIX}/64"] if env is None else [
        "--nat66-prefix", IPV6_PREFIX]
    h, vmns, procs = start_guest(netns, make_netns, helpers,
                                 prefix + ["--port-forward", f"tcp:[::]:8080:[{GUEST6}]:80"], env)
    try:
        assert f"dnat to [{GUEST6}]:80" in ruleset(netns)
        assert connect(outside, "2001:db8:70::1", 8080) == "behind the vm"
        # IPv4 has no such rule.
        assert connect(outside, "203.0.113.1", 8080).startswith("failed")
        assert h.stop() == 0
        assert wait_until(lambda: GUEST6 not in ruleset(netns))
    finally:
        stop_all(procs)
