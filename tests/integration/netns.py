# SPDX-License-Identifier: Apache-2.0
"""Private network namespaces for integration tests.

Tests must never create network objects in the root namespace (other
people test on the same machine). This module gives each test its own
namespaces and removes them, and every process left inside them, even when
the test fails:

    from netns import Namespace

    with Namespace("vmnet") as ns:
        ns.run(["ip", "addr", "add", "10.0.0.1/24", "dev", "lo"])
        proc = ns.popen(["some-program"], stdout=subprocess.PIPE)

    # or as a pytest fixture
    @pytest.fixture
    def ns():
        with Namespace("mytest") as ns:
            yield ns

Names are unique per process and call ("<prefix>-<pid>-<n>"), so tests
may run in parallel. Everything here needs root.
"""

import itertools
import os
import signal
import subprocess
import time

_COUNTER = itertools.count()

# How long destroy() waits for killed processes to go away.
_KILL_WAIT = 10.0


def unique_name(prefix, limit=None):
    """Return "<prefix>-<pid>-<n>", unique in this process.

    limit: maximum length (15 for interface names); the prefix is cut to fit.
    """
    suffix = f"-{os.getpid()}-{next(_COUNTER)}"
    if limit is not None:
        prefix = prefix[: max(1, limit - len(suffix))]
    return prefix + suffix


class Namespace:
    """A named network namespace (ip netns) with its loopback up."""

    def __init__(self, prefix="test"):
        self.name = unique_name(prefix)
        self.created = False

    def __enter__(self):
        self.create()
        return self

    def __exit__(self, *exc):
        self.destroy()

    def create(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.created = True
        try:
            self.run(["ip", "link", "set", "lo", "up"])
        except BaseException:
            self.destroy()
            raise

    def cmd(self, argv):
        """argv prefixed to run inside the namespace."""
        return ["ip", "netns", "exec", self.name] + [str(a) for a in argv]

    def run(self, argv, check=True, timeout=60, **kwargs):
        """Run argv inside; return the CompletedProcess (text output)."""
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        return subprocess.run(self.cmd(argv), check=check, timeout=timeout, **kwargs)

    def popen(self, argv, **kwargs):
        """Start argv inside; the caller waits for it (destroy() kills it)."""
        return subprocess.Popen(self.cmd(argv), **kwargs)

    def pids(self):
        """Processes running inside the namespace."""
        out = subprocess.run(
            ["ip", "netns", "pids", self.name], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def kill_all(self):
        """SIGKILL every process inside and wait until they are gone."""
        deadline = time.monotonic() + _KILL_WAIT
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)

    def destroy(self):
        """Kill what runs inside, then delete the namespace."""
        if not self.created:
            return
        self.kill_all()
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
        self.created = False

    def links(self):
        """Names of the interfaces inside."""
        out = self.run(["ip", "-o", "link", "show"]).stdout
        return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()]

    def veth(self, other, here, there):
        """Create a veth pair: `here` inside this namespace, `there` in other.

        Both ends are left down and without addresses.
        """
        self.run(["ip", "link", "add", here, "type", "veth", "peer", "name", there])
        self.run(["ip", "link", "set", there, "netns", other.name])
