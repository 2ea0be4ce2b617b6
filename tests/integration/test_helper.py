# SPDX-License-Identifier: Apache-2.0
"""vmnet-helper end to end, on the Linux platform layer.

Every test runs the real helper binary inside its own network namespace
(netns.py), as root with SUDO_UID/SUDO_GID set to an unprivileged user so
the helper drops to it, and plays the VM with scapy frames over a unix
datagram socket. Waits are bounds for failures only; no test asserts how
long anything takes.
"""

import json
import os
import pwd
import queue
import re
import signal
import socket
import stat
import subprocess
import tempfile
import threading

import pytest

from conftest import BUILD, REPO, WAIT

HELPER = os.environ.get("VMNET_HELPER", os.path.join(BUILD, "vmnet-helper"))
GUEST_NIC = os.path.join(BUILD, "tools", "guest-nic")
UDHCPC_SCRIPT = os.path.join(REPO, "scripts", "guest", "udhcpc.script")

# The user the helper drops to (nobody/nogroup on Debian).
USER = 65534

VM_MAC = "52:54:00:12:34:56"

HINT = "Try 'vmnet-helper --help'."

# One log line: "<UTC time> <LEVEL> [<component>] <message>".
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) \[[a-z>-]+\] .+")

# Interface names the Linux platform gives TAP devices and network bridges.
TAP_PREFIX = "vmtap"
BRIDGE_PREFIX = "vmn"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")


def scapy():
    import scapy.all

    return scapy.all


