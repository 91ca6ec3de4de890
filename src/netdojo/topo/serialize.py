"""Topology ⇄ plain dict, so a run's state file can rebuild the exact model another
terminal needs for `exec`, `measure` and `down` (no re-reading a file that may have changed)."""

from __future__ import annotations

import ipaddress
from typing import Any

from netdojo.topo.model import DEFAULT_CONGESTION, Endpoint, Link, LinkParams, Node, Route, Topology


def to_dict(t: Topology) -> dict[str, Any]:
    def ep(e: Endpoint) -> dict[str, Any]:
        return {"node": e.node, "ifname": e.ifname, "ip": str(e.ip) if e.ip else None,
                "dhcp": e.dhcp}

    return {
        "name": t.name, "source": t.source, "pool": str(t.pool), "routing": t.routing,
        "mac_seed": t.mac_seed, "congestion": t.congestion, "ipv6": t.ipv6,
        "nodes": {n: {"kind": v.kind, "hub": v.hub, "line": v.line,
                      "gateway": str(v.gateway) if v.gateway else None,
                      "subnet": str(v.subnet) if v.subnet else None,
                      "routes": [[str(r.dst), str(r.via)] for r in v.routes],
                      "image": v.image, "forward": v.forward,
                      "restartable": v.restartable, "services": v.services,
                      "no_gateway": v.no_gateway, "congestion": v.congestion,
                      "wifi": v.wifi}
                  for n, v in t.nodes.items()},
        "links": [{"a": ep(lk.a), "b": ep(lk.b), "profile": lk.profile, "line": lk.line,
                   "subnet": str(lk.subnet) if lk.subnet else None,
                   "params": {k: getattr(lk.params, k)
                              for k in ("bw", "delay", "jitter", "loss", "queue")}}
                  for lk in t.links],
    }


def from_dict(d: dict[str, Any]) -> Topology:
    def ep(e: dict[str, Any]) -> Endpoint:
        return Endpoint(e["node"], e["ifname"],
                        ipaddress.IPv4Interface(e["ip"]) if e["ip"] else None, e.get("dhcp", False))

    t = Topology(d["name"], pool=ipaddress.IPv4Network(d["pool"]), source=d.get("source"),
                 routing=d.get("routing", "auto"), mac_seed=d.get("mac_seed", ""),
                 congestion=d.get("congestion", DEFAULT_CONGESTION), ipv6=d.get("ipv6", False))
    for n, v in d["nodes"].items():
        t.nodes[n] = Node(
            n, v["kind"], hub=v["hub"],
            gateway=ipaddress.IPv4Address(v["gateway"]) if v["gateway"] else None,
            no_gateway=v.get("no_gateway", False),
            routes=[Route(ipaddress.IPv4Network(a), ipaddress.IPv4Address(b))
                    for a, b in v["routes"]],
            subnet=ipaddress.IPv4Network(v["subnet"]) if v["subnet"] else None,
            line=v.get("line"), image=v.get("image"), forward=v.get("forward", False),
            restartable=v.get("restartable", False),
            services=v.get("services") or {}, congestion=v.get("congestion"),
            wifi=v.get("wifi") or {})
    for lk in d["links"]:
        t.links.append(Link(ep(lk["a"]), ep(lk["b"]), LinkParams(**lk["params"]),
                            lk["profile"],
                            ipaddress.IPv4Network(lk["subnet"]) if lk["subnet"] else None,
                            lk.get("line")))
    return t
