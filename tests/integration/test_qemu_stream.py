# SPDX-License-Identifier: Apache-2.0
"""Real QEMU on the stream transport, with the test guest (DHCP, ping,
fetch; see test_qemu_guest.py):

- QEMU's own `-netdev stream,addr.type=unix,addr.path=PATH` connecting to
  `vmnet-helper --socket PATH --stream`;
- `-netdev socket,fd=4` under `vmnet-client --stream` (scripts/examples/
  qemu.sh --stream);
- `-netdev socket,fd=3` from a stand-in for socket_vmnet_client connected
  to `vmnet-helper --serve-stream PATH`, as Lima and minikube run QEMU.
"""

import hashlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from netns import Namespace
from test_qemu_guest import (BLOB_SIZE, END, GATEWAY, MASK, QEMU_SH, TIMEOUT, guest,  # noqa: F401
                             markers, wait_listening)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VMNET_BUILD", os.path.join(REPO, "build"))
HELPER = os.path.join(BUILD, "vmnet-helper")
CLIENT = os.path.join(BUILD, "vmnet-client")
PORT = 8090
RANGE = ["--start-address", GATEWAY, "--end-address", END, "--subnet-mask", MASK]

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
    pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="QEMU not installed"),
    pytest.mark.skipif(not os.access(CLIENT, os.X_OK), reason="vmnet-client not built"),
]


def check_guest(console, blob, mac):
    found = markers(console)
    assert "FAIL" not in found, found
    assert found["MAC"] == [mac]
    addr = found["IP"][0].split()[0]
    assert ipaddress.ip_address(GATEWAY) < ipaddress.ip_address(addr) <= ipaddress.ip_address(END)
    assert found["PING"][0].startswith("ok"), found["PING"]
    fetch = found["FETCH"][0].split()
    assert fetch[fetch.index("bytes") + 1] == str(BLOB_SIZE)
    assert fetch[fetch.index("sha256") + 1] == hashlib.sha256(blob).hexdigest()
    assert found["DONE"] == ["0"]


def qemu_argv(guest, netdev, mac, append):  # noqa: F811
    return ["qemu-system-x86_64", "-nographic", "-no-reboot", "-accel", "tcg", "-cpu", "max",
            "-smp", "1", "-m", "256", "-kernel", os.path.join(guest, "vmlinuz"),
            "-initrd", os.path.join(guest, "initramfs.gz"),
            "-append", "console=ttyS0 quiet panic=-1 " + append,
            "-netdev", netdev, "-device", "virtio-net-pci,netdev=n0,romfile=,mac=" + mac]


