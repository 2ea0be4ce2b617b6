# SPDX-License-Identifier: Apache-2.0
"""The README's examples run as root: `sudo vmnet-helper --socket PATH`
from a root shell (sudo sets SUDO_UID=0) and vmnet-client without sudo.
The helper drops to nobody and forwards (the socket file it creates after
the drop is nobody's; the VM stand-in gets ARP answers)."""

import json
import os
import pwd
import subprocess
import sys
import time

import pytest

from netns import Namespace
from test_client import RANGE, SELF, WAIT
from test_helper import HELPER, VM, bound_client, sockdir, vm_ip  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

CLIENT = os.path.join(os.path.dirname(HELPER), "vmnet-client")


def test_sudo_socket_example_from_root_shell(sockdir):  # noqa: F811
    """The helper as `sudo` starts it from a root shell: with the
    environment sudo gives a root caller. (Not sudo itself: the README's
    own test runs the suite as root on a machine without sudo for root.)"""
    nobody = pwd.getpwnam("nobody")
    path = os.path.join(sockdir, "vm.sock")
    env = dict(os.environ, SUDO_UID="0", SUDO_GID="0", SUDO_USER="root",
               SUDO_COMMAND="%s --socket %s" % (HELPER, path))
    with Namespace("vmnet-root") as ns:
        proc = ns.popen([HELPER, "--socket", path], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True, env=env)
        try:
            info = json.loads(proc.stdout.readline())
            deadline = time.monotonic() + WAIT
            while not os.path.exists(path) and proc.poll() is None and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
            assert os.lstat(path).st_uid == nobody.pw_uid
            c = bound_client(sockdir)
            c.connect(path)
            vm = VM(c, ip=vm_ip(info))
            assert vm.arp(info["vmnet_start_address"], vm.ip) is not None
            c.close()
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert "running as uid %d gid %d" % (nobody.pw_uid, nobody.pw_gid) in err
    assert not os.path.exists(path)


def test_client_as_root_without_sudo():
    """vmnet-client run by root starts the helper directly, without SUDO_*."""
    nobody = pwd.getpwnam("nobody")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUDO_")}
    with Namespace("vmnet-root") as ns:
        cp = subprocess.run(ns.cmd([CLIENT] + RANGE + ["--", sys.executable, SELF, "ping"]),
                            capture_output=True, text=True, timeout=WAIT, env=env)
    assert cp.returncode == 0, cp.stderr
    assert "PING-OK" in cp.stdout.splitlines()[1:], cp.stdout + cp.stderr
    assert "running as uid %d gid %d" % (nobody.pw_uid, nobody.pw_gid) in cp.stderr
