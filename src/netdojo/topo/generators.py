"""The classic topologies as Python builders.  Each returns a validated Topology.

Layer-2 shapes (tree, bus, star, linear) use switches; loops (ring, mesh) use routers, because
bridges here run without STP and a switch loop would storm.  Every router in a ring or mesh
has one host behind it so there is something to ping.
"""

from __future__ import annotations

from typing import Any

from netdojo.topo.model import Topology
from netdojo.topo.validate import validate


def _done(topo: Topology) -> Topology:
    return validate(topo)


def linear(n: int, **link: Any) -> Topology:
    """Mininet's linear,N: a chain of n switches, one host on each."""
    t = Topology(f"linear{n}")
    for i in range(1, n + 1):
        t.add_switch(f"s{i}").add_host(f"h{i}").add_link(f"h{i}", f"s{i}", **link)
        if i > 1:
            t.add_link(f"s{i - 1}", f"s{i}", **link)
    return _done(t)


def star(n: int, **link: Any) -> Topology:
    """n hosts on one switch."""
    t = Topology(f"star{n}").add_switch("s1")
    for i in range(1, n + 1):
        t.add_host(f"h{i}").add_link(f"h{i}", "s1", **link)
    return _done(t)


def bus(n: int, **link: Any) -> Topology:
    """n hosts on a shared medium: a hub that floods every frame to every port."""
    t = Topology(f"bus{n}").add_switch("bus", hub=True)
    for i in range(1, n + 1):
        t.add_host(f"h{i}").add_link(f"h{i}", "bus", **link)
    return _done(t)


def tree(depth: int, fanout: int, **link: Any) -> Topology:
    """Mininet's tree: switches `depth` levels deep, `fanout` children each, hosts at leaves."""
    t = Topology(f"tree{depth}x{fanout}")
    counters = {"s": 0, "h": 0}

    def grow(level: int) -> str:
        if level == depth:
            counters["h"] += 1
            name = f"h{counters['h']}"
            t.add_host(name)
            return name
        counters["s"] += 1
        name = f"s{counters['s']}"
        t.add_switch(name)
        for _ in range(fanout):
            t.add_link(name, grow(level + 1), **link)
        return name

    grow(0)
    return _done(t)


def ring(n: int, **link: Any) -> Topology:
    """n routers in a cycle, each with one host."""
    if n < 3:
        raise ValueError("a ring needs at least 3 routers")
    t = Topology(f"ring{n}")
    for i in range(1, n + 1):
        t.add_router(f"r{i}").add_host(f"h{i}").add_link(f"h{i}", f"r{i}")
    for i in range(1, n + 1):
        t.add_link(f"r{i}", f"r{i % n + 1}", **link)
    return _done(t)


def mesh(n: int, kind: str = "full", **link: Any) -> Topology:
    """n routers, each with a host; full = every pair linked, partial = a ring plus chords
    to the router opposite (so some pairs need two hops)."""
    if kind not in ("full", "partial"):
        raise ValueError("mesh kind is 'full' or 'partial'")
    if n < 3:
        raise ValueError("a mesh needs at least 3 routers")
    t = Topology(f"mesh{n}{kind}")
    for i in range(1, n + 1):
        t.add_router(f"r{i}").add_host(f"h{i}").add_link(f"h{i}", f"r{i}")
    pairs: set[tuple[int, int]] = set()
    if kind == "full":
        pairs = {(i, j) for i in range(1, n + 1) for j in range(i + 1, n + 1)}
    else:
        for i in range(1, n + 1):
            pairs.add(tuple(sorted((i, i % n + 1))))  # type: ignore[arg-type]
        for i in range(1, n // 2 + 1, 2):
            j = i + n // 2
            if j <= n and j != i % n + 1:
                pairs.add((i, j))
    for i, j in sorted(pairs):
        t.add_link(f"r{i}", f"r{j}", **link)
    return _done(t)