def serve_blob(ns, tmp_path):
    blob = os.urandom(BLOB_SIZE)
    (tmp_path / "blob").write_bytes(blob)
    server = ns.popen([sys.executable, "-m", "http.server", str(PORT), "--bind", "0.0.0.0",
                       "--directory", str(tmp_path)],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(ns, PORT)
    return blob, server


def stop(*procs):
    """Kill what is still running of procs (cleanup on every path)."""
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_qemu_netdev_stream_to_socket_stream(guest, tmp_path):  # noqa: F811
    sockdir = tempfile.mkdtemp(prefix="vmnet-qemu-stream-")
    os.chmod(sockdir, 0o777)  # the helper creates its socket as nobody
    path = os.path.join(sockdir, "vm.sock")
    with Namespace("vmnet-qstream") as ns:
        blob, server = serve_blob(ns, tmp_path)
        helper = ns.popen(["env", "SUDO_UID=65534", "SUDO_GID=65534", HELPER, "--socket", path,
                           "--stream"] + RANGE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
        try:
            info = json.loads(helper.stdout.readline())
            netdev = "stream,id=n0,server=off,addr.type=unix,addr.path=" + path
            cp = ns.run(qemu_argv(guest, netdev, info["vmnet_mac_address"],
                                  "guest.fetch=http://%s:%d/blob" % (GATEWAY, PORT)),
                        check=False, timeout=TIMEOUT, errors="replace",
                        stdin=subprocess.DEVNULL)
            # QEMU powered off and closed the stream: the helper stops by itself.
            _, err = helper.communicate(timeout=30)
        finally:
            stop(helper, server)
            shutil.rmtree(sockdir, ignore_errors=True)
    assert cp.returncode == 0, cp.stderr + cp.stdout[-2000:]
    check_guest(cp.stdout, blob, info["vmnet_mac_address"])
    assert helper.returncode == 0, err
    assert "the VM closed its socket" in err
    assert "stopped vmnet interface" in err
    stats = json.loads([ln for ln in err.splitlines() if "[stats] " in ln][-1].split("[stats] ")[1])
    # The fetch came in many frames per write to the stream.
    h2v = stats["host_to_vm"]
    assert h2v["packets"] > h2v["write_calls"], h2v
    assert stats["vm_to_host"]["drops"] == 0


def test_qemu_netdev_socket_fd_under_client_stream(guest, tmp_path):  # noqa: F811
    with Namespace("vmnet-qstream") as ns:
        blob, server = serve_blob(ns, tmp_path)
        try:
            env = ["env", "SUDO_UID=65534", "SUDO_GID=65534", "VMNET_CLIENT=" + CLIENT,
                   "GUEST_KERNEL=" + os.path.join(guest, "vmlinuz"),
                   "GUEST_INITRD=" + os.path.join(guest, "initramfs.gz"),
                   "GUEST_APPEND=guest.fetch=http://%s:%d/blob" % (GATEWAY, PORT)]
            cp = ns.run(env + [QEMU_SH, "--stream"] + RANGE, check=False, timeout=TIMEOUT,
                        errors="replace", stdin=subprocess.DEVNULL)
        finally:
            stop(server)
    assert cp.returncode == 0, cp.stderr + cp.stdout[-2000:]
    info = json.loads(cp.stdout.splitlines()[0])
    check_guest(cp.stdout, blob, info["vmnet_mac_address"])
    assert "frames with a length on a stream" in cp.stderr
    assert "stopped vmnet interface" in cp.stderr


def test_qemu_through_socket_vmnet_client_stand_in(guest, tmp_path):  # noqa: F811
    """What Lima and minikube's QEMU driver do with socket_vmnet: a client
    connects to the daemon's socket and runs QEMU with -netdev socket,fd=3.
    QEMU picks its own MAC, as those launchers do."""
    top = tempfile.mkdtemp(prefix="vmnet-qserve-")
    os.chmod(top, 0o755)
    path = os.path.join(top, "socket_vmnet")
    mac = "52:54:00:5a:5b:01"
    stand_in = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_serve.py")
    with Namespace("vmnet-qserve") as ns:
        blob, server = serve_blob(ns, tmp_path)
        daemon = ns.popen([HELPER, "--serve-stream", path, "--serve-group", "0"] + RANGE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not os.path.exists(path) and time.monotonic() < deadline:
                time.sleep(0.05)
            cp = ns.run([sys.executable, stand_in, "client", path] +
                        qemu_argv(guest, "socket,id=n0,fd=3", mac,
                                  "guest.fetch=http://%s:%d/blob" % (GATEWAY, PORT)),
                        check=False, timeout=TIMEOUT, errors="replace",
                        stdin=subprocess.DEVNULL)
            daemon.terminate()
            out, err = daemon.communicate(timeout=30)
        finally:
            stop(daemon, server)
            shutil.rmtree(top, ignore_errors=True)
    assert cp.returncode == 0, cp.stderr + cp.stdout[-2000:]
    check_guest(cp.stdout, blob, mac)
    assert daemon.returncode == 0, err
    # The connection's own helper: its JSON line, its interface, its exit.
    assert json.loads(out.splitlines()[0])["vmnet_start_address"] == GATEWAY
    assert "frames with a length on a stream" in err
    assert re.search(r"connection of uid 0 gid 0: helper pid \d+", err), err
    assert "the VM closed its socket" in err and "stopped vmnet interface" in err
