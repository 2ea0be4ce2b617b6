# SPDX-License-Identifier: Apache-2.0
"""A real VM on the helper: QEMU boots the test guest under vmnet-client.

The guest (scripts/guest/build.sh: Debian's kernel, busybox, virtio-net)
gets a DHCP lease from the helper's network, pings the gateway, fetches a
file from an HTTP server the test runs on the gateway side, prints GUEST-*
markers on the serial console and powers off; QEMU exits, and vmnet-client
stops the helper. Everything runs inside a private network namespace.
QEMU uses TCG (no KVM needed). The boot time and the fetch throughput are
printed and saved in build/guest/last-run.json. A second test boots the
guest as an unprivileged user through sudo without closefrom_override, so
QEMU gets the socket the client connected to the helper's --socket.
"""

import hashlib
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from netns import Namespace
# Fixtures: a unique user, the installed programs with the project's
# sudoers rule rendered for it, rules activated per test.
from test_client_sudo import prefix, readable_copy, rules, tmpdir_of, user  # noqa: F401

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VMNET_BUILD", os.path.join(REPO, "build"))
CLIENT = os.path.join(BUILD, "vmnet-client")
GUEST_DIR = os.path.join(REPO, "build", "guest")
QEMU_SH = os.path.join(REPO, "scripts", "examples", "qemu.sh")
GATEWAY = "192.168.89.1"
END = "192.168.89.60"
MASK = "255.255.255.0"
PORT = 8089
BLOB_SIZE = 8 << 20
# Processes of this test that must be gone when vmnet-client returns (the
# platform's dnsmasq may outlive them briefly; it is not ours to check).
OURS = ("vmnet-client", "vmnet-helper", "qemu-system-x86", "sh")
# Bound for the whole boot, transfer and power-off under TCG.
TIMEOUT = 300

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
    pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="QEMU not installed"),
    pytest.mark.skipif(not os.access(CLIENT, os.X_OK), reason="vmnet-client not built"),
]


@pytest.fixture(scope="module")
def guest():
    cp = subprocess.run([os.path.join(REPO, "scripts", "guest", "build.sh"), GUEST_DIR],
                        capture_output=True, text=True, timeout=TIMEOUT)
    if cp.returncode != 0:
        pytest.skip("cannot build the guest: " + cp.stderr.strip())
    return GUEST_DIR


def wait_listening(ns, port):
    """Wait until something accepts TCP connections on port inside ns."""
    probe = ("import socket,sys,time\n"
             "for _ in range(200):\n"
             "    try:\n"
             "        socket.create_connection(('127.0.0.1', %d), 1).close(); sys.exit(0)\n"
             "    except OSError: time.sleep(0.05)\n"
             "sys.exit(1)\n" % port)
    ns.run([sys.executable, "-c", probe])


def markers(console):
    """GUEST-* lines of the console output: {name: [rest of line, ...]}."""
    found = {}
    for m in re.finditer(r"GUEST-([A-Z]+) ?([^\r\n]*)", console):
        found.setdefault(m.group(1), []).append(m.group(2).strip())
    return found


