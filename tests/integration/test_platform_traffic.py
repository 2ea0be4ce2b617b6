# SPDX-License-Identifier: Apache-2.0
"""vmnet emulation: real frames between a guest and the kernel.

The guest is vmnet-probe serving frames over stdin/stdout (conftest.Guest);
scapy builds and parses them. Every test runs in its own namespaces.
"""

import json
import os

from scapy.all import ARP, BOOTP, DHCP, ICMP, IP, UDP, Ether
from scapy.layers.inet6 import (
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6NDOptDstLLAddr,
    IPv6,
)

from conftest import PROBE, VMNET_SUCCESS, our_bridges, state_dir

BROADCAST = "ff:ff:ff:ff:ff:ff"


def host_addr(param, n):
    """The n-th address after the gateway."""
    a, b, c, d = (int(x) for x in param["vmnet_start_address"].split("."))
    return f"{a}.{b}.{c}.{d + n}"


def arp_request(mac, ip, target):
    return Ether(src=mac, dst=BROADCAST) / ARP(op=1, hwsrc=mac, psrc=ip, pdst=target)


def is_arp_reply(ip):
    return lambda f: ARP in f and f[ARP].op == 2 and f[ARP].psrc == ip


def resolve(g, ip, target):
    """ARP for target from ip; return the MAC in the reply."""
    g.send(arp_request(g.param["vmnet_mac_address"], ip, target))
    reply = g.recv(is_arp_reply(target))
    assert reply is not None, f"no ARP reply from {target}"
    return reply[ARP].hwsrc


def ping(g, ip, gw_mac, target, ident):
    g.send(
        Ether(src=g.param["vmnet_mac_address"], dst=gw_mac)
        / IP(src=ip, dst=target)
        / ICMP(type=8, id=ident, seq=1)
        / b"vmnet-probe"
    )
    return g.recv(
        lambda f: ICMP in f and f[ICMP].type == 0 and f[ICMP].id == ident and f[IP].src == target
    )


def test_arp_and_ping_gateway(netns, guest):
    g = guest(netns, "--mode", "host")
    gw = g.param["vmnet_start_address"]
    ip = host_addr(g.param, 9)
    gw_mac = resolve(g, ip, gw)
    reply = ping(g, ip, gw_mac, gw, 0x1234)
    assert reply is not None
    assert reply[IP].dst == ip
    assert reply[Ether].dst == g.param["vmnet_mac_address"]
    summary = g.stop()
    assert summary["stop"] == VMNET_SUCCESS
    # Frames arrived through the event callback, with an estimate >= 1.
    assert summary["events"] >= 1
    assert summary["min_estimate"] >= 1


def test_ipv6_ping_gateway_shared(netns, guest):
    g = guest(netns, "--mode", "shared")
    mac = g.param["vmnet_mac_address"]
    prefix = g.param["vmnet_nat66_prefix"]
    me, gw = prefix + "9", prefix + "1"
    gw_mac = resolve(g, host_addr(g.param, 9), g.param["vmnet_start_address"])
    g.send(Ether(src=mac, dst=gw_mac) / IPv6(src=me, dst=gw) / ICMPv6EchoRequest(id=77, seq=1))
    # The gateway resolves us before it answers from its ULA address.
    ns = g.recv(lambda f: ICMPv6ND_NS in f and f[ICMPv6ND_NS].tgt == me)
    assert ns is not None, "no neighbor solicitation"
    g.send(
        Ether(src=mac, dst=ns[Ether].src)
        / IPv6(src=me, dst=ns[IPv6].src)
        / ICMPv6ND_NA(tgt=me, R=0, S=1, O=1)
        / ICMPv6NDOptDstLLAddr(lladdr=mac)
    )
    reply = g.recv(lambda f: ICMPv6EchoReply in f and f[ICMPv6EchoReply].id == 77)
    assert reply is not None
    assert reply[IPv6].src == gw


def dhcp_frame(mac, kind, extra=()):
    chaddr = bytes.fromhex(mac.replace(":", ""))
    return (
        Ether(src=mac, dst=BROADCAST)
        / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / BOOTP(chaddr=chaddr, xid=0x5EED, flags=0x8000)
        / DHCP(options=[("message-type", kind)] + list(extra) + ["end"])
    )


def dhcp_reply(kind):
    return lambda f: (
        DHCP in f
        and f[BOOTP].xid == 0x5EED
        and ("message-type", kind) in [o for o in f[DHCP].options if isinstance(o, tuple)]
    )


def in_range(param, ip):
    def n(a):
        return int.from_bytes(bytes(int(x) for x in a.split(".")), "big")

    return n(param["vmnet_start_address"]) < n(ip) <= n(param["vmnet_end_address"])


