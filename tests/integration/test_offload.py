# SPDX-License-Identifier: Apache-2.0
"""TSO and checksum offload through vmnet-helper on the Linux platform.

A "VM" namespace with guest-nic --offload (krunkit's virtio-net with
offloading=on: 64 KiB TCP frames with partial checksums) carries TCP both
ways through a helper started with --enable-tso --enable-checksum-offload;
scapy frames with headers that do not describe them are dropped and
counted; without the options the data path is the plain one. No test
asserts a speed.
"""

import os
import socket
import subprocess

import pytest

from test_helper import GUEST_NIC, TAP_PREFIX, fd_helper, helpers, scapy, vm_ip  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

OFFLOAD = ("--enable-tso", "--enable-checksum-offload")
IFF_VNET_HDR = 0x4000

# A byte stream whose every byte depends on its offset, and its digest.
SEND = """
import hashlib, socket, sys
s = socket.create_connection((sys.argv[1], 5001), timeout=60)
h = hashlib.sha256()
for i in range(int(sys.argv[2])):
    block = i.to_bytes(4, "big") * 16384
    h.update(block)
    s.sendall(block)
s.close()
print(h.hexdigest(), flush=True)
"""

RECEIVE = """
import hashlib, socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 5001))
srv.listen()
print("ready", flush=True)
c, _ = srv.accept()
c.settimeout(60)
h = hashlib.sha256()
n = 0
while True:
    data = c.recv(1 << 20)
    if not data:
        break
    h.update(data)
    n += len(data)
print(n, h.hexdigest(), flush=True)
"""

BLOCKS = 512  # of 64 KiB: 32 MiB each way


def stream(server_ns, server_ip, client_ns):
    """Send the stream from client_ns; (bytes received, digest matches)."""
    server = server_ns.popen(["python3", "-c", RECEIVE, server_ip],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        sent = client_ns.run(["python3", "-c", SEND, server_ip, str(BLOCKS)],
                             timeout=120).stdout.strip()
        n, digest = server.stdout.readline().split()
        return int(n), digest == sent
    finally:
        server.kill()
        server.wait()


def tun_flags(ns):
    """tun_flags of the helper's TAP device."""
    tap = [n for n in ns.links() if n.startswith(TAP_PREFIX)]
    assert len(tap) == 1
    out = ns.run(["cat", f"/sys/class/net/{tap[0]}/tun_flags"]).stdout
    return int(out, 16)


def test_64k_segments_both_ways(netns, make_netns, helpers):  # noqa: F811
    vmns = make_netns("vmnet-offload")
    vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with vm_end, helper_end:
        h = helpers(netns, ["--fd", helper_end.fileno(), *OFFLOAD],
                    pass_fds=(helper_end.fileno(),))
        info = h.info()
        assert info["vmnet_max_packet_size"] == 65550
        nic = vmns.popen([GUEST_NIC, "--fd", vm_end.fileno(), "--offload",
                          "--mac", info["vmnet_mac_address"]],
                         pass_fds=(vm_end.fileno(),), stdout=subprocess.PIPE, text=True)
    try:
        assert nic.stdout.readline().strip() == "ready"
        assert tun_flags(netns) & IFF_VNET_HDR
        gw, me = info["vmnet_start_address"], vm_ip(info)
        vmns.run(["ip", "addr", "add", f"{me}/24", "dev", "eth0"])
        assert stream(netns, gw, vmns) == (BLOCKS << 16, True)
        assert stream(vmns, me, netns) == (BLOCKS << 16, True)
        assert h.stop() == 0
        stats = h.final_stats()
        for d in ("vm_to_host", "host_to_vm"):
            s = stats[d]
            assert s["bytes"] > BLOCKS << 16
            # The stream went as frames far above the 1514-byte MTU frame.
            assert s["bytes"] / s["packets"] > 4000, (d, s)
        assert stats["vm_to_host"]["drops"] == 0
    finally:
        nic.kill()
        nic.wait()


def test_inconsistent_headers_dropped_and_counted(netns, fd_helper):  # noqa: F811
    s = scapy()
    h, vm, info = fd_helper(*OFFLOAD)
    assert tun_flags(netns) & IFF_VNET_HDR
    gw, me = info["vmnet_start_address"], vm_ip(info)
    vm.ip = me
    gw_mac = vm.arp(gw, me)
    assert gw_mac is not None
    payload = b"y" * 8000
    good = s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=gw) / \
        s.TCP(sport=40000, dport=9, flags="A") / payload
    vm.send(good)
    wrong_length = bytearray(bytes(good))
    wrong_length[16:18] = (len(wrong_length) - 14 - 100).to_bytes(2, "big")
    wrong_length[24:26] = b"\0\0"
    ip = s.IP(bytes(wrong_length[14:34]))
    del ip.chksum
    wrong_length[14:34] = bytes(ip)[:20]  # a valid header checksum, a wrong length
    vm.send(bytes(wrong_length))
    bad_offset = bytearray(bytes(good))
    bad_offset[14 + 20 + 12] = 0x30  # TCP data offset 3 words
    vm.send(bytes(bad_offset))
    udp = s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=gw) / \
        s.UDP(sport=40000, dport=9) / payload
    vm.send(udp)  # large UDP: TSO is TCP only
    vm.send(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=gw) / s.ICMP(id=11))
    assert vm.recv(lambda f: s.ICMP in f and f[s.ICMP].id == 11) is not None
    assert h.stop() == 0
    stats = h.final_stats()["vm_to_host"]
    assert stats["drops"] == 3
    assert stats["packets"] == vm.sent - 3


def test_without_offload_unchanged(netns, fd_helper):  # noqa: F811
    """No vnet header, and frames go to the TAP as they are, headers unchecked."""
    s = scapy()
    h, vm, info = fd_helper()
    assert info["vmnet_max_packet_size"] == 1514
    assert not tun_flags(netns) & IFF_VNET_HDR
    gw, me = info["vmnet_start_address"], vm_ip(info)
    vm.ip = me
    gw_mac = vm.arp(gw, me)
    frame = bytearray(bytes(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=gw) /
                            s.TCP(sport=40000, dport=9, flags="A") / (b"z" * 1000)))
    frame[16:18] = b"\xff\xff"  # an IP length offload would refuse
    vm.send(bytes(frame))
    vm.send(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=me, dst=gw) / s.ICMP(id=12))
    assert vm.recv(lambda f: s.ICMP in f and f[s.ICMP].id == 12) is not None
    assert h.stop() == 0
    stats = h.final_stats()["vm_to_host"]
    assert stats["drops"] == 0
    assert stats["packets"] == vm.sent
