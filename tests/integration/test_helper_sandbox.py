# SPDX-License-Identifier: Apache-2.0
"""vmnet-helper on Linux: no new privileges and a seccomp allow-list once
forwarding runs; a forbidden system call ends the helper (SIGSYS) and the
platform's keeper still removes everything.

The violation comes from the test hook VMNET_HELPER_TEST_SANDBOX=violate
(include/sandbox.h): the helper calls socket() right after the filter is in
place.
"""

import os
import signal
import socket

import pytest

from test_helper import USER, Helper, fd_helper, helpers, proc_status  # noqa: F401 (fixtures)
from test_helper_teardown import wait_everything_gone

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

# /proc/PID/status "Seccomp": 2 is filter mode.
SECCOMP_MODE_FILTER = "2"


def test_sandboxed_while_forwarding(fd_helper):
    h, vm, info = fd_helper("-v")
    assert h.wait_log(r"system call filter installed") is not None
    tasks = os.listdir(f"/proc/{h.pid}/task")
    assert len(tasks) > 1
    # Every thread: the filter was synchronised to all of them.
    for task in tasks:
        st = proc_status(h.pid, task)
        assert st["NoNewPrivs"] == ["1"], task
        assert st["Seccomp"] == [SECCOMP_MODE_FILTER], task
    # Forwarding, stats and the shutdown still work inside it.
    h.proc.send_signal(signal.SIGUSR1)
    assert h.wait_log(r"\[stats\] ") is not None
    assert h.stop() == 0
    assert h.final_stats()["host_to_vm"]["read_calls"] > 0


def test_violation_kills_and_everything_is_removed(netns):
    vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    h = Helper(netns, ["--fd", helper_end.fileno(), "--operation-mode", "shared"],
               pass_fds=(helper_end.fileno(),), extra_env={"VMNET_HELPER_TEST_SANDBOX": "violate"})
    try:
        helper_end.close()
        assert h.info()["vmnet_start_address"]
        assert h.proc.wait(timeout=30) == -signal.SIGSYS
        wait_everything_gone(netns)
    finally:
        h.kill()
        vm_end.close()
