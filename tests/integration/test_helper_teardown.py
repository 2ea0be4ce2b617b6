# SPDX-License-Identifier: Apache-2.0
"""vmnet-helper: a compromised helper cannot defeat the teardown.

Code running in the dropped helper (uid nobody, no capabilities) still holds
its TAP descriptor and its end of the keeper's socket. These tests do to
those descriptors what such code could do: the test takes a duplicate of the
helper's descriptor with pidfd_getfd() and hands it to a process running as
uid nobody without capabilities, which calls TUNSETPERSIST and TUNSETOWNER on
it (tun checks no capability for either) or shuts the socket down. The
effect on the TAP or the socket is the same as if the helper had done it.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import WAIT
from test_helper import USER, fd_helper, helpers, scapy, taps, vm_ip  # noqa: F401 (fixtures)
from test_platform_lifecycle import KEEPER, leftovers, procs

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

SYS_PIDFD_GETFD = 438  # the same number on every architecture
TUNSETPERSIST = 0x400454CB
TUNSETOWNER = 0x400454CC

# How long the keeper waits for the TAP after end of file on its socket
# (KEEPER_TAP_POLLS x 10 ms in src/linux/vmnet_keeper.c), with a margin.
KEEPER_TAP_WAIT = 3.0

_libc = ctypes.CDLL(None, use_errno=True)


def steal_fd(pid, fd):
    """A duplicate of descriptor fd of process pid, in this process."""
    pidfd = os.pidfd_open(pid)
    try:
        dup = _libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if dup < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return dup
    finally:
        os.close(pidfd)


def fds_of(pid, target):
    """Descriptors of pid whose link is target, or starts with it if it ends in ':'."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        if link == target or (target.endswith(":") and link.startswith(target)):
            found.append(int(fd))
    return found


def as_nobody(code, fd):
    """Run python code as uid nobody, no capabilities, with fd open; assert success."""
    subprocess.run(
        ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups", "--inh-caps=-all",
         sys.executable, "-c", code, str(fd)],
        pass_fds=(fd,), check=True, timeout=WAIT)


def make_tap_persistent(pid):
    """TUNSETPERSIST and TUNSETOWNER on the helper's TAP, as nobody."""
    (tap_fd,) = fds_of(pid, "/dev/net/tun")
    dup = steal_fd(pid, tap_fd)
    try:
        as_nobody("import fcntl, sys; fd = int(sys.argv[1]); "
                  f"fcntl.ioctl(fd, {TUNSETPERSIST}, 1); fcntl.ioctl(fd, {TUNSETOWNER}, 4242)",
                  dup)
    finally:
        os.close(dup)


def keeper_socket(pid):
    """A duplicate of the helper's end of the keeper's socket (the SEQPACKET one)."""
    for fd in fds_of(pid, "socket:"):
        dup = steal_fd(pid, fd)
        s = socket.socket(fileno=dup)
        if s.type == socket.SOCK_SEQPACKET:
            return s
        s.detach()
        os.close(dup)
    raise AssertionError("the helper has no SEQPACKET socket")


def tap_details(ns, name):
    return ns.run(["ip", "-d", "link", "show", name]).stdout


def everything_left(ns):
    left = leftovers(ns)
    if taps(ns):
        left["taps"] = taps(ns)
    return left


def wait_everything_gone(ns):
    deadline = time.monotonic() + WAIT
    while everything_left(ns) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert everything_left(ns) == {}


def test_persistent_tap_removed_after_kill9(netns, fd_helper):
    h, vm, info = fd_helper("--operation-mode", "shared")
    assert h.wait_log(r"forwarding, \d+ frames per batch") is not None
    (tap,) = taps(netns)
    make_tap_persistent(h.pid)
    details = tap_details(netns, tap)
    assert "persist on" in details and "user 4242" in details, details

    h.kill()
    # No other start or stop: the keeper saw the helper die and deleted the TAP.
    wait_everything_gone(netns)


def test_half_close_of_keeper_socket_does_not_sweep(netns, fd_helper):
    s = scapy()
    h, vm, info = fd_helper("--operation-mode", "shared")
    assert h.wait_log(r"forwarding, \d+ frames per batch") is not None
    keeper = keeper_socket(h.pid)
    keeper.shutdown(socket.SHUT_WR)
    keeper.close()
    time.sleep(KEEPER_TAP_WAIT)

    # The keeper still waits, and the network still works.
    assert len(procs(netns, KEEPER)) == 1
    assert len(taps(netns)) == 1
    gateway = info["vmnet_start_address"]
    vm.ip = vm_ip(info)
    assert vm.arp(gateway, vm.ip) is not None
    vm.send(s.Ether(src=vm.mac, dst="ff:ff:ff:ff:ff:ff") / s.IP(src=vm.ip, dst=gateway) /
            s.ICMP())

    h.kill()
    wait_everything_gone(netns)


def test_persistent_tap_reclaimed_by_next_start(netns, fd_helper):
    victim, _, _ = fd_helper("--operation-mode", "shared")
    assert victim.wait_log(r"forwarding, \d+ frames per batch") is not None
    (old_tap,) = taps(netns)
    make_tap_persistent(victim.pid)
    # Nobody removes it: the keeper dies first, then the helper.
    (keeper,) = procs(netns, KEEPER)
    os.kill(keeper, signal.SIGKILL)
    victim.kill()
    time.sleep(0.2)
    assert taps(netns) == [old_tap]
    assert "persist on" in tap_details(netns, old_tap)

    survivor, _, _ = fd_helper("--operation-mode", "shared")
    assert survivor.wait_log(r"forwarding, \d+ frames per batch") is not None
    assert old_tap not in taps(netns) and len(taps(netns)) == 1
    assert survivor.stop() == 0
    wait_everything_gone(netns)