class Helper:
    """A running vmnet-helper: stdout and stderr collected by threads."""

    def __init__(self, ns, args, pass_fds=(), user=USER, extra_env=None, program=HELPER,
                 **popen):
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
        env.update(extra_env or {})
        # Sanitizer settings, for runs against an instrumented build.
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if name in os.environ:
                env[name] = os.environ[name]
        if user is not None:
            env["SUDO_UID"] = str(user)
            env["SUDO_GID"] = str(user)
        self.proc = ns.popen(
            [program] + [str(a) for a in args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=pass_fds,
            env=env,
            **popen,
        )
        self.stdout = queue.Queue()
        self.stderr = []
        self.stderr_lines = queue.Queue()
        self._threads = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout.put)),
            threading.Thread(target=self._read, args=(self.proc.stderr, self._err)),
        ]
        for t in self._threads:
            t.daemon = True
            t.start()

    @staticmethod
    def _read(stream, put):
        for line in stream:
            put(line.decode(errors="replace").rstrip("\n"))
        put(None)

    def _err(self, line):
        if line is not None:
            self.stderr.append(line)
        self.stderr_lines.put(line)

    @property
    def pid(self):
        return self.proc.pid

    def info(self):
        """The JSON line, parsed."""
        line = self.stdout.get(timeout=WAIT * 3)
        assert line is not None, "no JSON line; stderr:\n" + "\n".join(self.stderr)
        return json.loads(line)

    def wait_log(self, pattern, wait=WAIT):
        """The first stderr line (from now on) matching the regex, or None."""
        try:
            while True:
                line = self.stderr_lines.get(timeout=wait)
                if line is None:
                    return None
                if re.search(pattern, line):
                    return line
        except queue.Empty:
            return None

    def wait(self):
        """Exit status, once the helper and both readers are done."""
        rc = self.proc.wait(timeout=WAIT * 3)
        for t in self._threads:
            t.join(timeout=WAIT)
        if rc != 0:
            print(f"helper exited with {rc}; stderr:", *self.stderr, sep="\n")
        return rc

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        return self.wait()

    def rest_of_stdout(self):
        lines = []
        while True:
            line = self.stdout.get(timeout=WAIT)
            if line is None:
                return lines
            lines.append(line)

    def final_stats(self):
        """The last stats line's JSON (after exit)."""
        stats = [line for line in self.stderr if "[stats] " in line]
        assert stats, "no stats line; stderr:\n" + "\n".join(self.stderr)
        return json.loads(stats[-1].split("[stats] ", 1)[1])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class VM:
    """The VM end of the socket: sends frames, receives them, answers ARP."""

    def __init__(self, sock, mac=VM_MAC, ip=None):
        self.sock = sock
        self.mac = mac
        self.ip = ip
        self.sent = 0
        self.sock.settimeout(0.2)

    def send(self, frame):
        self.sock.send(bytes(frame))
        self.sent += 1

    def recv(self, match, wait=WAIT):
        """The first frame for which match(frame) is true, or None."""
        s = scapy()
        deadline = threading.Event()
        timer = threading.Timer(wait, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                try:
                    data = self.sock.recv(65536)
                except socket.timeout:
                    continue
                frame = s.Ether(data)
                self._answer_arp(frame)
                if match(frame):
                    return frame
            return None
        finally:
            timer.cancel()

    def _answer_arp(self, frame):
        s = scapy()
        if self.ip and s.ARP in frame and frame[s.ARP].op == 1 and frame[s.ARP].pdst == self.ip:
            self.send(
                s.Ether(src=self.mac, dst=frame.src)
                / s.ARP(op=2, hwsrc=self.mac, psrc=self.ip, hwdst=frame.src, pdst=frame[s.ARP].psrc)
            )

    def arp(self, ip, src_ip):
        """Resolve ip, retransmitting as a network stack does; its MAC or None."""
        s = scapy()
        request = s.Ether(src=self.mac, dst="ff:ff:ff:ff:ff:ff") / s.ARP(
            hwsrc=self.mac, psrc=src_ip, pdst=ip)
        for _ in range(3):
            self.send(request)
            reply = self.recv(lambda f: s.ARP in f and f[s.ARP].op == 2 and f[s.ARP].psrc == ip,
                              wait=WAIT / 3)
            if reply is not None:
                return reply[s.ARP].hwsrc
        return None

    def dhcp_exchange(self, xid, options, reply_type):
        """Send a DHCP message, retransmitting as a client does; the reply or None."""
        s = scapy()
        msg = (
            s.Ether(src=self.mac, dst="ff:ff:ff:ff:ff:ff")
            / s.IP(src="0.0.0.0", dst="255.255.255.255")
            / s.UDP(sport=68, dport=67)
            / s.BOOTP(chaddr=bytes.fromhex(self.mac.replace(":", "")), xid=xid, flags=0x8000)
            / s.DHCP(options=options + ["end"])
        )
        for _ in range(5):
            self.send(msg)
            reply = self.recv(lambda f: s.BOOTP in f and f[s.BOOTP].xid == xid
                              and ("message-type", reply_type) in f[s.DHCP].options,
                              wait=WAIT / 2)
            if reply is not None:
                return reply
        return None

    def close(self):
        self.sock.close()


@pytest.fixture
def helpers():
    """Factory: helpers(ns, args, ...) starts a Helper; all are killed after."""
    started = []

    def start(ns, args, **kwargs):
        h = Helper(ns, args, **kwargs)
        started.append(h)
        return h

    yield start
    for h in started:
        h.kill()


@pytest.fixture
def fd_helper(netns, helpers):
    """Factory: a helper on a socketpair (--fd); returns (helper, VM, info)."""
    socks = []

    def start(*args, ns=netns, ip=None):
        vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        socks.extend([vm_end, helper_end])
        h = helpers(ns, ["--fd", helper_end.fileno()] + list(args), pass_fds=(helper_end.fileno(),))
        helper_end.close()
        return h, VM(vm_end, ip=ip), h.info()

    yield start
    for s in socks:
        s.close()


@pytest.fixture
def sockdir():
    """A directory the dropped helper can create its socket in."""
    d = tempfile.mkdtemp(prefix="vmnet-helper-test-")
    os.chmod(d, 0o777)
    try:
        yield d
    finally:
        for name in os.listdir(d):
            os.unlink(os.path.join(d, name))
        os.rmdir(d)


def taps(ns):
    return [name for name in ns.links() if name.startswith(TAP_PREFIX)]


def vmnet_bridges(ns):
    """Bridges of vmnet networks (the platform names them vmn...)."""
    return [name for name in ns.links() if name.startswith(BRIDGE_PREFIX)]


def vm_ip(info, n=50):
    """An address of the VM inside the interface's subnet."""
    start = info["vmnet_start_address"].rsplit(".", 1)[0]
    return f"{start}.{n}"


# --- the JSON line ---------------------------------------------------------


def test_json_line_shared(fd_helper):
    h, vm, info = fd_helper()
    assert info["vmnet_max_packet_size"] == 1514
    assert info["vmnet_mtu"] == 1500
    assert isinstance(info["vmnet_read_max_packets"], int)
    assert isinstance(info["vmnet_write_max_packets"], int)
    for key in ("vmnet_start_address", "vmnet_end_address", "vmnet_subnet_mask", "vmnet_nat66_prefix"):
        assert isinstance(info[key], str), key
    assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", info["vmnet_mac_address"])
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", info["vmnet_interface_id"])
    assert list(info) == sorted(info)
    assert h.stop() == 0
    assert h.rest_of_stdout() == []


def test_json_line_options(fd_helper):
    ident = "C0FFEE00-1234-5678-9ABC-DEF001234567"
    h, vm, info = fd_helper(
        "--operation-mode", "host",
        "--interface-id", ident.lower(),
        "--start-address", "10.77.0.1",
        "--end-address", "10.77.0.99",
        "--subnet-mask", "255.255.255.0",
    )
    assert info["vmnet_interface_id"] == ident
    assert info["vmnet_start_address"] == "10.77.0.1"
    assert info["vmnet_end_address"] == "10.77.0.99"
    assert info["vmnet_subnet_mask"] == "255.255.255.0"
    assert "vmnet_nat66_prefix" not in info
    assert h.stop() == 0


def test_tso_max_packet_size(fd_helper):
    h, vm, info = fd_helper("--enable-tso", "--enable-checksum-offload")
    assert info["vmnet_max_packet_size"] == 65550
    assert h.stop() == 0


# --- traffic -----------------------------------------------------------------


def test_arp_and_icmp_to_gateway(fd_helper):
    s = scapy()
    h, vm, info = fd_helper()
    gw = info["vmnet_start_address"]
    me = vm_ip(info)
    vm.ip = me
    gw_mac = vm.arp(gw, me)
    assert gw_mac is not None
    vm.send(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=gw) / s.ICMP(id=7, seq=1) / b"ping")
    reply = vm.recv(lambda f: s.ICMP in f and f[s.ICMP].type == 0 and f[s.ICMP].id == 7)
    assert reply is not None
    assert reply[s.IP].src == gw
    assert bytes(reply[s.ICMP].payload) == b"ping"
    assert h.stop() == 0
    stats = h.final_stats()
    assert stats["vm_to_host"]["packets"] >= 2
    assert stats["host_to_vm"]["packets"] >= 2


