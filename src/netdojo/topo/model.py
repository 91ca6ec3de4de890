"""The one model every layer shares: nodes, links with endpoints, link parameters, routes.

Plain data.  Building it from YAML lives in loader.py, from Python in generators.py or by hand;
checks live in validate.py; addressing and routes are derived in addressing.py / routing.py.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from netdojo.topo.params import LinkParams
from netdojo.topo.profiles import PROFILES

NODE_KINDS = ("host", "router", "switch", "container")
ROUTING_MODES = ("auto", "manual")
# TCP congestion control, set on purpose in every node: the chapter and stock Debian/Ubuntu
# assume CUBIC; a kernel's default may be BBR (this project's CI hosts), which paces and does
# not slow-start the textbook's way.
CONGESTION = ("cubic", "reno", "bbr", "htcp", "vegas", "westwood", "bic", "highspeed",
              "illinois", "scalable", "veno", "yeah", "lp", "hybla", "nv", "cdg", "dctcp")
DEFAULT_CONGESTION = "cubic"
DEFAULT_IMAGE = "netdojo/node:latest"


@dataclass(frozen=True)
class Route:
    dst: ipaddress.IPv4Network
    via: ipaddress.IPv4Address


@dataclass
class Node:
    name: str
    kind: str = "host"
    hub: bool = False  # switch only: flood every frame (a bus / shared medium)
    gateway: ipaddress.IPv4Address | None = None
    no_gateway: bool = False  # `gateway: none`: an end host that routes nowhere (lab internet)
    routes: list[Route] = field(default_factory=list)
    subnet: ipaddress.IPv4Network | None = None  # switch only: the segment's subnet
    line: int | None = None
    image: str | None = None  # container only
    forward: bool = False  # container only: route packets like a router
    # container only: may be killed and started again on the same interfaces (a pod)
    restartable: bool = False
    services: dict[str, dict] = field(default_factory=dict)  # container only
    congestion: str | None = None  # tcp: {congestion: …} of this node; None: the topology's
    wifi: dict = field(default_factory=dict)  # {role: ap|station, ip, airtime}: net/wifi.py

    @property
    def routes_packets(self) -> bool:
        return self.kind == "router" or (self.kind == "container" and self.forward)

    @property
    def is_host(self) -> bool:
        """An end system: takes a default gateway, forwards nothing."""
        return self.kind == "host" or (self.kind == "container" and not self.forward)


@dataclass
class Endpoint:
    node: str
    ifname: str | None = None
    ip: ipaddress.IPv4Interface | None = None
    dhcp: bool = False  # the address comes from a DHCP server in the lab

    def __str__(self) -> str:
        return f"{self.node}:{self.ifname}" if self.ifname else self.node


@dataclass
class Link:
    a: Endpoint
    b: Endpoint
    params: LinkParams = field(default_factory=LinkParams)
    profile: str | None = None
    subnet: ipaddress.IPv4Network | None = None
    line: int | None = None

    def other(self, node: str) -> Endpoint:
        return self.b if self.a.node == node else self.a

    def endpoint(self, node: str) -> Endpoint:
        return self.a if self.a.node == node else self.b


@dataclass
class Topology:
    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    pool: ipaddress.IPv4Network = ipaddress.IPv4Network("10.0.0.0/16")
    source: str | None = None
    # manual: routers know only their own subnets and hosts get no gateway until someone
    # (a student) adds routes; auto: both are derived (routing.py).
    routing: str = "auto"
    mac_seed: str = ""  # mixed into every MAC, so each student's lab has other addresses
    congestion: str = DEFAULT_CONGESTION  # every node's TCP congestion control (tcp: {…})
    # IPv6 on the hosts and routers (link-local addresses, router advertisements, SLAAC); off
    # unless a lab teaches it, so captures and pings elsewhere carry no RS/NS/DAD noise
    ipv6: bool = False

    def congestion_of(self, node: str) -> str:
        return self.nodes[node].congestion or self.congestion

    # Python builder API, in the spirit of Mininet's Topo: chainable, names are the keys.
    def add_host(self, name: str, **kw: object) -> Topology:
        return self._add(Node(name, "host", **kw))  # type: ignore[arg-type]

    def add_router(self, name: str, **kw: object) -> Topology:
        return self._add(Node(name, "router", **kw))  # type: ignore[arg-type]

    def add_container(self, name: str, image: str = DEFAULT_IMAGE, **kw: object) -> Topology:
        return self._add(Node(name, "container", image=image, **kw))  # type: ignore[arg-type]

    def add_switch(self, name: str, hub: bool = False, **kw: object) -> Topology:
        return self._add(Node(name, "switch", hub=hub, **kw))  # type: ignore[arg-type]

    def add_link(self, a: str, b: str, profile: str | None = None, **params: object) -> Topology:
        base = PROFILES[profile] if profile else LinkParams()
        self.links.append(Link(_endpoint(a), _endpoint(b), base.merged(**params), profile))
        return self

    def _add(self, node: Node) -> Topology:
        self.nodes[node.name] = node
        return self

    def hosts(self) -> list[str]:
        """End systems (hosts and non-forwarding containers), in file order."""
        return [n for n, node in self.nodes.items() if node.is_host]


def _endpoint(text: str) -> Endpoint:
    node, _, ifname = text.partition(":")
    return Endpoint(node, ifname or None)


__all__ = ["CONGESTION", "DEFAULT_CONGESTION", "NODE_KINDS", "Endpoint", "Link", "LinkParams",
           "Node", "Route", "Topology"]
