# SPDX-License-Identifier: Apache-2.0
"""vmnet-run: vmnet-client under the predecessor's name (nirs/vmnet-helper
renamed its client vmnet-run in v0.11.0; its guides call .../bin/vmnet-run).
The same program, and its options a superset of the predecessor's."""

import json
import os
import re
import subprocess
import sys

import pytest

from netns import Namespace
from test_client import DROP_ENV, GATEWAY, RANGE, SELF, WAIT

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VMNET_BUILD", os.path.join(REPO, "build"))
RUN = os.path.join(BUILD, "vmnet-run")
CLIENT = os.path.join(BUILD, "vmnet-client")
HELPER = os.path.join(BUILD, "vmnet-helper")

# Every option of the predecessor's vmnet-run (programs/run.c, v0.13.0):
# (name, takes an argument).
PREDECESSOR = [
    ("interface-id", True), ("operation-mode", True), ("shared-interface", True),
    ("start-address", True), ("end-address", True), ("subnet-mask", True),
    ("network-id", True), ("host-ip-address", True), ("host-subnet-mask", True),
    ("enable-tso", False), ("enable-checksum-offload", False), ("enable-isolation", False),
    ("network", True), ("stats-interval", True), ("verbose", False), ("version", False),
    ("help", False),
]

pytestmark = pytest.mark.skipif(not os.access(RUN, os.X_OK), reason="vmnet-run not built")


def long_options(help_text):
    return set(re.findall(r"--([a-z0-9-]+)", help_text))


def test_vmnet_run_is_vmnet_client():
    with open(RUN, "rb") as a, open(CLIENT, "rb") as b:
        assert a.read() == b.read()


def helper_options():
    return long_options(subprocess.run([HELPER, "--help"], capture_output=True, text=True,
                                       check=True).stdout)


@pytest.mark.parametrize("name,has_arg", PREDECESSOR)
def test_option_of_the_predecessor_is_accepted(name, has_arg):
    """Each option vmnet-run had is a vmnet-run option here, with the same
    arity: the client's own, or a helper option it passes through."""
    if name in ("network", "network-id", "host-ip-address", "host-subnet-mask") and \
            name not in helper_options():
        pytest.skip("--%s is a helper option this build of vmnet-helper does not have" % name)
    cp = subprocess.run([RUN, "--help"], capture_output=True, text=True, check=True)
    line = [ln for ln in cp.stdout.splitlines() if re.search(r"--%s\b(?!-)" % name, ln)]
    assert line, "--%s missing from vmnet-run --help" % name
    shown_with_arg = re.search(r"--%s [A-Z]" % name, line[0]) is not None
    assert shown_with_arg == has_arg, line[0]


def test_version_form():
    cp = subprocess.run([RUN, "--version"], capture_output=True, text=True, check=True)
    assert re.fullmatch(r"version: \S+\ncommit: [0-9a-f]{40}\n", cp.stdout), cp.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")
def test_predecessor_command_line_forwards(tmp_path):
    """A command line as the predecessor's guides write it: helper options,
    then '--' and a command that uses the socket on fd 4."""
    args = ["--interface-id", "3f7d6c1e-8a0b-4c1d-9e2f-0a1b2c3d4e5f",
            "--operation-mode", "shared"] + RANGE + ["--stats-interval", "1", "-v"]
    with Namespace("vmnet-run") as ns:
        env = ["env"] + ["%s=%s" % kv for kv in DROP_ENV.items()]
        cp = subprocess.run(ns.cmd(env + [RUN] + args + ["--", sys.executable, SELF, "ping"]),
                            capture_output=True, text=True, timeout=WAIT)
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.splitlines()
    info = json.loads(lines[0])
    assert info["vmnet_start_address"] == GATEWAY
    assert info["vmnet_interface_id"].lower() == "3f7d6c1e-8a0b-4c1d-9e2f-0a1b2c3d4e5f"
    assert "PING-OK" in lines[1:], cp.stdout + cp.stderr
    assert "stopped vmnet interface" in cp.stderr
