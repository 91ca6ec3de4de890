import pytest

from netdojo.topo import bus, linear, mesh, ring, star, tree
from netdojo.topo.addressing import plan_addresses
from netdojo.topo.routing import path_links, plan_routes


def kinds(t):
    out = {}
    for n in t.nodes.values():
        out[n.kind] = out.get(n.kind, 0) + 1
    return out


def test_counts():
    assert kinds(linear(4)) == {"switch": 4, "host": 4} and len(linear(4).links) == 7
    assert kinds(star(5)) == {"switch": 1, "host": 5} and len(star(5).links) == 5
    assert kinds(tree(2, 3)) == {"switch": 4, "host": 9} and len(tree(2, 3).links) == 12
    b = bus(4)
    assert b.nodes["bus"].hub and len(b.links) == 4
    assert kinds(ring(5)) == {"router": 5, "host": 5} and len(ring(5).links) == 10
    assert len(mesh(5).links) == 5 + 10  # host links + n(n-1)/2
    assert 5 + 5 < len(mesh(6, "partial").links) < 6 + 15


@pytest.mark.parametrize("topo", [linear(3), star(4), bus(3), tree(2, 2), ring(5), mesh(4),
                                  mesh(7, "partial")])
def test_every_host_pair_has_a_path(topo):
    addr = plan_addresses(topo)
    plan = plan_routes(topo, addr)
    hosts = topo.hosts()
    for a in hosts:
        for b in hosts:
            if a != b:
                links = path_links(topo, addr, plan, a, b)
                assert links[0].a.node == a or links[0].b.node == a
                assert b in (links[-1].a.node, links[-1].b.node)


def test_ring_takes_the_short_way_round():
    t = ring(6)
    addr = plan_addresses(t)
    plan = plan_routes(t, addr)
    # h1 -> h6: r1 and r6 are neighbours, so 3 links, not 7
    assert len(path_links(t, addr, plan, "h1", "h6")) == 3
    assert len(path_links(t, addr, plan, "h1", "h4")) == 5  # opposite side: 3 router hops


def test_generator_link_params_apply():
    t = star(2, profile="wan", delay=7)
    assert all(lk.params.delay == 7 and lk.params.bw == 10 for lk in t.links)


def test_bad_generator_args():
    with pytest.raises(ValueError):
        ring(2)
    with pytest.raises(ValueError):
        mesh(4, "sparse")


def _ports(t, a, b):
    lk = next(lk for lk in t.links if {lk.a.node, lk.b.node} == {a, b})
    return frozenset({(lk.a.node, lk.a.ifname), (lk.b.node, lk.b.ifname)})


def test_routers_route_around_a_failed_link_and_a_failed_router():
    t = ring(4)
    addr = plan_addresses(t)
    cut = plan_routes(t, addr, down=_ports(t, "r1", "r2"))
    # h1 -> h2 now goes the long way: r1, r4, r3, r2
    assert len(path_links(t, addr, cut, "h1", "h2")) == 5
    r2_ports = frozenset((lk.endpoint("r2").node, lk.endpoint("r2").ifname)
                         for lk in t.links if "r2" in (lk.a.node, lk.b.node))
    off = plan_routes(t, addr, down=r2_ports)
    h2_net = addr.segment_of[next(k for k in addr.ips if k[0] == "h2")].subnet
    assert all(rt.dst != h2_net for rt in off.routes["r1"])  # nothing left leads to h2
    assert len(path_links(t, addr, off, "h1", "h3")) == 4  # r1, r4, r3: around r2