def test_dhcp_lease(fd_helper):
    s = scapy()
    h, vm, info = fd_helper()
    xid = 0x1234ABCD

    def exchange(options, reply_type):
        return vm.dhcp_exchange(xid, options, reply_type)

    offer = exchange([("message-type", "discover")], 2)
    assert offer is not None
    offered = offer[s.BOOTP].yiaddr
    first = info["vmnet_start_address"].rsplit(".", 1)[0]
    assert offered.startswith(first + ".")
    assert offered != info["vmnet_start_address"]
    server = dict(o for o in offer[s.DHCP].options if isinstance(o, tuple))["server_id"]
    ack = exchange([("message-type", "request"), ("requested_addr", offered),
                    ("server_id", server)], 5)
    assert ack is not None
    assert ack[s.BOOTP].yiaddr == offered
    assert h.stop() == 0


def test_tcp_through_nat(netns, make_netns, fd_helper):
    """A TCP handshake from the VM to a server in an "outside" namespace."""
    s = scapy()
    outside = make_netns("vmnet-outside")
    netns.veth(outside, "up0", "down0")
    netns.run(["ip", "addr", "add", "203.0.113.1/24", "dev", "up0"])
    netns.run(["ip", "link", "set", "up0", "up"])
    netns.run(["ip", "route", "add", "default", "via", "203.0.113.2"])
    outside.run(["ip", "addr", "add", "203.0.113.2/24", "dev", "down0"])
    outside.run(["ip", "link", "set", "down0", "up"])
    server = outside.popen(
        ["python3", "-c",
         "import socket;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);"
         "s.bind(('203.0.113.2',8080));s.listen();print('ready',flush=True);"
         "c,a=s.accept();print(a[0],flush=True)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        h, vm, info = fd_helper()
        gw = info["vmnet_start_address"]
        me = vm_ip(info)
        vm.ip = me
        gw_mac = vm.arp(gw, me)
        assert gw_mac is not None
        syn = s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst="203.0.113.2") / s.TCP(
            sport=40000, dport=8080, flags="S", seq=1000)
        vm.send(syn)
        synack = vm.recv(lambda f: s.TCP in f and f[s.TCP].flags & 0x12 == 0x12)
        assert synack is not None
        assert synack[s.IP].src == "203.0.113.2"
        vm.send(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst="203.0.113.2") / s.TCP(
            sport=40000, dport=8080, flags="A", seq=1001, ack=synack[s.TCP].seq + 1))
        # The server saw the connection from the NAT address, not the VM's.
        peer = server.stdout.readline().strip()
        assert peer == "203.0.113.1"
        assert h.stop() == 0
    finally:
        server.kill()
        server.wait()


SEND_BULK = """
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
block = bytes(65536)
for _ in range(int(sys.argv[3]) // len(block)):
    s.sendall(block)
s.close()
"""

RECEIVE_BULK = """
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen()
print("ready", flush=True)
c, _ = srv.accept()
c.settimeout(60)
total = 0
while True:
    data = c.recv(1 << 20)
    if not data:
        break
    total += len(data)
print(total, flush=True)
"""


