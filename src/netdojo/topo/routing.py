"""Static routes for the whole topology, and the path a packet takes (for expected figures).

With `routing: manual` nothing is derived (a lab where the student writes the routes).
Otherwise hosts get a default gateway (the first router on their segment unless the file names one).
Routers get a route to every subnet they are not on, via the neighbour router on a shortest
router-hop path.  Routes written in the file win over computed ones for the same prefix.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from dataclasses import dataclass

from netdojo.errors import SpecError
from netdojo.topo.addressing import Addressing, Segment
from netdojo.topo.model import Link, Route, Topology


@dataclass
class RoutingPlan:
    routes: dict[str, list[Route]]
    gateways: dict[str, ipaddress.IPv4Address | None]


def plan_routes(topo: Topology, addr: Addressing,
                down: frozenset[tuple[str, str]] = frozenset()) -> RoutingPlan:
    """`down` holds the (node, interface) ports that are failed: routers route around them,
    as a link-state protocol does once it has converged."""
    if topo.routing == "manual":
        # Only what the file names: the lab is for writing the routing tables by hand.
        return RoutingPlan({n: list(node.routes) for n, node in topo.nodes.items()},
                           {n: node.gateway for n, node in topo.nodes.items() if node.is_host})
    routers = sorted(n for n, node in topo.nodes.items() if node.routes_packets)
    segs_of: dict[str, list[Segment]] = {}
    for (node, ifname), seg in addr.segment_of.items():
        segs_of.setdefault(node, [])
        if (node, ifname) in down:
            continue
        if seg not in segs_of[node]:
            segs_of[node].append(seg)

    def ip_on(node: str, seg: Segment) -> ipaddress.IPv4Address:
        for m in seg.members:
            if m[0] == node and m in addr.ips:
                return addr.ips[m].ip
        raise KeyError(node)

    gateways: dict[str, ipaddress.IPv4Address | None] = {}
    routes: dict[str, list[Route]] = {n: list(node.routes) for n, node in topo.nodes.items()}
    for name, node in topo.nodes.items():
        if not node.is_host:
            continue
        if node.no_gateway:
            gateways[name] = None
            continue
        if all(addr.ips.get((n, i)) is None for (n, i) in addr.segment_of if n == name):
            gateways[name] = None  # every address is leased: DHCP brings the router too
            continue
        gw = node.gateway
        if gw is None:
            for seg in segs_of.get(name, []):
                seg_routers = [m[0] for m in seg.members if m[0] in routers]
                if seg_routers:
                    gw = ip_on(seg_routers[0], seg)
                    break
        elif not any(seg.subnet and gw in seg.subnet for seg in segs_of.get(name, [])):
            raise SpecError(f"host {name!r}: gateway {gw} is on none of its subnets",
                            topo.source, node.line)
        gateways[name] = gw

    neighbours: dict[str, list[tuple[str, Segment]]] = {r: [] for r in routers}
    for r in routers:
        for seg in segs_of.get(r, []):
            for m in seg.members:
                if m in down:
                    continue
                if m[0] in neighbours and m[0] != r and (m[0], seg) not in neighbours[r]:
                    neighbours[r].append((m[0], seg))

    all_subnets = [s for s in addr.segments if s.subnet is not None]
    for r in routers:
        # BFS from r over routers; first_hop[x] = (neighbour of r, shared segment) toward x.
        first_hop: dict[str, tuple[str, Segment]] = {}
        seen = {r}
        queue: deque[str] = deque([r])
        while queue:
            cur = queue.popleft()
            for nb, seg in neighbours[cur]:
                if nb in seen:
                    continue
                seen.add(nb)
                first_hop[nb] = first_hop.get(cur) or (nb, seg)
                queue.append(nb)
        given = {rt.dst for rt in routes[r]}
        mine = set(map(id, segs_of.get(r, [])))
        for seg in all_subnets:
            if id(seg) in mine or seg.subnet in given:
                continue
            # the nearest router attached to that segment (BFS order = distance order)
            for target in first_hop:
                if any(m[0] == target for m in seg.members):
                    nb, shared = first_hop[target]
                    routes[r].append(Route(seg.subnet, ip_on(nb, shared)))
                    break
    return RoutingPlan(routes, gateways)


def path_links(topo: Topology, addr: Addressing, plan: RoutingPlan, src: str, dst: str,
               ) -> list[Link]:
    """The links a packet from src to dst crosses, following the planned routes."""
    dst_ip = addr.primary_ip(dst)
    if dst_ip is None:
        raise SpecError(f"{dst!r} has no address", topo.source)
    hops: list[Link] = []
    cur = src
    for _ in range(64):
        if cur == dst:
            return hops
        nxt_ip = _next_hop(topo, addr, plan, cur, dst_ip)
        if nxt_ip is None:
            raise SpecError(f"no route from {src} to {dst}", topo.source)
        owner = next(k for k, ip in addr.ips.items() if ip.ip == nxt_ip)
        here = next(k for k, seg in addr.segment_of.items()
                    if k[0] == cur and seg is addr.segment_of[owner])
        hops += _l2_path(addr.segment_of[owner], here, owner)
        cur = owner[0]
    raise SpecError(f"routing loop between {src} and {dst}", topo.source)


def _next_hop(topo, addr, plan, cur, dst_ip):
    for (node, _), ip in addr.ips.items():
        if node == cur and dst_ip in ip.network:
            return dst_ip
    best = None
    for rt in plan.routes.get(cur, []):
        if dst_ip in rt.dst and (best is None or rt.dst.prefixlen > best.dst.prefixlen):
            best = rt
    if best:
        return best.via
    return plan.gateways.get(cur)


def _l2_path(seg: Segment, a: tuple[str, str], b: tuple[str, str]) -> list[Link]:
    # The segment's links form a tree (loops are rejected), so BFS finds the one path.
    start, goal = a[0], b[0]
    prev: dict[str, tuple[str, Link] | None] = {start: None}
    queue: deque[str] = deque([start])
    while queue:
        cur = queue.popleft()
        if cur == goal:
            break
        for link in seg.links:
            if cur in (link.a.node, link.b.node):
                nb = link.other(cur).node
                # only switches forward frames inside a segment
                if nb not in prev and (nb == goal or nb in seg.switches):
                    prev[nb] = (cur, link)
                    queue.append(nb)
    out: list[Link] = []
    node = goal
    while prev.get(node):
        p, link = prev[node]  # type: ignore[misc]
        out.append(link)
        node = p
    return list(reversed(out))
