# SPDX-License-Identifier: Apache-2.0
"""vmnet emulation: interface parameters and every error status.

Each test runs vmnet-probe inside its own network namespace.
"""

import uuid

import pytest

from conftest import (
    VMNET_FAILURE,
    VMNET_INVALID_ARGUMENT,
    VMNET_PACKET_TOO_BIG,
    VMNET_SUCCESS,
    VMNET_TOO_MANY_PACKETS,
    probe_run,
)


def start(ns, *args):
    """Start and stop an interface; return its interface_param."""
    rc, out = probe_run(ns, *args, "start")
    assert rc == 0, out
    assert out[1] == {"stop": VMNET_SUCCESS}
    return out[0]


def is_local_unicast(mac):
    first = int(mac.split(":")[0], 16)
    return first & 0x02 and not first & 0x01


def test_shared_defaults(netns):
    p = start(netns, "--mode", "shared")
    assert p["vmnet_start_address"] == "192.168.64.1"
    assert p["vmnet_end_address"] == "192.168.64.254"
    assert p["vmnet_subnet_mask"] == "255.255.255.0"
    assert p["vmnet_mtu"] == 1500
    assert p["vmnet_max_packet_size"] == 1514
    assert p["vmnet_read_max_packets"] == 256
    assert p["vmnet_write_max_packets"] == 256
    assert is_local_unicast(p["vmnet_mac_address"])
    uuid.UUID(p["vmnet_interface_id"])
    prefix = p["vmnet_nat66_prefix"]
    assert prefix.startswith("fd") and prefix.endswith("::")


def test_host_defaults(netns):
    p = start(netns, "--mode", "host")
    assert p["vmnet_start_address"] == "192.168.128.1"
    assert p["vmnet_end_address"] == "192.168.128.254"
    assert p["vmnet_subnet_mask"] == "255.255.255.0"
    assert "vmnet_nat66_prefix" not in p
    assert p["vmnet_max_packet_size"] == 1514


def test_default_subnet_taken_by_someone_else(netns):
    netns.run(["ip", "link", "add", "other0", "type", "veth", "peer", "name", "other1"])
    netns.run(["ip", "addr", "add", "192.168.128.7/24", "dev", "other0"])
    p = start(netns, "--mode", "host")
    assert p["vmnet_start_address"] == "192.168.129.1"
    assert p["vmnet_end_address"] == "192.168.129.254"


def test_explicit_range(netns):
    p = start(
        netns,
        "--mode", "host",
        "--start", "10.20.30.1",
        "--end", "10.20.30.100",
        "--mask", "255.255.255.0",
    )
    assert p["vmnet_start_address"] == "10.20.30.1"
    assert p["vmnet_end_address"] == "10.20.30.100"
    assert p["vmnet_subnet_mask"] == "255.255.255.0"


def test_explicit_nat66_prefix(netns):
    p = start(netns, "--mode", "shared", "--nat66", "fd12:3456:789a:1::")
    assert p["vmnet_nat66_prefix"] == "fd12:3456:789a:1::"


def test_interface_id_gives_stable_mac(netns):
    ident = str(uuid.uuid4())
    first = start(netns, "--mode", "host", "--id", ident)
    second = start(netns, "--mode", "host", "--id", ident)
    other = start(netns, "--mode", "host")
    assert first["vmnet_interface_id"] == ident
    assert first["vmnet_mac_address"] == second["vmnet_mac_address"]
    assert other["vmnet_mac_address"] != first["vmnet_mac_address"]
    assert other["vmnet_interface_id"] != ident


def test_no_mac_when_not_allocated(netns):
    p = start(netns, "--mode", "shared", "--no-mac")
    assert "vmnet_mac_address" not in p


def test_tso_and_checksum_offload(netns):
    p = start(netns, "--mode", "shared", "--tso", "--checksum-offload")
    assert p["vmnet_max_packet_size"] == 65550


def test_bridged_params(netns):
    netns.run(["ip", "link", "add", "br-user", "type", "bridge"])
    p = start(netns, "--mode", "bridged", "--interface", "br-user")
    assert "vmnet_start_address" not in p
    assert "vmnet_nat66_prefix" not in p
    assert p["vmnet_max_packet_size"] == 1514


RANGE = ["--start", "192.168.90.1", "--end", "192.168.90.254", "--mask", "255.255.255.0"]

