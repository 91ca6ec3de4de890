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

import yaml

from netdojo.errors import SpecError
from netdojo.topo.model import NODE_KINDS, ROUTING_MODES, Endpoint, Link, LinkParams, Node, Route, Topology
from netdojo.topo.profiles import PROFILES
from netdojo.topo.validate import validate

PARAM_KEYS = ("bw", "delay", "jitter", "loss", "queue")
NODE_KEYS = {"kind", "hub", "gateway", "routes", "subnet", "image", "forward", "restartable",
             "services"}
LINK_KEYS = {"endpoints", "profile", "subnet", "ips", *PARAM_KEYS}
TOP_KEYS = {"name", "defaults", "nodes", "links", "pool", "routing", "mac_seed"}
ENDPOINT_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)(?::([A-Za-z0-9_.-]{1,15}))?$")


class _Map(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _Seq(list):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    m = _Map()
    m.line = node.start_mark.line + 1
    m.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in m:
            raise SpecError(f"duplicate key {key!r}", loader.name, key_node.start_mark.line + 1)
        m[key] = loader.construct_object(value_node, deep=True)
        m.key_lines[key] = key_node.start_mark.line + 1
    return m


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    s = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    s.line = node.start_mark.line + 1
    s.item_lines = [child.start_mark.line + 1 for child in node.value]
    return s


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def read_text(path: str | Path, what: str) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise SpecError(f"cannot read {what}: {e.strerror}", str(path)) from None
    if b"\0" in raw:
        raise SpecError(f"this {what} is not a text file (it holds binary data)", str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise SpecError(f"this {what} is not UTF-8 text (byte 0x{raw[e.start]:02x}); save it as "
                        "UTF-8", str(path), line) from None


def parse_yaml(text: str, source: str, what: str) -> _Map:
    """YAML → a mapping that knows the line of every key; any fault → SpecError with a line."""
    loader = _Loader(text)
    loader.name = source
    try:
        doc = loader.get_single_data()
    except SpecError:
        raise
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise SpecError(f"not valid YAML: {e.problem}", source, line) from None
    except yaml.YAMLError as e:
        raise SpecError(f"not valid YAML: {e}", source) from None
    finally:
        loader.dispose()
    if not isinstance(doc, _Map):
        raise SpecError(f"a {what} must be a mapping", source, 1)
    return doc


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

    def topology(self, doc: _Map) -> Topology:
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
        defaults = doc.get("defaults") or _Map()
        if not isinstance(defaults, _Map):
            raise self.fail("'defaults' must be a mapping", doc.key_lines["defaults"])
        self._keys(defaults, {"profile", *PARAM_KEYS}, "defaults")
        default_params = self._params(defaults, LinkParams())

        nodes = doc.get("nodes")
        if not isinstance(nodes, _Map) or not nodes:
            raise self.fail("'nodes' must be a non-empty mapping of name → node",
                            doc.key_lines.get("nodes", doc.line))
        for name, spec in nodes.items():
            topo.nodes[str(name)] = self.node(str(name), spec, nodes.key_lines[name])

        links = doc.get("links", _Seq())
        if links is None:
            links = _Seq()
        if not isinstance(links, _Seq):
            raise self.fail("'links' must be a list", doc.key_lines.get("links"))
        for item, line in zip(links, getattr(links, "item_lines", []), strict=False):
            topo.links.append(self.link(item, line, default_params))
        validate(topo)
        return topo

    def node(self, name: str, spec: Any, line: int) -> Node:
        if spec is None:
            spec = _Map()
            spec.line, spec.key_lines = line, {}
        if not isinstance(spec, _Map):
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
            from netdojo.topo.model import DEFAULT_IMAGE

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

    def link(self, item: Any, line: int, defaults: LinkParams) -> Link:
        if not isinstance(item, _Map):
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

    def _params(self, m: _Map, base: LinkParams) -> LinkParams:
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

    def _keys(self, m: _Map, allowed: set[str], what: str) -> None:
        for key in m:
            if key not in allowed:
                raise self.fail(f"{what}: unknown key {key!r} (allowed: "
                                f"{', '.join(sorted(allowed))})", m.key_lines.get(key, m.line))

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
