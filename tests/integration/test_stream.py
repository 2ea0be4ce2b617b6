# SPDX-License-Identifier: Apache-2.0
"""The stream transport: frames after a 4-byte big-endian length on a unix
stream socket (QEMU's -netdev stream/socket format), through
`--socket PATH --stream` (listen, accept one connection) and through
`--fd` with a connected stream socket (detected from its type). The "VM" is
the stand-in of test_helper.py on a framing wrapper; real QEMU is in
test_qemu_stream.py."""

import os
import socket
import struct

import pytest

from test_helper import (HELPER, VM, Helper, helpers, sockdir, taps,  # noqa: F401
                         vm_ip, wait_for_path)
from conftest import netns  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

# STREAM_FRAME_MAX in include/stream.h: QEMU's NET_BUFSIZE.
FRAME_MAX = 4096 + 65536


class FramedStream:
    """A stream socket that looks like a datagram socket to VM: send() adds
    the length, recv() returns one frame."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def settimeout(self, t):
        self.sock.settimeout(t)

    def send(self, frame):
        self.sock.sendall(struct.pack(">I", len(frame)) + frame)

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv(self, _size):
        while True:
            if len(self.buf) >= 4:
                (n,) = struct.unpack(">I", self.buf[:4])
                if len(self.buf) >= 4 + n:
                    frame, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    return frame
            data = self.sock.recv(1 << 16)
            if not data:
                raise EOFError("the helper closed the stream")
            self.buf += data

    def close(self):
        self.sock.close()


def connect(path):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    return c


def socket_stream_helper(netns, helpers, sockdir, *args):  # noqa: F811
    path = os.path.join(sockdir, "vm.sock")
    h = helpers(netns, ["--socket", path, "--stream"] + list(args))
    info = h.info()
    wait_for_path(h, path)
    assert any("(stream)" in line for line in h.stderr)
    return h, info, path


def test_socket_stream_forwards(netns, helpers, sockdir):  # noqa: F811
    h, info, path = socket_stream_helper(netns, helpers, sockdir)
    vm = VM(FramedStream(connect(path)), ip=vm_ip(info))
    assert vm.arp(info["vmnet_start_address"], vm.ip) is not None
    # One VM per helper: the listening socket is gone after the first.
    with pytest.raises(ConnectionRefusedError):
        connect(path)
    assert h.stop() == 0
    stats = h.final_stats()
    assert stats["vm_to_host"]["packets"] >= 1 and stats["host_to_vm"]["packets"] >= 1
    assert stats["vm_to_host"]["drops"] == 0
    assert not os.path.exists(path)
    assert not os.path.exists(path + ".lock")
    vm.close()


def test_fd_stream_detected_from_type(netns, helpers):  # noqa: F811
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    h = helpers(netns, ["--fd", b.fileno()], pass_fds=(b.fileno(),))
    b.close()
    info = h.info()
    vm = VM(FramedStream(a), ip=vm_ip(info))
    assert vm.arp(info["vmnet_start_address"], vm.ip) is not None
    # The VM closing its end stops the helper cleanly.
    vm.close()
    assert h.wait() == 0
    assert any("the VM closed its socket" in line for line in h.stderr)
    assert taps(netns) == []


def test_stream_flag_refuses_datagram_fd(netns, helpers):  # noqa: F811
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        h = helpers(netns, ["--fd", b.fileno(), "--stream"], pass_fds=(b.fileno(),))
        assert h.wait() == 1
        assert "--stream: the --fd socket is a datagram socket" in h.stderr[0]
    assert taps(netns) == []


def test_many_frames_per_call(netns, helpers):  # noqa: F811
    """A burst of frames in one write arrives in few reads, and the helper's
    replies come back batched too (fewer write calls than frames)."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    h = helpers(netns, ["--fd", b.fileno()], pass_fds=(b.fileno(),))
    b.close()
    info = h.info()
    s = __import__("test_helper").scapy()
    vm = VM(FramedStream(a), ip=vm_ip(info))
    gw = info["vmnet_start_address"]
    gw_mac = vm.arp(gw, vm.ip)
    assert gw_mac is not None
    n = 100
    burst = b"".join(
        struct.pack(">I", len(f)) + f for f in
        (bytes(s.Ether(src=vm.mac, dst=gw_mac) / s.IP(src=vm.ip, dst=gw) /
               s.ICMP(id=0x77, seq=i)) for i in range(n)))
    vm.sock.send_raw(burst)
    replies = set()
    while len(replies) < n:
        f = vm.recv(lambda f: s.ICMP in f and f[s.ICMP].type == 0 and f[s.ICMP].id == 0x77)
        assert f is not None, "missing echo replies: got %d" % len(replies)
        replies.add(f[s.ICMP].seq)
    assert h.stop() == 0
    stats = h.final_stats()
    vm_to_host = stats["vm_to_host"]
    assert vm_to_host["packets"] >= n
    assert vm_to_host["read_calls"] < vm_to_host["packets"]
    vm.close()


def test_hostile_lengths(netns, helpers):  # noqa: F811
    """Zero, runt and oversized lengths are dropped and counted; the stream
    goes on. A length over the maximum frame is a protocol error: the helper
    closes the connection and exits 1, leaving nothing behind."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    h = helpers(netns, ["--fd", b.fileno()], pass_fds=(b.fileno(),))
    b.close()
    info = h.info()
    vm = VM(FramedStream(a), ip=vm_ip(info))
    raw = vm.sock.send_raw
    raw(struct.pack(">I", 0))
    raw(struct.pack(">I", 5) + b"runt!")
    raw(struct.pack(">I", 3000) + b"x" * 3000)  # > 1514
    assert vm.arp(info["vmnet_start_address"], vm.ip) is not None
    raw(struct.pack(">I", FRAME_MAX + 1))
    assert h.wait() == 1
    assert any("protocol error" in line for line in h.stderr), h.stderr
    assert h.final_stats()["vm_to_host"]["drops"] == 3
    # The helper closed its end: after what it sent before, end of file.
    a.settimeout(5)
    while a.recv(1 << 16):
        pass
    assert taps(netns) == []
    vm.close()
