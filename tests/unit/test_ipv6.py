"""IPv6 in a topology and the radvd service's config: pure logic, no kernel (the live lab is
tests/integration/test_labs.py's ipv6 rows)."""

from __future__ import annotations

import ipaddress

import pytest

from netdojo.errors import SpecError
from netdojo.labs.catalog import find_lab
from netdojo.labs.checks import load_checks
from netdojo.services.radvd import render_conf
from netdojo.topo import parse_topology
from netdojo.topo.serialize import from_dict, to_dict

TWO = "nodes:\n  h1: {}\n  h2: {}\nlinks:\n  - {endpoints: [h1, h2]}\n"


def test_ipv6_is_off_unless_a_topology_asks_and_survives_a_round_trip():
    assert parse_topology(TWO, "t.yaml").ipv6 is False
    t = parse_topology("ipv6: true\n" + TWO, "t.yaml")
    assert t.ipv6 is True and from_dict(to_dict(t)).ipv6 is True


def test_ipv6_must_be_a_boolean_named_with_its_line():
    with pytest.raises(SpecError) as e:
        parse_topology("ipv6: yes please\n" + TWO, "bad.yaml")
    assert str(e.value).startswith("bad.yaml:1:") and "ipv6 is true or false" in str(e.value)


def test_radvd_advertises_only_the_given_prefixes_every_few_seconds():
    conf = render_conf({"eth0": "fd5e:c7a1:42b0:1::/64"}, ["eth0", "eth1"])
    eth0, eth1 = conf.split("interface eth1")
    assert "AdvSendAdvert on" in eth0 and "prefix fd5e:c7a1:42b0:1::/64" in eth0
    assert "AdvAutonomous on" in eth0 and "MaxRtrAdvInterval 10" in eth0
    assert "AdvSendAdvert off" in eth1 and "prefix" not in eth1
    assert "AdvSendAdvert on" not in render_conf({}, ["eth0"])  # silent until a prefix is given


def test_eui64_makes_the_address_rfc_4291_describes():
    lab = find_lab("ipv6")
    eui64 = load_checks(lab.dir / "checks.py", lab.id).module.eui64
    net = ipaddress.IPv6Network("fd12:3456:789a:1::/64")
    assert str(eui64(net, "52:54:00:12:34:56")) == "fd12:3456:789a:1:5054:ff:fe12:3456"
    # the universal/local bit flips both ways: a locally administered 02 becomes 00
    assert str(eui64(net, "02:00:5e:10:00:01")) == "fd12:3456:789a:1:0:5eff:fe10:1"
