"""Layer-2 segments and their addresses: one subnet per broadcast domain.

A segment is a set of switches joined by links, with every host/router interface attached to
them; a link between two non-switches is a segment of its own (point to point).  Subnets come
from the topology's pool in order, unless a switch or link names one; addresses inside a
subnet are handed out in link order unless an endpoint names one.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field

from netdojo.errors import SpecError
from netdojo.topo.model import Link, Topology

IfKey = tuple[str, str]  # (node, ifname)


@dataclass
class Segment:
    index: int
    switches: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    members: list[IfKey] = field(default_factory=list)  # host/router interfaces
    subnet: ipaddress.IPv4Network | None = None


@dataclass
class Addressing:
    segments: list[Segment]
    ips: dict[IfKey, ipaddress.IPv4Interface]
    segment_of: dict[IfKey, Segment]

    def addresses_of(self, node: str) -> list[tuple[str, ipaddress.IPv4Interface]]:
        return [(k[1], ip) for k, ip in self.ips.items() if k[0] == node]

    def primary_ip(self, node: str) -> ipaddress.IPv4Address | None:
        addrs = self.addresses_of(node)
        return addrs[0][1].ip if addrs else None


def segments(topo: Topology) -> list[Segment]:
    switch_seg: dict[str, Segment] = {}
    segs: list[Segment] = []
    kinds = {n: node.kind for n, node in topo.nodes.items()}

    def merge(s1: Segment, s2: Segment) -> Segment:
        if s1 is s2:
            return s1
        s1.switches += s2.switches
        s1.links += s2.links
        s1.members += s2.members
        for sw in s2.switches:
            switch_seg[sw] = s1
        segs.remove(s2)
        return s1

    for name, kind in kinds.items():
        if kind == "switch":
            seg = Segment(0, switches=[name])
            switch_seg[name] = seg
            segs.append(seg)
    for link in topo.links:
        sa = switch_seg.get(link.a.node)
        sb = switch_seg.get(link.b.node)
        if sa and sb:
            seg = merge(sa, sb)
        elif sa or sb:
            seg = sa or sb
            ep = link.b if sa else link.a
            seg.members.append((ep.node, ep.ifname))
        else:
            seg = Segment(0, members=[(link.a.node, link.a.ifname), (link.b.node, link.b.ifname)])
            segs.append(seg)
        seg.links.append(link)
    for i, seg in enumerate(segs):
        seg.index = i
    return segs


def plan_addresses(topo: Topology) -> Addressing:
    segs = segments(topo)
    explicit: dict[IfKey, tuple[ipaddress.IPv4Interface, Link]] = {}
    dhcp: set[IfKey] = set()
    for link in topo.links:
        for ep in (link.a, link.b):
            if ep.ip is not None:
                explicit[(ep.node, ep.ifname)] = (ep.ip, link)
            if ep.dhcp:
                dhcp.add((ep.node, ep.ifname))

    def fail(msg: str, line: int | None) -> SpecError:
        return SpecError(msg, topo.source, line)

    taken: list[ipaddress.IPv4Network] = []
    for seg in segs:
        named = [topo.nodes[s].subnet for s in seg.switches if topo.nodes[s].subnet]
        named += [lk.subnet for lk in seg.links if lk.subnet]
        named += [explicit[m][0].network for m in seg.members if m in explicit]
        if len(set(named)) > 1:
            line = seg.links[0].line if seg.links else None
            raise fail("one layer-2 segment is given different subnets: "
                       + ", ".join(sorted({str(n) for n in named})), line)
        if named:
            seg.subnet = named[0]
            for other in taken:
                if seg.subnet.overlaps(other):
                    raise fail(f"subnet {seg.subnet} overlaps {other}, used by another "
                               "segment", seg.links[0].line if seg.links else None)
            taken.append(seg.subnet)

    for seg in segs:
        if seg.subnet is not None or not seg.members:
            continue
        # a /24 per segment reads well in labs; larger segments get the smallest prefix that fits
        prefix = min(24, 32 - (len(seg.members) + 1).bit_length())
        seg.subnet = _first_free(topo.pool, max(prefix, topo.pool.prefixlen), taken)
        if seg.subnet is None:
            raise fail(f"address pool {topo.pool} is exhausted; give a larger 'pool'", None)
        taken.append(seg.subnet)

    ips: dict[IfKey, ipaddress.IPv4Interface] = {}
    segment_of: dict[IfKey, Segment] = {}
    owner: dict[ipaddress.IPv4Address, IfKey] = {}
    for seg in segs:
        if seg.subnet is None:
            continue
        used = {explicit[m][0].ip for m in seg.members if m in explicit}
        free = (h for h in seg.subnet.hosts() if h not in used)
        for m in seg.members:
            segment_of[m] = seg
            if m in dhcp:
                continue  # leased at run time from the lab's DHCP server
            if m in explicit:
                ip, link = explicit[m]
                if ip.ip in (ip.network.network_address, ip.network.broadcast_address) \
                        and ip.network.prefixlen < 31:
                    raise fail(f"{m[0]}:{m[1]}: {ip.ip} is the network or broadcast address "
                               f"of {ip.network}", link.line)
            else:
                try:
                    ip = ipaddress.IPv4Interface(f"{next(free)}/{seg.subnet.prefixlen}")
                except StopIteration:
                    raise fail(f"subnet {seg.subnet} has too few addresses for its "
                               f"{len(seg.members)} interfaces", seg.links[0].line) from None
                link = seg.links[0]
            if ip.ip in owner:
                other = owner[ip.ip]
                raise fail(f"address {ip.ip} is given to both {other[0]}:{other[1]} and "
                           f"{m[0]}:{m[1]}", link.line)
            owner[ip.ip] = m
            ips[m] = ip
    return Addressing(segs, ips, segment_of)


def _first_free(pool: ipaddress.IPv4Network, prefix: int,
                taken: list[ipaddress.IPv4Network]) -> ipaddress.IPv4Network | None:
    for candidate in pool.subnets(new_prefix=prefix):
        if not any(candidate.overlaps(t) for t in taken):
            return candidate
    return None


def mac_for(node: str, ifname: str, seed: str = "") -> str:
    """A stable, locally administered MAC per interface, so DHCP reservations can name a node;
    a topology's mac_seed gives each student's copy of a lab other MACs."""

    h = hashlib.sha256(f"{seed}:{node}:{ifname}".encode() if seed else
                       f"{node}:{ifname}".encode()).digest()
    return "02:" + ":".join(f"{b:02x}" for b in h[:5])
