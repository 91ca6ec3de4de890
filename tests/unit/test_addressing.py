import ipaddress

import pytest

from netdojo.errors import SpecError
from netdojo.topo import Topology, parse_topology
from netdojo.topo.addressing import plan_addresses
from netdojo.topo.validate import validate


def test_one_subnet_per_segment_and_point_to_point():
    t = parse_topology("""
nodes: {h1: {}, h2: {}, s1: {kind: switch}, r1: {kind: router}, r2: {kind: router}, h3: {}}
links:
  - {endpoints: [h1, s1]}
  - {endpoints: [h2, s1]}
  - {endpoints: [r1, s1]}
  - {endpoints: [r1, r2]}
  - {endpoints: [r2, h3]}
""")
    a = plan_addresses(t)
    assert len(a.segments) == 3
    nets = {a.segment_of[("h1", "eth0")].subnet, a.segment_of[("r1", "eth1")].subnet}
    assert len(nets) == 2
    assert a.segment_of[("h1", "eth0")] is a.segment_of[("h2", "eth0")]
    assert len({ip.ip for ip in a.ips.values()}) == len(a.ips)  # no duplicates


def test_switch_subnet_and_explicit_ip_are_kept():
    t = parse_topology("""
nodes: {h1: {}, h2: {}, s1: {kind: switch, subnet: 192.0.2.0/24}}
links:
  - {endpoints: [h1, s1], ips: {h1: 192.0.2.50/24}}
  - {endpoints: [h2, s1]}
""")
    a = plan_addresses(t)
    assert str(a.ips[("h1", "eth0")]) == "192.0.2.50/24"
    assert a.ips[("h2", "eth0")].ip in ipaddress.IPv4Network("192.0.2.0/24")
    assert str(a.ips[("h2", "eth0")].ip) != "192.0.2.50"


def test_big_segment_gets_a_bigger_subnet():
    t = Topology("big").add_switch("s")
    for i in range(300):
        t.add_host(f"h{i}").add_link(f"h{i}", "s")
    validate(t)
    assert plan_addresses(t).segments[0].subnet.prefixlen == 23


def test_pool_exhaustion_is_reported():
    with pytest.raises(SpecError, match="exhausted"):
        parse_topology("""
pool: 10.0.0.0/24
nodes: {a: {}, b: {}, c: {}}
links: [{endpoints: [a, b]}, {endpoints: [b, c]}]
""")


def test_conflicting_subnets_in_one_segment():
    with pytest.raises(SpecError, match="different subnets"):
        parse_topology("""
nodes: {a: {}, b: {}, s: {kind: switch}}
links:
  - {endpoints: [a, s], ips: {a: 10.1.0.1/24}}
  - {endpoints: [b, s], ips: {b: 10.2.0.1/24}}
""")
