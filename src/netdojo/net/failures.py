"""Failing a node or a link of a running network, and bringing it back.

A failed element has its interfaces set down (a pulled cable, a switched-off box).  Routers
then route around every element that is down, as a link-state protocol such as OSPF does once
it has converged: the new routes are computed from the topology minus the failed ports.  What
is failed is kept in the run's folder, so `fail` in one terminal and `restore` in another agree.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdojo.errors import NetdojoError
from netdojo.net import congestion, netns
from netdojo.topo.routing import plan_routes

if TYPE_CHECKING:
    from netdojo.net.network import Network

STATE = "failures.json"


@dataclass(frozen=True)
class Element:
    """A node (`r2`) or the link between two nodes (`r1-r2`), and the ports it takes down."""

    name: str
    ports: tuple[tuple[str, str], ...]


def element(net: Network, text: str) -> Element:
    topo = net.topo
    text = text.strip()
    if text in topo.nodes:
        ports = tuple((text, lk.endpoint(text).ifname) for lk in topo.links
                      if text in (lk.a.node, lk.b.node))
        return Element(text, ports)  # type: ignore[arg-type]
    a, sep, b = text.partition("-")
    if sep and a in topo.nodes and b in topo.nodes:
        links = [lk for lk in topo.links if {lk.a.node, lk.b.node} == {a, b}]
        if len(links) == 1:
            lk = links[0]
            return Element(f"{a}-{b}", ((lk.a.node, lk.a.ifname), (lk.b.node, lk.b.ifname)))  # type: ignore[arg-type]
        if len(links) > 1:
            raise NetdojoError(f"{text!r}: {a} and {b} share {len(links)} links; fail one of "
                               "their nodes instead")
        raise NetdojoError(f"{text!r}: no link joins {a} and {b} (`links` lists them)")
    raise NetdojoError(f"{text!r} is neither a node nor a link NODE-NODE of this network "
                       "(`nodes` and `links` list them)")


def failed(net: Network) -> list[str]:
    path = net.run.dir / STATE
    return json.loads(path.read_text()) if path.is_file() else []


def _save(net: Network, names: list[str]) -> None:
    (net.run.dir / STATE).write_text(json.dumps(names))


def set_port(ns: str, ifname: str, state: str) -> None:
    """Pull (`down`) or plug back (`up`) one cable end: the one place netdojo does it, for
    `netdojo fail` and for the failover's `cut` fault alike.  From the host into the named
    namespace: a container node's own processes may lack the right to change its links, and
    this needs no shell inside it."""
    r = subprocess.run(["ip", "-n", ns, "link", "set", "dev", ifname, state],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise NetdojoError(f"{ns}:{ifname} could not be set {state}: {r.stderr.strip()}")


def _set(net: Network, el: Element, state: str) -> None:
    for node, ifname in el.ports:
        set_port(net.ns(node), ifname, state)


def fail(net: Network, text: str) -> Element:
    el = element(net, text)
    names = failed(net)
    if el.name not in names:
        _set(net, el, "down")
        _save(net, names + [el.name])
    reroute(net)
    return el


def restore(net: Network, text: str) -> Element:
    el = element(net, text)
    names = [n for n in failed(net) if n != el.name]
    _save(net, names)
    # A port stays down while another failed element still holds it (a node and its link).
    held = {p for n in names for p in element(net, n).ports}
    _set(net, Element(el.name, tuple(p for p in el.ports if p not in held)), "up")
    reroute(net)
    _wait_carrier(net, el, held)
    return el


def _wait_carrier(net: Network, el: Element, held: set[tuple[str, str]],
                  deadline_s: float = 5.0) -> None:
    """Return once every restored link passes packets.  A veth set up drops what it is given
    until the kernel's link watcher has seen the peer's carrier (up to a second later); a
    traceroute sent at once lost its first hops (CI, stop 26).  Links whose other end is still
    failed are not waited for."""
    ends = [(lk.a.node, lk.a.ifname, lk.b.node, lk.b.ifname) for lk in net.topo.links]
    ports = {p for a, ai, b, bi in ends if ((a, ai) in el.ports or (b, bi) in el.ports)
             and (a, ai) not in held and (b, bi) not in held for p in ((a, ai), (b, bi))}
    stop = time.monotonic() + deadline_s
    while ports and time.monotonic() < stop:
        ports = {(node, ifname) for node, ifname in ports if _operstate(net, node, ifname) != "UP"}
        if ports:
            time.sleep(0.05)
    if ports:
        names = ", ".join(f"{n}:{i}" for n, i in sorted(ports))
        raise NetdojoError(f"{names} still without carrier {deadline_s:g} s after restore; "
                           "`netdojo doctor` checks the host")


def _operstate(net: Network, node: str, ifname: str) -> str:
    r = subprocess.run(["ip", "-n", net.ns(node), "-j", "link", "show", "dev", ifname],
                       capture_output=True, text=True)
    try:
        return json.loads(r.stdout)[0].get("operstate", "")
    except (ValueError, IndexError):
        return ""


def restore_all(net: Network) -> None:
    for name in failed(net):
        restore(net, name)


def reroute(net: Network) -> None:
    """Every router's and host's routes as planned around the ports now down.  The kernel
    dropped the routes through a downed interface; `replace` puts back what is reachable."""
    down = frozenset(p for n in failed(net) for p in element(net, n).ports)
    plan = plan_routes(net.topo, net.addr, down)
    full = net.routing
    batches: dict[str, list[str]] = {}
    for name, node in net.topo.nodes.items():
        if not (node.routes_packets or node.is_host):
            continue
        cc = net.topo.congestion_of(name)  # routes carry the lab's TCP algorithm (congestion.py)
        want = {str(rt.dst): str(rt.via) for rt in plan.routes.get(name, [])}
        lines = congestion.connected_lines(net.addr.addresses_of(name), cc)
        lines += [f"route replace {dst} via {via} congctl {cc}" for dst, via in want.items()]
        lines += [f"route del {rt.dst}" for rt in full.routes.get(name, [])
                  if str(rt.dst) not in want]
        gw = plan.gateways.get(name)
        if gw is not None:
            lines.append(f"route replace default via {gw} congctl {cc}")
        if lines:
            batches[net.ns(name)] = lines
    # forced: a route whose gateway sits behind a downed port is refused; the rest go in
    netns.ip_batches(batches, force=True)
