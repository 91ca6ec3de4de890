"""Semantic checks on a Topology; every failure names the file and the line of the culprit."""

from __future__ import annotations

import re

from netdojo.errors import SpecError
from netdojo.topo.addressing import plan_addresses
from netdojo.topo.model import NODE_KINDS, Topology

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,11}$")


def validate(topo: Topology) -> Topology:
    """Check the topology, name unnamed interfaces, and plan addresses (which finds clashes)."""

    def fail(msg: str, line: int | None) -> SpecError:
        return SpecError(msg, topo.source, line)

    if not topo.nodes:
        raise fail("the topology has no nodes", None)
    for name, node in topo.nodes.items():
        if not NAME_RE.match(name):
            raise fail(f"node name {name!r}: use a letter then letters, digits or '_' "
                       "(at most 12 characters)", node.line)
        if node.kind not in NODE_KINDS:
            raise fail(f"node {name!r}: unknown kind {node.kind!r}", node.line)
        if node.kind == "switch" and (node.routes or node.gateway):
            raise fail(f"switch {name!r} works at layer 2: it takes no routes or gateway",
                       node.line)
        if node.services and node.kind != "container":
            raise fail(f"node {name!r}: services run in containers (kind: container)", node.line)
        if node.kind != "switch" and (node.hub or node.subnet):
            raise fail(f"node {name!r}: 'hub' and 'subnet' belong on a switch", node.line)

    for link in topo.links:
        for ep in (link.a, link.b):
            if ep.node not in topo.nodes:
                raise fail(f"link {link.a} -- {link.b}: unknown node {ep.node!r}", link.line)
            if ep.ip is not None and topo.nodes[ep.node].kind == "switch":
                raise fail(f"link {link.a} -- {link.b}: switch {ep.node!r} has no address "
                           "on its ports", link.line)
        if link.a.node == link.b.node:
            raise fail(f"link {link.a} -- {link.b} joins a node to itself", link.line)
        p = link.params
        if p.delay < 0:
            raise fail(f"delay must be >= 0 ms, got {p.delay}", link.line)
        if p.jitter < 0:
            raise fail(f"jitter must be >= 0 ms, got {p.jitter}", link.line)
        if not 0 <= p.loss <= 100:
            raise fail(f"loss is a percentage from 0 to 100, got {p.loss}", link.line)
        if p.bw is not None and p.bw <= 0:
            raise fail(f"bw must be > 0 Mbit/s (omit it for an unlimited link), got {p.bw}",
                       link.line)
        if p.bw is not None and p.bw > 100_000:
            raise fail(f"bw above 100 Gbit/s cannot be shaped, got {p.bw}", link.line)
        if p.queue is not None and (p.queue < 1 or int(p.queue) != p.queue):
            raise fail(f"queue is a whole number of packets >= 1, got {p.queue}", link.line)

    _name_interfaces(topo, fail)
    _check_l2_loops(topo, fail)
    plan_addresses(topo)
    return topo


def _name_interfaces(topo: Topology, fail) -> None:
    used: dict[str, dict[str, int | None]] = {n: {} for n in topo.nodes}
    for link in topo.links:
        for ep in (link.a, link.b):
            if ep.ifname:
                if ep.ifname in used[ep.node]:
                    raise fail(f"interface {ep} is used by two links (first at line "
                               f"{used[ep.node][ep.ifname]})", link.line)
                used[ep.node][ep.ifname] = link.line
    counters = {n: 0 for n in topo.nodes}
    for link in topo.links:
        for ep in (link.a, link.b):
            if not ep.ifname:
                while f"eth{counters[ep.node]}" in used[ep.node]:
                    counters[ep.node] += 1
                ep.ifname = f"eth{counters[ep.node]}"
                used[ep.node][ep.ifname] = link.line


def _check_l2_loops(topo: Topology, fail) -> None:
    # Linux bridges here run without STP, so a switch loop would be a broadcast storm.
    parent = {n: n for n, node in topo.nodes.items() if node.kind == "switch"}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in topo.links:
        if link.a.node in parent and link.b.node in parent:
            ra, rb = find(link.a.node), find(link.b.node)
            if ra == rb:
                raise fail(f"link {link.a} -- {link.b} closes a loop of switches; bridges run "
                           "without STP here, so use routers for rings and meshes", link.line)
            parent[ra] = rb