def test_qemu_guest(guest, tmp_path):
    blob = os.urandom(BLOB_SIZE)
    (tmp_path / "blob").write_bytes(blob)
    with Namespace("vmnet-qemu") as ns:
        server = ns.popen([sys.executable, "-m", "http.server", str(PORT), "--bind", "0.0.0.0",
                           "--directory", str(tmp_path)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_listening(ns, PORT)
            env = ["env", "SUDO_UID=65534", "SUDO_GID=65534", "VMNET_CLIENT=" + CLIENT,
                   "GUEST_KERNEL=" + os.path.join(guest, "vmlinuz"),
                   "GUEST_INITRD=" + os.path.join(guest, "initramfs.gz"),
                   "GUEST_APPEND=guest.fetch=http://%s:%d/blob" % (GATEWAY, PORT)]
            start = time.monotonic()
            cp = ns.run(env + [QEMU_SH, "--start-address", GATEWAY, "--end-address", END,
                               "--subnet-mask", MASK],
                        check=False, timeout=TIMEOUT, errors="replace")
            wall = time.monotonic() - start
            leftovers = [c for c in map(comm, ns.pids()) if c in OURS]
        finally:
            server.kill()
            server.wait()

    out = cp.stdout
    assert cp.returncode == 0, cp.stderr + out[-2000:]
    info = json.loads(out.splitlines()[0])
    found = markers(out)
    assert "FAIL" not in found, found
    # The guest NIC uses the vmnet MAC from the environment.
    assert found["MAC"] == [info["vmnet_mac_address"]]
    # A lease in the helper's range, with the helper's gateway.
    addr = found["IP"][0].split()[0]
    assert ipaddress.ip_address(GATEWAY) < ipaddress.ip_address(addr) <= ipaddress.ip_address(END)
    assert "gateway %s" % GATEWAY in found["IP"][0]
    assert found["PING"][0].startswith("ok"), found["PING"]
    fetch = found["FETCH"][0].split()
    assert fetch[fetch.index("bytes") + 1] == str(BLOB_SIZE)
    assert fetch[fetch.index("sha256") + 1] == hashlib.sha256(blob).hexdigest()
    assert found["DONE"] == ["0"]
    # The guest powered off: QEMU exited, then the helper stopped cleanly.
    assert "stopped vmnet interface" in cp.stderr
    assert leftovers == [], leftovers

    seconds = float(fetch[fetch.index("seconds") + 1])
    ip_at = float(found["IP"][0].rsplit(" at ", 1)[1])
    result = {
        "wall_seconds": round(wall, 1),
        "guest_seconds_to_ip": ip_at,
        "fetch_bytes": BLOB_SIZE,
        "fetch_seconds": seconds,
        "fetch_mbit_per_s": round(BLOB_SIZE * 8 / seconds / 1e6, 1) if seconds > 0 else None,
    }
    path = os.path.join(guest, "last-run.json")
    with open(path, "w") as f:
        json.dump(result, f)
        f.write("\n")
    # The build directory's owner, who may run the tests through sudo, owns it.
    st = os.stat(guest)
    os.chown(path, st.st_uid, st.st_gid)
    print("qemu guest:", json.dumps(result))


def comm(pid):
    """Name of a live process, None for a zombie or a process gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            name, rest = f.read().split("(", 1)[1].rsplit(")", 1)
    except FileNotFoundError:
        return None
    return None if rest.split()[0] == "Z" else name


@pytest.mark.skipif(shutil.which("sudo") is None, reason="sudo not installed")
def test_qemu_guest_as_user_through_sudo_socket_mode(guest, user, prefix, rules, tmpdir_of):
    """The predecessor could not run QEMU with the helper's --socket mode;
    here an unprivileged user without closefrom_override boots the guest:
    the client connects to the helper's socket and hands QEMU that socket
    as fd 4."""
    rules(prefix["rule"])
    root = prefix["root"]
    with Namespace("vmnet-qemu") as ns:
        env = ["env", "TMPDIR=" + tmpdir_of,
               "VMNET_CLIENT=" + os.path.join(prefix["bin"], "vmnet-client"),
               "GUEST_KERNEL=" + readable_copy(root, os.path.join(guest, "vmlinuz")),
               "GUEST_INITRD=" + readable_copy(root, os.path.join(guest, "initramfs.gz"))]
        cp = ns.run(["runuser", "-u", user, "--"] + env +
                    [readable_copy(root, QEMU_SH), "--start-address", GATEWAY, "--end-address", END,
                     "--subnet-mask", MASK],
                    check=False, timeout=TIMEOUT, errors="replace", stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, cp.stderr + cp.stdout[-2000:]
    assert "--socket mode" in cp.stderr
    found = markers(cp.stdout)
    assert "FAIL" not in found, found
    assert found["PING"][0].startswith("ok"), found
    assert found["DONE"] == ["0"]
    assert "stopped vmnet interface" in cp.stderr
    assert os.listdir(tmpdir_of) == []
