# SPDX-License-Identifier: Apache-2.0
"""vmnet-helper: a VM sending from random source addresses cannot grow the
bridge's forwarding database (and kernel memory) without bound.

The flood is the one from issue 9: a random locally administered unicast
destination and source, EtherType 0x88b5 (local experimental), 46 zero
bytes, sent from the VM end of the helper's socket.
"""

import os

import pytest

from test_helper import fd_helper, helpers, taps  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

# The Linux platform's per-interface table (src/linux/vmnet_srcmac.h).
SRCMAC_MAX = 64

FLOOD = 20000


def flood_frame():
    dst = b"\x02" + os.urandom(5)
    src = b"\x02" + os.urandom(5)
    return dst + src + b"\x88\xb5" + bytes(46)


def learned(ns, tap):
    """Addresses the bridge learned from the TAP's port (not its own, permanent ones)."""
    out = ns.run(["bridge", "fdb", "show", "brport", tap]).stdout
    return [line for line in out.splitlines() if "permanent" not in line]


def test_source_address_flood_is_bounded(netns, fd_helper):
    h, vm, info = fd_helper("--operation-mode", "shared")
    assert h.wait_log(r"forwarding, \d+ frames per batch") is not None
    (tap,) = taps(netns)
    vm.sock.settimeout(None)
    for _ in range(FLOOD):
        vm.sock.send(flood_frame())
    # The bridge learned the first addresses only.
    entries = learned(netns, tap)
    assert 0 < len(entries) <= SRCMAC_MAX, len(entries)
    assert h.stop() == 0
    # Frames from the first SRCMAC_MAX addresses passed; the rest were dropped and counted.
    stats = h.final_stats()["vm_to_host"]
    assert stats["packets"] == SRCMAC_MAX
    assert stats["drops"] == FLOOD - SRCMAC_MAX
