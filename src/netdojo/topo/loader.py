"""YAML topology files → Topology, with the file and line of every mistake.

Format, in the spirit of containerlab (nodes by name, links by endpoints):

    name: wan-demo
    defaults: {profile: lan}          # applied to every link that names no profile
    nodes:
      h1: {kind: host}
      r1: {kind: router}
      s1: {kind: switch, hub: false, subnet: 10.0.1.0/24}
    links:
      - endpoints: [h1, "r1:eth0"]
        profile: wan                    # lan | man | wan
        bw: 10                          # Mbit/s
        delay: 20                       # ms, one way
        jitter: 1                       # ms
        loss: 0.5                       # percent, each direction
        queue: 100                      # packets
        subnet: 10.0.9.0/30
        ips: {h1: 10.0.9.1/30, r1: 10.0.9.2/30}
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from netdojo.errors import SpecError
from netdojo.topo.model import (
    CONGESTION,
    DEFAULT_CONGESTION,
    DEFAULT_IMAGE,
    NODE_KINDS,
    ROUTING_MODES,
    Endpoint,
    Link,
    LinkParams,
    Node,
    Route,
    Topology,
)
from netdojo.topo.profiles import PROFILES
from netdojo.topo.spec import Map, Seq, check_keys, parse_yaml, read_text
from netdojo.topo.validate import validate

PARAM_KEYS = ("bw", "delay", "jitter", "loss", "queue")
NODE_KEYS = {"kind", "hub", "gateway", "routes", "subnet", "image", "forward", "restartable",
             "services", "tcp", "wifi"}
WIFI_KEYS = {"role", "ip", "airtime"}
LINK_KEYS = {"endpoints", "profile", "subnet", "ips", *PARAM_KEYS}
TOP_KEYS = {"name", "defaults", "nodes", "links", "pool", "routing", "mac_seed", "tcp", "ipv6"}
ENDPOINT_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)(?::([A-Za-z0-9_.-]{1,15}))?$")


def load_topology(path: str | Path) -> Topology:
    """Read and validate a topology file; raise SpecError naming file and line on any fault."""
    return parse_topology(read_text(path, "topology"), str(path))


def parse_topology(text: str, source: str = "<topology>") -> Topology:
    doc = parse_yaml(text, source, "topology (with 'nodes' and 'links')")
    return _Builder(source).topology(doc)


class _Builder:
    def __init__(self, source: str):
        self.source = source

    def fail(self, msg: str, line: int | None) -> SpecError:
        return SpecError(msg, self.source, line)

    def topology(self, doc: Map) -> Topology:
        self._keys(doc, TOP_KEYS, "topology")
        name = doc.get("name") or Path(self.source).stem
        if not isinstance(name, str):
            raise self.fail("'name' must be a string", doc.key_lines.get("name"))
        topo = Topology(name=name, source=self.source)
        if "pool" in doc:
            topo.pool = self._net(doc["pool"], doc.key_lines["pool"], "pool")
        routing = doc.get("routing", "auto")
        if routing not in ROUTING_MODES:
            raise self.fail(f"routing is {' or '.join(ROUTING_MODES)}, got {routing!r}",
                            doc.key_lines.get("routing"))
        topo.routing = routing
        if "mac_seed" in doc:
            topo.mac_seed = str(doc["mac_seed"])
        if "tcp" in doc:
            topo.congestion = self._congestion(doc, "topology")
        if "ipv6" in doc:
            if not isinstance(doc["ipv6"], bool):
                raise self.fail(f"ipv6 is true or false, got {doc['ipv6']!r}",
                                doc.key_lines.get("ipv6"))
            topo.ipv6 = doc["ipv6"]
        defaults = doc.get("defaults") or Map()
        if not isinstance(defaults, Map):
            raise self.fail("'defaults' must be a mapping", doc.key_lines["defaults"])
        self._keys(defaults, {"profile", *PARAM_KEYS}, "defaults")
        default_params = self._params(defaults, LinkParams())

        nodes = doc.get("nodes")
        if not isinstance(nodes, Map) or not nodes:
            raise self.fail("'nodes' must be a non-empty mapping of name → node",
                            doc.key_lines.get("nodes", doc.line))
        for name, spec in nodes.items():
            topo.nodes[str(name)] = self.node(str(name), spec, nodes.key_lines[name])

        links = doc.get("links", Seq())
        if links is None:
            links = Seq()
        if not isinstance(links, Seq):
            raise self.fail("'links' must be a list", doc.key_lines.get("links"))
        for item, line in zip(links, getattr(links, "item_lines", []), strict=False):
            topo.links.append(self.link(item, line, default_params))
        validate(topo)
        return topo

    def node(self, name: str, spec: Any, line: int) -> Node:
        if spec is None:
            spec = Map()
            spec.line, spec.key_lines = line, {}
        if not isinstance(spec, Map):
            raise self.fail(f"node {name!r} must be a mapping (e.g. {{kind: host}})", line)
        self._keys(spec, NODE_KEYS, f"node {name!r}")
        kind = spec.get("kind", "host")
        if kind not in NODE_KINDS:
            raise self.fail(f"node {name!r}: unknown kind {kind!r} (expected one of "
                            f"{', '.join(NODE_KINDS)})", spec.key_lines.get("kind", line))
        node = Node(name=name, kind=kind, line=line, hub=bool(spec.get("hub", False)),
                    forward=bool(spec.get("forward", False)),
                    restartable=bool(spec.get("restartable", False)))
        if kind == "container":
            node.image = str(spec.get("image") or DEFAULT_IMAGE)
        elif misplaced := [k for k in ("image", "forward", "restartable") if k in spec]:
            raise self.fail(f"node {name!r}: {', '.join(map(repr, misplaced))} belong(s) on a "
                            "container (kind: container)", spec.key_lines.get(misplaced[0]))
        services = spec.get("services") or {}
        if not isinstance(services, dict) or not all(
                isinstance(v, dict | type(None)) for v in services.values()):
            raise self.fail(f"node {name!r}: 'services' maps a service name to its settings",
                            spec.key_lines.get("services", line))
        if services and kind != "container":
            raise self.fail(f"node {name!r}: services run in containers (kind: container)",
                            spec.key_lines["services"])
        node.services = {str(k): dict(v or {}) for k, v in services.items()}
        if "wifi" in spec:
            node.wifi = self._wifi(name, kind, spec["wifi"], spec.key_lines["wifi"])
        if "tcp" in spec:
            if kind == "switch":
                raise self.fail(f"node {name!r}: a switch ends no TCP connection; 'tcp' belongs "
                                "on hosts, routers and containers", spec.key_lines["tcp"])
            node.congestion = self._congestion(spec, f"node {name!r}")
        if spec.get("gateway") == "none":
            node.no_gateway = True
        elif "gateway" in spec:
            node.gateway = self._addr(spec["gateway"], spec.key_lines["gateway"], "gateway")
        if "subnet" in spec:
            node.subnet = self._net(spec["subnet"], spec.key_lines["subnet"], "subnet")
        routes = spec.get("routes") or []
        if not isinstance(routes, list):
            raise self.fail(f"node {name!r}: 'routes' must be a list of {{dst, via}}",
                            spec.key_lines["routes"])
        for r in routes:
            rline = getattr(r, "line", spec.key_lines.get("routes"))
            if not isinstance(r, dict) or set(r) != {"dst", "via"}:
                raise self.fail(f"node {name!r}: a route needs exactly 'dst' and 'via'", rline)
            node.routes.append(Route(self._net(r["dst"], rline, "route dst"),
                                     self._addr(r["via"], rline, "route via")))
        return node

    def _wifi(self, name: str, kind: str, w: Any, line: int) -> dict:
        """`wifi: {role: ap, airtime: MBIT}` or `wifi: {role: station, ip: CIDR}`: a
        mac80211_hwsim radio in the node (net/wifi.py)."""
        if not isinstance(w, Map) or w.get("role") not in ("ap", "station"):
            raise self.fail(f"node {name!r}: 'wifi' needs role: ap or role: station", line)
        self._keys(w, WIFI_KEYS, f"node {name!r}: wifi")
        if kind != "container":  # hostapd and wpa_supplicant are services: containers only
            raise self.fail(f"node {name!r}: a radio's daemons run in containers (kind: "
                            "container)", line)
        out: dict = {"role": w["role"]}
        if w["role"] == "station":
            if "ip" not in w:
                raise self.fail(f"node {name!r}: a station needs its address (ip: A.B.C.D/N)",
                                line)
            try:
                out["ip"] = str(ipaddress.IPv4Interface(str(w["ip"])))
            except ValueError:
                raise self.fail(f"node {name!r}: wifi ip {w['ip']!r} is not an IPv4 address "
                                "with a prefix length", line) from None
        elif "ip" in w:
            raise self.fail(f"node {name!r}: an AP bridges its radio to its wired port and "
                            "takes no address of its own on it", line)
        if "airtime" in w:
            if w["role"] != "ap" or isinstance(w["airtime"], bool) \
                    or not isinstance(w["airtime"], int | float) \
                    or not 0.1 <= w["airtime"] <= 1000:
                raise self.fail(f"node {name!r}: airtime (on an AP) is the channel's rate, "
                                "0.1 to 1000 Mbit/s shared by both directions", line)
            out["airtime"] = float(w["airtime"])
        return out

    def link(self, item: Any, line: int, defaults: LinkParams) -> Link:
        if not isinstance(item, Map):
            raise self.fail("a link must be a mapping with 'endpoints'", line)
        self._keys(item, LINK_KEYS, "link")
        eps = item.get("endpoints")
        if not isinstance(eps, list) or len(eps) != 2:
            raise self.fail("a link needs 'endpoints' with exactly two entries", line)
        a, b = (self._endpoint(e, line) for e in eps)
        params = self._params(item, defaults)
        link = Link(a, b, params, item.get("profile"), line=line)
        if "subnet" in item:
            link.subnet = self._net(item["subnet"], item.key_lines["subnet"], "subnet")
        ips = item.get("ips") or {}
        if not isinstance(ips, dict):
            raise self.fail("'ips' must map node → address/prefix", item.key_lines["ips"])
        for node, addr in ips.items():
            ep = a if a.node == node else b if b.node == node else None
            if ep is None:
                raise self.fail(f"'ips' names {node!r}, which is not an endpoint of this link",
                                item.key_lines["ips"])
            if addr == "dhcp":
                ep.dhcp = True
            else:
                ep.ip = self._iface(addr, item.key_lines["ips"])
        return link

    def _params(self, m: Map, base: LinkParams) -> LinkParams:
        profile = m.get("profile")
        if profile is not None:
            if profile not in PROFILES:
                raise self.fail(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})",
                                m.key_lines["profile"])
            base = PROFILES[profile]
        values: dict[str, Any] = {}
        for key in PARAM_KEYS:
            if key not in m:
                continue
            v = m[key]
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise self.fail(f"'{key}' must be a number, got {v!r}", m.key_lines[key])
            values[key] = v
        try:
            return base.merged(**values)
        except TypeError as e:  # pragma: no cover - guarded above
            raise self.fail(str(e), m.line) from None

    def _endpoint(self, text: Any, line: int) -> Endpoint:
        m = ENDPOINT_RE.match(str(text)) if isinstance(text, str) else None
        if not m:
            raise self.fail(f"bad endpoint {text!r}: expected NODE or NODE:IFNAME "
                            "(interface names are at most 15 characters)", line)
        return Endpoint(m.group(1), m.group(2))

    def _congestion(self, m: Map, what: str) -> str:
        """tcp: {congestion: cubic | reno | bbr | …}; whether this kernel has it is known only
        when the lab is built (net/network.py says so then)."""
        tcp, line = m["tcp"], m.key_lines["tcp"]
        if not isinstance(tcp, Map):
            raise self.fail(f"{what}: 'tcp' is a mapping, e.g. tcp: {{congestion: cubic}}", line)
        self._keys(tcp, {"congestion"}, f"{what} tcp")
        algo = str(tcp.get("congestion", DEFAULT_CONGESTION))
        if algo not in CONGESTION:
            raise self.fail(f"{what}: TCP congestion control {algo!r} is not one Linux has "
                            f"(e.g. {', '.join(CONGESTION[:3])})", tcp.key_lines.get("congestion", line))
        return algo

    def _keys(self, m: Map, allowed: set[str], what: str) -> None:
        check_keys(m, allowed, what, self.source)

    def _net(self, v: Any, line: int | None, what: str) -> ipaddress.IPv4Network:
        try:
            return ipaddress.IPv4Network(str(v), strict=True)
        except ValueError as e:
            raise self.fail(f"{what}: {e}", line) from None

    def _addr(self, v: Any, line: int | None, what: str) -> ipaddress.IPv4Address:
        try:
            return ipaddress.IPv4Address(str(v))
        except ValueError as e:
            raise self.fail(f"{what}: {e}", line) from None

    def _iface(self, v: Any, line: int | None) -> ipaddress.IPv4Interface:
        if "/" not in str(v):
            raise self.fail(f"address {v!r} needs a prefix length, e.g. 10.0.0.1/24", line)
        try:
            return ipaddress.IPv4Interface(str(v))
        except ValueError as e:
            raise self.fail(f"address {v!r}: {e}", line) from None