def bulk(server_ns, server_ip, client_ns, size):
    """Send size bytes over TCP from client_ns to server_ns; bytes received."""
    server = server_ns.popen(["python3", "-c", RECEIVE_BULK, server_ip, "5001"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        client_ns.run(["python3", "-c", SEND_BULK, server_ip, "5001", size], timeout=120)
        return int(server.stdout.readline())
    finally:
        server.kill()
        server.wait()


def test_guest_kernel_stack(netns, make_netns, helpers):
    """A "VM" namespace whose kernel is the guest OS: DHCP, ping, bulk TCP."""
    vmns = make_netns("vmnet-guest")
    vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with vm_end, helper_end:
        h = helpers(netns, ["--fd", helper_end.fileno()], pass_fds=(helper_end.fileno(),))
        info = h.info()
        nic = vmns.popen([GUEST_NIC, "--fd", vm_end.fileno(), "--mac", info["vmnet_mac_address"]],
                         pass_fds=(vm_end.fileno(),), stdout=subprocess.PIPE, text=True)
    try:
        assert nic.stdout.readline().strip() == "ready"
        lease = vmns.run(["busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "10", "-T", "1",
                          "-s", UDHCPC_SCRIPT], check=False)
        assert lease.returncode == 0, lease.stdout + lease.stderr
        prefix = info["vmnet_start_address"].rsplit(".", 1)[0] + "."
        addr = vmns.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
        assert " inet " + prefix in addr
        gw = info["vmnet_start_address"]
        assert vmns.run(["busybox", "ping", "-c", "2", "-W", "5", gw], check=False).returncode == 0
        size = 32 << 20
        assert bulk(netns, gw, vmns, str(size)) == size
        guest_ip = addr.split(" inet ")[1].split("/")[0]
        assert bulk(vmns, guest_ip, netns, str(size)) == size
        assert h.stop() == 0
        stats = h.final_stats()
        assert stats["vm_to_host"]["bytes"] > size
        assert stats["host_to_vm"]["bytes"] > size
        # Batching works: more than one frame per socket call on average.
        assert stats["host_to_vm"]["packets"] > stats["host_to_vm"]["write_calls"]
    finally:
        nic.kill()
        nic.wait()


def test_host_mode_isolation(netns, fd_helper):
    """Two isolated VMs on one host network cannot see each other."""
    s = scapy()

    def pair(*extra):
        a, vm_a, info_a = fd_helper("--operation-mode", "host", *extra)
        b, vm_b, info_b = fd_helper("--operation-mode", "host", *extra)
        assert info_a["vmnet_start_address"] == info_b["vmnet_start_address"]
        return (a, vm_a, info_a), (b, vm_b, info_b)

    def broadcast_seen(a_vm, b_vm, marker):
        a_vm.send(s.Ether(src="52:54:00:00:00:0a", dst="ff:ff:ff:ff:ff:ff", type=0x88B5) / marker)
        return b_vm.recv(lambda f: marker in bytes(f), wait=3) is not None

    (a, vm_a, _), (b, vm_b, _) = pair()
    assert broadcast_seen(vm_a, vm_b, b"not-isolated")
    assert a.stop() == 0 and b.stop() == 0

    (a, vm_a, info), (b, vm_b, _) = pair("--enable-isolation")
    assert not broadcast_seen(vm_a, vm_b, b"isolated")
    # The host is still reachable from an isolated VM.
    vm_a.ip = vm_ip(info)
    assert vm_a.arp(info["vmnet_start_address"], vm_a.ip) is not None
    assert a.stop() == 0 and b.stop() == 0


def test_bridged_mode(netns, fd_helper):
    s = scapy()
    netns.run(["ip", "link", "add", "br-test", "type", "bridge"])
    netns.run(["ip", "addr", "add", "192.168.222.1/24", "dev", "br-test"])
    netns.run(["ip", "link", "set", "br-test", "up"])
    h, vm, info = fd_helper("--operation-mode", "bridged", "--shared-interface", "br-test")
    assert "vmnet_start_address" not in info
    vm.ip = "192.168.222.50"
    assert vm.arp("192.168.222.1", vm.ip) is not None
    assert h.stop() == 0


def test_list_shared_interfaces_without_root(netns):
    netns.run(["ip", "link", "add", "br-list", "type", "bridge"])
    result = netns.run(
        ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups", HELPER,
         "--list-shared-interfaces"],
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "br-list" in result.stdout.splitlines()


def test_frame_sizes(fd_helper):
    s = scapy()
    h, vm, info = fd_helper()
    gw = info["vmnet_start_address"]
    me = vm_ip(info)
    vm.ip = me
    gw_mac = vm.arp(gw, me)
    assert gw_mac is not None
    base = s.Ether(src=vm.mac, dst="02:00:00:00:00:01", type=0x88B5)
    for size in (14, 60, 1514, 1515, 4000):
        frame = bytes(base) + b"x" * (size - 14)
        assert len(frame) == size
        vm.send(frame)
    # Something that needs an answer, so we know the frames were handled.
    vm.send(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=gw) / s.ICMP(id=9))
    assert vm.recv(lambda f: s.ICMP in f and f[s.ICMP].id == 9) is not None
    assert h.stop() == 0
    stats = h.final_stats()["vm_to_host"]
    assert stats["drops"] == 2
    # Everything else the VM sent arrived: ARP, three good frames, the ping.
    assert stats["packets"] == vm.sent - 2


def test_slow_vm_drops_instead_of_stalling(netns, fd_helper):
    """A VM that does not read: bounded retries, then drops; still stoppable."""
    s = scapy()
    h, vm, info = fd_helper()
    assert h.wait_log(r"forwarding, \d+ frames per batch") is not None
    bridge = [n for n in netns.links() if n.startswith("vmns")]
    assert len(bridge) == 1
    netns.run(["python3", "-c",
               "import socket,sys\n"
               "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\n"
               "s.bind((sys.argv[1],0))\n"
               "f=b'\\xff'*6+b'\\x02\\x00\\x00\\x00\\x00\\x07'+b'\\x88\\xb5'+b'x'*986\n"
               "for i in range(20000): s.send(f)\n",
               bridge[0]])
    # The VM now reads: what the helper queued arrives.
    assert vm.recv(lambda f: f.type == 0x88B5) is not None
    h.proc.send_signal(signal.SIGUSR1)
    line = h.wait_log(r"\[stats\] ")
    stats = json.loads(line.split("[stats] ", 1)[1])["host_to_vm"]
    assert stats["retries"] > 0
    assert stats["drops"] > 0
    assert stats["packets"] > 0
    assert h.stop() == 0


# --- privileges --------------------------------------------------------------


def proc_status(pid, task=None):
    fields = {}
    path = f"/proc/{pid}/status" if task is None else f"/proc/{pid}/task/{task}/status"
    with open(path) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def test_privileges_dropped_while_forwarding(fd_helper):
    h, vm, info = fd_helper()
    assert h.wait_log(r"forwarding, \d+ frames per batch") is not None
    st = proc_status(h.pid)
    assert st["Uid"] == [str(USER)] * 4
    assert st["Gid"] == [str(USER)] * 4
    assert st["Groups"] in ([], [str(USER)])
    assert st["CapEff"] == ["0000000000000000"]
    # Every thread, including those the dispatch queues started as root.
    tasks = os.listdir(f"/proc/{h.pid}/task")
    assert len(tasks) > 1
    for task in tasks:
        st = proc_status(h.pid, task)
        assert st["Uid"] == [str(USER)] * 4, task
        assert st["Gid"] == [str(USER)] * 4, task
        assert st["CapEff"] == ["0000000000000000"], task
    assert h.stop() == 0


def limits(pid):
    """/proc/PID/limits as {name: (soft, hard)}."""
    out = {}
    with open(f"/proc/{pid}/limits") as f:
        next(f)
        for line in f:
            m = re.match(r"(.+?)\s{2,}(\S+)\s+(\S+)", line)
            out[m.group(1)] = (m.group(2), m.group(3))
    return out


def test_resource_limits_while_forwarding(fd_helper):
    h, vm, info = fd_helper("-v")
    assert h.wait_log(r"resource limits restricted") is not None
    lim = limits(h.pid)
    assert lim["Max core file size"] == ("0", "0")
    # stdout and stderr are pipes here, so no file may grow at all.
    assert lim["Max file size"] == ("0", "0")
    open_fds = len(os.listdir(f"/proc/{h.pid}/fd"))
    assert int(lim["Max open files"][0]) <= open_fds + 32
    assert h.stop() == 0


def test_inherited_fds_closed(netns, helpers):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    r, w = os.pipe()
    try:
        h = helpers(netns, ["--fd", b.fileno()], pass_fds=(b.fileno(), r, w))
        h.info()
        mine = {os.fstat(fd).st_ino for fd in (r, w)}
        theirs = set()
        for fd in os.listdir(f"/proc/{h.pid}/fd"):
            try:
                theirs.add(os.stat(f"/proc/{h.pid}/fd/{fd}").st_ino)
            except FileNotFoundError:
                pass
        assert mine.isdisjoint(theirs)
        assert os.fstat(b.fileno()).st_ino in theirs
        assert h.stop() == 0
    finally:
        for fd in (r, w):
            os.close(fd)
        a.close()
        b.close()


def test_interface_id_gives_stable_mac(fd_helper):
    ident = "6F1E0A52-3C4D-4E5F-8A9B-0C1D2E3F4A5B"
    h, vm, first = fd_helper("--interface-id", ident)
    assert h.stop() == 0
    h, vm, second = fd_helper("--interface-id", ident)
    assert h.stop() == 0
    h, vm, other = fd_helper()
    assert h.stop() == 0
    assert first["vmnet_interface_id"] == ident
    assert first["vmnet_mac_address"] == second["vmnet_mac_address"]
    assert other["vmnet_mac_address"] != first["vmnet_mac_address"]


def root_caller(netns, helpers, *args):
    """A helper started by root itself (no SUDO_*) on a socketpair."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    h = helpers(netns, ["--fd", b.fileno()] + list(args), pass_fds=(b.fileno(),), user=None)
    b.close()
    return h, VM(a)


def test_root_caller_forwards_as_nobody(netns, helpers):
    """Root without sudo gets a helper that drops to nobody and forwards."""
    h, vm = root_caller(netns, helpers)
    with vm.sock:
        info = h.info()
        assert h.wait_log(r"forwarding, \d+ frames per batch") is not None
        nobody = pwd.getpwnam("nobody")
        st = proc_status(h.pid)
        assert st["Uid"] == [str(nobody.pw_uid)] * 4
        assert st["Gid"] == [str(nobody.pw_gid)] * 4
        assert st["Groups"] in ([], [str(nobody.pw_gid)])
        assert vm.arp(info["vmnet_start_address"], info["vmnet_end_address"]) is not None
        assert h.stop() == 0


def test_root_caller_chooses_account_with_user(netns, helpers):
    h, vm = root_caller(netns, helpers, "--user", "4242:4343")
    with vm.sock:
        info = h.info()
        assert h.wait_log(r"forwarding, \d+ frames per batch") is not None
        st = proc_status(h.pid)
        assert st["Uid"] == ["4242"] * 4
        assert st["Gid"] == ["4343"] * 4
        assert vm.arp(info["vmnet_start_address"], info["vmnet_end_address"]) is not None
        assert h.stop() == 0


@pytest.mark.parametrize("args,env,needle", [
    (["--user", "no-such-user-vmnet"], {}, "--user: invalid value 'no-such-user-vmnet': no such user"),
    (["--user", "root"], {}, "--allow-root"),
    (["--user", "nobody"], {"SUDO_UID": "65534", "SUDO_GID": "65534"}, "not through sudo"),
])
def test_user_errors(netns, args, env, needle):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        # A root caller's own environment: none of the SUDO_* of a run of
        # the tests through sudo, only what the case sets.
        unset = ["-u" + name for name in ("SUDO_UID", "SUDO_GID", "SUDO_USER", "SUDO_COMMAND")]
        cp = subprocess.run(netns.cmd(["env"] + unset + ["%s=%s" % kv for kv in env.items()] +
                                      [HELPER, "--fd", str(b.fileno())] + args),
                            pass_fds=(b.fileno(),), capture_output=True, text=True,
                            timeout=WAIT * 3)
    assert cp.returncode == 1
    assert cp.stdout == ""
    assert needle in cp.stderr.splitlines()[0]
    assert taps(netns) == []


def test_allow_root(netns, helpers):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        h = helpers(netns, ["--fd", b.fileno(), "--allow-root"], pass_fds=(b.fileno(),), user=None)
        assert h.info()["vmnet_max_packet_size"] == 1514
        assert proc_status(h.pid)["Uid"][1] == "0"
        assert h.stop() == 0


def test_vmnet_failure_is_readable(netns):
    """Without privileges vmnet fails to start: one readable error, exit 1."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        result = subprocess.run(
            netns.cmd(["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups",
                       HELPER, "--fd", b.fileno()]),
            pass_fds=(b.fileno(),), capture_output=True, text=True, timeout=WAIT * 3,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1
    assert "cannot start the vmnet interface: general failure (not root?) (VMNET_FAILURE, 1001)" in errors[0]
    # The platform's reason comes first, in the same log format.
    lines = result.stderr.splitlines()
    assert all(LOG_LINE.fullmatch(line) for line in lines), lines
    assert any(" WARN [vmnet] cannot start interface: CAP_NET_ADMIN required" in line
               for line in lines), lines
    assert taps(netns) == []


# --- signals, shutdown and stats -------------------------------------------------


def test_sigterm_while_forwarding(netns, fd_helper):
    h, vm, info = fd_helper()
    assert taps(netns) != []
    assert vmnet_bridges(netns) != []
    assert h.stop(signal.SIGTERM) == 0
    assert taps(netns) == []
    assert vmnet_bridges(netns) == []
    assert any("stopped vmnet interface" in line for line in h.stderr)


def test_sigint_while_forwarding(netns, fd_helper):
    h, vm, info = fd_helper()
    assert h.stop(signal.SIGINT) == 0
    assert taps(netns) == []
    assert vmnet_bridges(netns) == []


def test_vm_closes_socket(netns, fd_helper):
    h, vm, info = fd_helper()
    assert h.wait_log(r"forwarding, \d+ frames per batch") is not None
    vm.close()
    # Make the host send to the VM: a ping to an address in its subnet
    # broadcasts an ARP request through the helper.
    netns.run(["busybox", "ping", "-c", "3", "-W", "1", vm_ip(info)], check=False)
    assert h.wait() == 0
    assert any("the VM closed its socket" in line for line in h.stderr)
    assert taps(netns) == []
    assert vmnet_bridges(netns) == []


def test_sigusr1_prints_stats(fd_helper):
    h, vm, info = fd_helper()
    assert h.wait_log(r"forwarding, \d+ frames per batch") is not None
    h.proc.send_signal(signal.SIGUSR1)
    line = h.wait_log(r"\[stats\] ")
    assert line is not None
    stats = json.loads(line.split("[stats] ", 1)[1])
    assert set(stats) == {"time", "uptime", "host_to_vm", "vm_to_host"}
    for direction in ("host_to_vm", "vm_to_host"):
        assert set(stats[direction]) == {
            "packets", "bytes", "drops", "read_calls", "write_calls", "retries"}
        assert all(isinstance(v, int) for v in stats[direction].values())
    assert h.proc.poll() is None
    assert h.stop() == 0


def test_stats_interval(fd_helper):
    h, vm, info = fd_helper("--stats-interval", "1")
    assert h.wait_log(r"\[stats\] \{") is not None
    assert h.wait_log(r"\[stats\] \{") is not None
    assert h.stop() == 0


def test_log_format(fd_helper):
    h, vm, info = fd_helper("-v")
    assert h.stop() == 0
    assert h.stderr
    for line in h.stderr:
        assert LOG_LINE.fullmatch(line), line
    assert any(" DEBUG " in line for line in h.stderr)


# --- socket mode ---------------------------------------------------------------


def bound_client(sockdir):
    path = os.path.join(sockdir, "client.sock")
    c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    c.bind(path)
    os.chmod(path, 0o666)  # the helper runs as USER and must be able to send here
    return c


def wait_for_path(h, path):
    assert h.wait_log(r"waiting for a client") is not None, "\n".join(h.stderr)
    assert os.path.exists(path)


def test_socket_mode(netns, helpers, sockdir):
    s = scapy()
    path = os.path.join(sockdir, "vm.sock")
    h = helpers(netns, ["--socket", path])
    info = h.info()
    wait_for_path(h, path)
    st = os.lstat(path)
    assert stat.S_ISSOCK(st.st_mode)
    assert st.st_uid == USER
    assert stat.S_IMODE(st.st_mode) & 0o077 == 0
    assert os.lstat(path + ".lock").st_uid == USER

    # A second helper on the same path is refused, and changes nothing.
    second = helpers(netns, ["--socket", path])
    assert second.wait() == 1
    assert any("another helper serves this path" in line for line in second.stderr)
    assert os.path.exists(path)
    assert os.path.exists(path + ".lock")

    c = bound_client(sockdir)
    c.connect(path)
    vm = VM(c, ip=vm_ip(info))
    vm.send(b"VFKT")
    gw_mac = vm.arp(info["vmnet_start_address"], vm.ip)
    assert gw_mac is not None
    assert h.stop() == 0
    assert not os.path.exists(path)
    assert not os.path.exists(path + ".lock")
    # The handshake was consumed, not forwarded or counted as a drop.
    assert h.final_stats()["vm_to_host"]["drops"] == 0
    c.close()


def test_socket_senders_that_cannot_be_served(netns, helpers, sockdir):
    """Unbound and unwritable senders are ignored; the first good one is served."""
    path = os.path.join(sockdir, "vm.sock")
    h = helpers(netns, ["--socket", path])
    info = h.info()
    wait_for_path(h, path)

    unbound = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    unbound.sendto(b"x" * 60, path)
    assert h.wait_log(r"ignoring a datagram: the sender's socket is not bound") is not None

    # Bound as root with mode 0755: the dropped helper may not send to it.
    private = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    private_path = os.path.join(sockdir, "private.sock")
    private.bind(private_path)
    os.chmod(private_path, 0o755)
    private.sendto(b"x" * 60, path)
    assert h.wait_log(r"ignoring a datagram: cannot connect to the sender: Permission denied")

    c = bound_client(sockdir)
    c.connect(path)
    vm = VM(c, ip=vm_ip(info))
    assert vm.arp(info["vmnet_start_address"], vm.ip) is not None
    assert h.stop() == 0
    # The ignored datagrams were not forwarded.
    assert h.final_stats()["vm_to_host"]["packets"] == vm.sent
    for sock in (unbound, private, c):
        sock.close()


def test_socket_stale_replaced_other_file_refused(netns, helpers, sockdir):
    path = os.path.join(sockdir, "vm.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(path)
    stale.close()
    # Left by a helper of the same user: it may connect to it to see it is stale.
    os.chown(path, USER, USER)
    os.chmod(sockdir, 0o777)
    h = helpers(netns, ["--socket", path])
    h.info()
    wait_for_path(h, path)
    assert os.lstat(path).st_uid == USER
    assert h.stop() == 0

    with open(path, "w") as f:
        f.write("not a socket")
    h = helpers(netns, ["--socket", path])
    assert h.wait() == 1
    assert any("cannot bind" in line for line in h.stderr)
    with open(path) as f:
        assert f.read() == "not a socket"
    assert not os.path.exists(path + ".lock")
    assert taps(netns) == []


def test_sigterm_while_waiting_for_client(netns, helpers, sockdir):
    path = os.path.join(sockdir, "vm.sock")
    h = helpers(netns, ["--socket", path])
    h.info()
    wait_for_path(h, path)
    assert taps(netns) != []
    assert h.stop() == 0
    assert not os.path.exists(path)
    assert not os.path.exists(path + ".lock")
    assert taps(netns) == []
    assert vmnet_bridges(netns) == []


# --- bad input -------------------------------------------------------------------


def expect_usage_error(h, *needles):
    assert h.wait() == 1
    assert h.rest_of_stdout() == []
    assert len(h.stderr) == 2, h.stderr
    assert " ERROR [main] " in h.stderr[0]
    for needle in needles:
        assert needle in h.stderr[0]
    assert h.stderr[1] == HINT


def test_fd_not_a_socket(netns, helpers):
    r, w = os.pipe()
    try:
        h = helpers(netns, ["--fd", r], pass_fds=(r,))
        expect_usage_error(h, "--fd", "not a socket")
    finally:
        os.close(r)
        os.close(w)
    assert taps(netns) == []


def test_fd_seqpacket_socket(netns, helpers):
    # Stream sockets are served (test_stream.py); other types are refused.
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with a, b:
        h = helpers(netns, ["--fd", b.fileno()], pass_fds=(b.fileno(),))
        expect_usage_error(h, "--fd", "neither a datagram")
    assert taps(netns) == []


def test_fd_closed(netns, helpers):
    h = helpers(netns, ["--fd", "77"])
    expect_usage_error(h, "--fd", "not an open file descriptor")
    assert taps(netns) == []


INVALID = {
    "unknown option": (["--fd", "3", "--bogus"], "--bogus"),
    "positional": (["--fd", "3", "extra"], "extra"),
    "no connection": (["-v"], "--fd, --socket or --serve-stream"),
    "fd and socket": (["--fd", "3", "--socket", "/tmp/x"], "--fd, --socket, --serve-stream"),
    "fd not a number": (["--fd", "three"], "--fd"),
    "fd missing value": (["--fd"], "--fd"),
    "socket too long": (["--socket", "/tmp/" + "x" * 200], "--socket"),
    "bad uuid": (["--fd", "3", "--interface-id", "1234"], "--interface-id"),
    "bad mode": (["--fd", "3", "--operation-mode", "nat"], "--operation-mode"),
    "bridged without interface": (["--fd", "3", "--operation-mode", "bridged"], "--shared-interface"),
    "interface without bridged": (["--fd", "3", "--shared-interface", "br0"], "--shared-interface"),
    "unknown shared interface": (
        ["--fd", "3", "--operation-mode", "bridged", "--shared-interface", "nosuchbr"],
        "--shared-interface"),
    "two of three addresses": (
        ["--fd", "3", "--start-address", "192.168.9.1", "--end-address", "192.168.9.9"],
        "--subnet-mask"),
    "not private": (
        ["--fd", "3", "--start-address", "8.8.8.1", "--end-address", "8.8.8.9",
         "--subnet-mask", "255.255.255.0"], "RFC 1918"),
    "start after end": (
        ["--fd", "3", "--start-address", "192.168.9.9", "--end-address", "192.168.9.1",
         "--subnet-mask", "255.255.255.0"], "--start-address"),
    "isolation bridged": (
        ["--fd", "3", "--operation-mode", "bridged", "--shared-interface", "br0",
         "--enable-isolation"], "--enable-isolation"),
    "nat66 in host mode": (
        ["--fd", "3", "--operation-mode", "host", "--nat66-prefix", "fd00:1:2:3::"],
        "--nat66-prefix"),
    "nat66 not ula": (["--fd", "3", "--nat66-prefix", "2001:db8::"], "--nat66-prefix"),
    "stats zero": (["--fd", "3", "--stats-interval", "0"], "--stats-interval"),
    "repeated": (["--fd", "3", "-v", "-v"], "--verbose"),
    "newline in value": (["--fd", "3", "--interface-id", "x\ny"], "'x?y'"),
}


@pytest.mark.parametrize("args,needle", INVALID.values(), ids=INVALID.keys())
def test_invalid_options(netns, helpers, args, needle):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        # fd 3 in the arguments is this socket (pass_fds keeps numbers, so dup it there).
        argv = [str(b.fileno()) if x == "3" and i > 0 and args[i - 1] == "--fd" else x
                for i, x in enumerate(args)]
        h = helpers(netns, argv, pass_fds=(b.fileno(),))
        expect_usage_error(h, needle)
    assert taps(netns) == []
    assert vmnet_bridges(netns) == []


def test_help_and_version(netns):
    result = netns.run([HELPER, "--help"], check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: vmnet-helper")
    assert "--allow-root" in result.stdout
    assert result.stderr == ""
    result = netns.run([HELPER, "--version"], check=False)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("version: ")
    assert lines[1].startswith("commit: ")