def test_dhcp_lease_in_range(netns, guest):
    g = guest(netns, "--mode", "shared")
    mac = g.param["vmnet_mac_address"]
    g.send(dhcp_frame(mac, "discover"))
    offer = g.recv(dhcp_reply(2))  # DHCPOFFER
    assert offer is not None, "no DHCPOFFER"
    ip = offer[BOOTP].yiaddr
    assert in_range(g.param, ip)
    assert offer[IP].src == g.param["vmnet_start_address"]
    g.send(
        dhcp_frame(
            mac,
            "request",
            [("requested_addr", ip), ("server_id", g.param["vmnet_start_address"])],
        )
    )
    ack = g.recv(dhcp_reply(5))  # DHCPACK
    assert ack is not None, "no DHCPACK"
    assert ack[BOOTP].yiaddr == ip
    options = dict(o for o in ack[DHCP].options if isinstance(o, tuple) and len(o) == 2)
    assert options["router"] == g.param["vmnet_start_address"]
    assert options["subnet_mask"] == g.param["vmnet_subnet_mask"]
    # dnsmasq keeps its lease file in the network's state directory.
    (bridge,) = our_bridges(netns)
    with open(os.path.join(state_dir(netns), bridge, "dnsmasq.leases")) as f:
        assert f"{mac} {ip} " in f.read()


def test_shared_nat_to_outside(netns, make_netns, guest):
    outside = make_netns("vmnet-out")
    netns.veth(outside, "up0", "down0")
    netns.run(["ip", "addr", "add", "10.99.0.1/24", "dev", "up0"])
    netns.run(["ip", "link", "set", "up0", "up"])
    outside.run(["ip", "addr", "add", "10.99.0.2/24", "dev", "down0"])
    outside.run(["ip", "link", "set", "down0", "up"])
    # outside has no route to the guest subnet: only a masqueraded echo
    # request can be answered.
    g = guest(netns, "--mode", "shared")
    ip = host_addr(g.param, 20)
    gw_mac = resolve(g, ip, g.param["vmnet_start_address"])
    reply = ping(g, ip, gw_mac, "10.99.0.2", 0x4242)
    assert reply is not None, "no echo reply through NAT"
    assert reply[IP].dst == ip
    # The table is named after the bridge and holds the masquerade rule.
    ruleset = netns.run(["nft", "list", "ruleset"]).stdout
    assert "masquerade" in ruleset
    assert netns.run(["cat", "/proc/sys/net/ipv4/ip_forward"]).stdout.strip() == "1"


def test_host_mode_has_no_nat(netns, make_netns, guest):
    g = guest(netns, "--mode", "host")
    assert "masquerade" not in netns.run(["nft", "list", "ruleset"]).stdout
    g.stop()


def broadcast_marker(g, ip, marker):
    g.send(
        Ether(src=g.param["vmnet_mac_address"], dst=BROADCAST)
        / IP(src=ip, dst="255.255.255.255")
        / UDP(sport=9999, dport=9999)
        / marker
    )


def has_marker(marker):
    return lambda f: UDP in f and bytes(f[UDP].payload) == marker


def test_host_mode_isolation(netns, guest):
    a = guest(netns, "--mode", "host", "--isolate")
    b = guest(netns, "--mode", "host", "--isolate")
    gw = a.param["vmnet_start_address"]
    assert netns.run(["bridge", "-d", "link", "show"]).stdout.count("isolated on") == 2
    # Both still reach the host.
    resolve(a, host_addr(a.param, 10), gw)
    resolve(b, host_addr(b.param, 11), gw)
    # A's broadcast reaches the host (the gateway answers ARP) but not B.
    broadcast_marker(a, host_addr(a.param, 10), b"isolated")
    assert b.recv(has_marker(b"isolated"), wait=2) is None


def test_host_mode_without_isolation_floods(netns, guest):
    a = guest(netns, "--mode", "host")
    b = guest(netns, "--mode", "host")
    assert a.param["vmnet_start_address"] == b.param["vmnet_start_address"]
    broadcast_marker(a, host_addr(a.param, 10), b"shared")
    assert b.recv(has_marker(b"shared")) is not None


def test_bridged_to_user_bridge(netns, guest):
    netns.run(["ip", "link", "add", "br-user", "type", "bridge"])
    netns.run(["ip", "addr", "add", "10.77.0.1/24", "dev", "br-user"])
    netns.run(["ip", "link", "set", "br-user", "up"])
    g = guest(netns, "--mode", "bridged", "--interface", "br-user")
    assert resolve(g, "10.77.0.5", "10.77.0.1") is not None
    ports = netns.run(["ip", "-o", "link", "show", "master", "br-user"]).stdout
    assert len(ports.splitlines()) == 1
    assert g.stop()["stop"] == VMNET_SUCCESS
    # The user's bridge stays; only our port is gone.
    assert "br-user" in netns.links()
    assert netns.run(["ip", "-o", "link", "show", "master", "br-user"]).stdout == ""


def test_shared_interface_list(netns, guest):
    netns.run(["ip", "link", "add", "br-user", "type", "bridge"])
    netns.run(["ip", "link", "add", "vethx0", "type", "veth", "peer", "name", "vethx1"])
    g = guest(netns, "--mode", "host")
    assert g.started
    out = netns.run([PROBE, "list"]).stdout
    assert json.loads(out) == ["br-user"]

