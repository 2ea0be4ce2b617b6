# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the integration tests.

The platform tests drive the vmnet emulation through build/tools/vmnet-probe
(see tests/tools/vmnet-probe.c), always inside a network namespace the test
created (netns.py), so nothing touches the root namespace.
"""

import json
import os
import queue
import subprocess
import threading

import pytest

from netns import Namespace

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The build directory under test: make passes its own (build-san for the
# sanitizer run, see docs/testing.md).
BUILD = os.environ.get("VMNET_BUILD", os.path.join(REPO, "build"))
PROBE = os.path.join(BUILD, "tools", "vmnet-probe")

# How long to wait for an expected frame or for a probe to finish. Only a
# bound for failures: tests never assert how long anything takes.
WAIT = 10.0

VMNET_SUCCESS = 1000
VMNET_FAILURE = 1001
VMNET_INVALID_ARGUMENT = 1003
VMNET_SETUP_INCOMPLETE = 1004
VMNET_PACKET_TOO_BIG = 1006
VMNET_TOO_MANY_PACKETS = 1008


@pytest.fixture
def netns():
    """A fresh network namespace, removed with everything in it."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    with Namespace("vmnet-test") as ns:
        yield ns


@pytest.fixture
def make_netns():
    """Factory for more namespaces; all are removed after the test."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    made = []

    def make(prefix="vmnet-test"):
        ns = Namespace(prefix)
        ns.create()
        made.append(ns)
        return ns

    yield make
    for ns in reversed(made):
        ns.destroy()


def probe_run(ns, *args, user=None):
    """Run vmnet-probe to completion inside ns.

    Returns (exit status, list of JSON values printed on stdout).
    """
    argv = [PROBE] + list(args)
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] + argv
    result = ns.run(argv, check=False, timeout=WAIT * 3)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.returncode, lines


def state_dir(ns):
    """The vmnet emulation's state directory for namespace ns."""
    return f"/run/vmnet-linux/{os.stat('/run/netns/' + ns.name).st_ino}"


def our_bridges(ns):
    """Names of the emulation's bridges in ns."""
    return sorted(name for name in ns.links() if name.startswith("vmn"))


class Guest:
    """A running `vmnet-probe serve`: a VM NIC on a vmnet interface.

    send() writes a frame; recv() waits for a received frame matching a
    predicate (scapy Ether in, bool out). param is the interface_param.
    """

    def __init__(self, ns, args):
        self.proc = ns.popen(
            [PROBE] + list(args) + ["serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        first = self.lines.get(timeout=WAIT * 3)
        if first is None:
            raise RuntimeError("vmnet-probe exited before printing its parameters")
        self.param = json.loads(first)
        self.summary = None

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    @property
    def started(self):
        return "status" not in self.param

    def send(self, frame):
        self.proc.stdin.write(bytes(frame).hex() + "\n")
        self.proc.stdin.flush()

    def recv(self, match, wait=WAIT):
        """The first received frame for which match(frame) is true, or None."""
        from scapy.all import Ether

        try:
            while True:
                line = self.lines.get(timeout=wait)
                if line is None:
                    return None
                if line.startswith("rx "):
                    frame = Ether(bytes.fromhex(line[3:]))
                    if match(frame):
                        return frame
                elif line.startswith("{"):
                    self.summary = json.loads(line)
        except queue.Empty:
            return None

    def stop(self):
        """End of input: the probe stops the interface and prints a summary."""
        if self.proc.poll() is None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        self.proc.wait(timeout=WAIT * 3)
        while self.summary is None:
            line = self.lines.get(timeout=WAIT)
            if line is None:
                break
            if line.startswith("{"):
                self.summary = json.loads(line)
        return self.summary

    def kill(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def guest():
    """Factory: guest(ns, *probe_args) starts a Guest; all are killed after."""
    started = []

    def start(ns, *args):
        g = Guest(ns, args)
        started.append(g)
        return g

    yield start
    # Stop gracefully so the network goes with the last interface; kill
    # what does not stop (the namespace's removal then takes the rest).
    for g in started:
        try:
            g.stop()
        except Exception:
            g.kill()