INVALID = {
    "unknown mode": ["--mode", "7"],
    "no mode": [],
    "bridged without interface": ["--mode", "bridged"],
    "bridged to missing bridge": ["--mode", "bridged", "--interface", "nosuchbr0"],
    "bridged to loopback": ["--mode", "bridged", "--interface", "lo"],
    "bridged with addresses": ["--mode", "bridged", "--interface", "lo"] + RANGE,
    "bridged with isolation": ["--mode", "bridged", "--interface", "lo", "--isolate"],
    "interface name in host mode": ["--mode", "host", "--interface", "lo"],
    "start only": ["--mode", "host", "--start", "192.168.90.1"],
    "no mask": ["--mode", "shared", "--start", "192.168.90.1", "--end", "192.168.90.9"],
    "bad address": ["--mode", "host", "--start", "192.168.300.1"] + RANGE[2:],
    "end outside subnet": [
        "--mode", "host", "--start", "192.168.90.1", "--end", "192.168.91.9",
        "--mask", "255.255.255.0",
    ],
    "end before start": [
        "--mode", "host", "--start", "192.168.90.9", "--end", "192.168.90.2",
        "--mask", "255.255.255.0",
    ],
    "mask not contiguous": [
        "--mode", "host", "--start", "192.168.90.1", "--end", "192.168.90.9",
        "--mask", "255.0.255.0",
    ],
    "not private": [
        "--mode", "host", "--start", "8.8.8.1", "--end", "8.8.8.9",
        "--mask", "255.255.255.0",
    ],
    "nat66 not ULA": ["--mode", "shared", "--nat66", "2001:db8::"],
    "nat66 not a /64": ["--mode", "shared", "--nat66", "fd00:1:2:3::1"],
    "nat66 in host mode": ["--mode", "host", "--nat66", "fd00:1:2:3::"],
}


@pytest.mark.parametrize("args", INVALID.values(), ids=INVALID.keys())
def test_invalid_description(netns, args):
    rc, out = probe_run(netns, *args, "start")
    assert rc == 2
    assert out == [{"status": VMNET_INVALID_ARGUMENT, "error": "VMNET_INVALID_ARGUMENT"}]


def test_bridged_to_our_own_bridge_is_invalid(netns, guest):
    g = guest(netns, "--mode", "host")
    assert g.started
    ours = [name for name in netns.links() if name.startswith("vmnh")]
    assert len(ours) == 1
    rc, out = probe_run(netns, "--mode", "bridged", "--interface", ours[0], "start")
    assert rc == 2
    assert out[0]["status"] == VMNET_INVALID_ARGUMENT
    g.stop()


def test_not_root_fails(netns):
    rc, out = probe_run(netns, "--mode", "shared", "start", user=65534)
    assert rc == 2
    assert out == [{"status": VMNET_FAILURE, "error": "VMNET_FAILURE"}]
    assert not [name for name in netns.links() if name.startswith("vm")]


@pytest.mark.parametrize("extra", [[], ["--tso"]], ids=["plain", "tso"])
def test_read_write_errors(netns, extra):
    rc, out = probe_run(netns, "--mode", "shared", *extra, "errors")
    assert rc == 0, out
    r = out[1]
    assert r["read_small_size"] == {"status": VMNET_INVALID_ARGUMENT, "count": 0}
    assert r["read_small_iov"] == {"status": VMNET_INVALID_ARGUMENT, "count": 0}
    assert r["read_too_many"]["status"] == VMNET_TOO_MANY_PACKETS
    assert r["read_empty"] == {"status": VMNET_SUCCESS, "count": 0}
    assert r["write_too_big"] == {"status": VMNET_PACKET_TOO_BIG, "count": 0}
    assert r["write_runt"] == {"status": VMNET_INVALID_ARGUMENT, "count": 0}
    assert r["write_two_iovecs"] == {"status": VMNET_INVALID_ARGUMENT, "count": 0}
    assert r["write_partial"] == {"status": VMNET_PACKET_TOO_BIG, "count": 2}
    if extra:
        # A largest frame that is not a TCP segment: TSO refuses it (its
        # headers do not describe it), after the two small frames before it.
        assert r["write_max"] == {"status": VMNET_INVALID_ARGUMENT, "count": 2}
    else:
        assert r["write_max"] == {"status": VMNET_SUCCESS, "count": 3}
    assert r["write_too_many"]["status"] == VMNET_TOO_MANY_PACKETS
    assert r["callback_without_block"]["status"] == VMNET_INVALID_ARGUMENT
    assert r["stop"]["status"] == VMNET_SUCCESS
    assert r["read_after_stop"]["status"] == VMNET_INVALID_ARGUMENT
    assert r["write_after_stop"]["status"] == VMNET_INVALID_ARGUMENT
    assert r["stop_again"]["status"] == VMNET_INVALID_ARGUMENT


@pytest.mark.parametrize("mode", ["host", "shared"])
def test_events_repeat_while_frames_wait_and_stop_when_cleared(netns, mode):
    rc, out = probe_run(netns, "--mode", mode, "events")
    assert rc == 0, out
    r = out[1]
    # One read per event still drains all five replies: events re-fire.
    assert r["arp_replies"] == 5
    assert r["events"] >= 5
    # Frames kept arriving after the callback was cleared, events did not.
    assert r["frames_after_clear"] >= 1
    assert r["events_after_clear"] == 0
    # The estimate counts the frames waiting: the replies to 8 requests,
    # and no more than were read after it (other traffic may add some).
    assert 8 <= r["queued_estimate"] <= r["frames_after_clear"]


@pytest.mark.parametrize("mode", ["host", "shared"])
def test_stop_from_event_callback_waiting_for_its_handler(netns, mode):
    # The callback may run on the poller's own thread: a stop it waits for
    # must not wait for that thread in turn.
    rc, out = probe_run(netns, "--mode", mode, "stop-in-event")
    assert rc == 0, out
    assert out[1] == {"stop": VMNET_SUCCESS}
