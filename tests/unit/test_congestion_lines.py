"""The `ip -batch` lines that put the lab's TCP algorithm on the routes the kernel makes for a
node's addresses (pure text; tests/integration/test_congestion.py checks them on the wire)."""

import ipaddress

from netdojo.net import congestion


def test_connected_and_local_routes_carry_the_algorithm():
    addrs = [("eth0", ipaddress.IPv4Interface("10.0.1.2/24"))]
    assert congestion.connected_lines(addrs, "cubic") == [
        "route replace 10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.2 congctl cubic"]
    local = congestion.local_lines(addrs, "reno")
    assert ("route replace local 10.0.1.2 dev eth0 table local proto kernel scope host "
            "src 10.0.1.2 congctl reno") in local
    # a connection to the node itself (127.0.0.1, the loopback net) follows these
    assert any(" local 127.0.0.0/8 dev lo " in x for x in local)
    assert any(" local 127.0.0.1 dev lo " in x for x in local)
    assert all(x.endswith("congctl reno") for x in local)


def test_a_node_without_addresses_still_marks_its_loopback():
    assert len(congestion.local_lines([], "cubic")) == 2
