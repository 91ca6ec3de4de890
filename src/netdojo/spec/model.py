"""The one model every layer shares: nodes, links with endpoints, link parameters, routes.

Plain data.  Building it from YAML lives in loader.py, from Python in generators.py or by hand;
checks live in validate.py; addressing and routes are derived in addressing.py / routing.py.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

NODE_KINDS = ("host", "router", "switch", "container")
DEFAULT_IMAGE = "netdojo/node:latest"


@dataclass(frozen=True)
class LinkParams:
    """Per-direction link behaviour, as Mininet's TCLink takes it (delay is one way)."""

    bw: float | None = None  # Mbit/s; None = unlimited
    delay: float = 0.0  # ms, one way
    jitter: float = 0.0  # ms, uniform +/- around delay
    loss: float = 0.0  # percent, per direction
    queue: int | None = None  # packets held at the bottleneck

    @property
    def shaped(self) -> bool:
        return bool(self.bw or self.delay or self.jitter or self.loss or self.queue)

    def merged(self, **overrides: object) -> LinkParams:
        values = {k: getattr(self, k) for k in ("bw", "delay", "jitter", "loss", "queue")}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return LinkParams(**values)  # type: ignore[arg-type]


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
    services: dict[str, dict] = field(default_factory=dict)  # container only

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
        from netdojo.spec.profiles import PROFILES

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
