"""Topology drawings: the model → Graphviz DOT → SVG or PNG (Debian's `graphviz`).

Nodes by kind (hosts as rounded boxes, routers bold and orange, switches as 3-D boxes, hubs
dashed, containers as components listing their services).  Each node lists its interfaces with
their addresses, and every link leaves from its interface's row; a point-to-point link is
labelled with its subnet, a shaped link (drawn thick and red) with its rate, delay and loss,
and a switch with its segment's subnet."""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.topo.addressing import Addressing, plan_addresses
from netdojo.topo.model import LinkParams, Topology

STYLE = {
    "host": 'shape=box, style="rounded,filled", fillcolor="#e3eefc"',
    "router": 'shape=box, style="rounded,filled,bold", fillcolor="#fde3c4"',
    "switch": 'shape=box3d, style=filled, fillcolor="#e6f4e0"',
    "hub": 'shape=box3d, style="filled,dashed", fillcolor="#f2f2f2"',
    "container": 'shape=component, style=filled, fillcolor="#efe6fb"',
}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def link_label(p: LinkParams) -> str:
    parts = []
    if p.bw:
        parts.append(f"{p.bw:g} Mbit/s")
    if p.delay:
        parts.append(f"{p.delay:g} ms" + (f" ±{p.jitter:g}" if p.jitter else ""))
    if p.loss:
        parts.append(f"loss {p.loss:g} %")
    return ", ".join(parts)


def _node_label(topo: Topology, name: str, kind: str, addr: Addressing) -> str:
    """An HTML-like label: name and kind, then one row (a port edges attach to) per interface."""
    node = topo.nodes[name]
    word = kind + (" (forwards)" if node.kind == "container" and node.forward else "")
    rows = [f'<TR><TD><B>{_h(name)}</B> <FONT POINT-SIZE="9">{_h(word)}</FONT></TD></TR>']
    if node.kind == "switch":
        seg = next((s for s in addr.segments if name in s.switches), None)
        if seg is not None and seg.subnet is not None:
            rows.append(f'<TR><TD><FONT POINT-SIZE="9">{_h(str(seg.subnet))}</FONT></TD></TR>')
    else:
        for lk in topo.links:
            for ep in (lk.a, lk.b):
                if ep.node != name:
                    continue
                ip = addr.ips.get((name, ep.ifname or ""))
                text = f"{ep.ifname}  {ip}" if ip else f"{ep.ifname}  {'DHCP' if ep.dhcp else ''}"
                if node.wifi.get("role") == "ap":  # net/wifi.py: its cable and radio share br0
                    text = f"{ep.ifname}  bridged with wlan0 (br0)"
                rows.append(f'<TR><TD PORT="{_h(ep.ifname or "")}" ALIGN="LEFT"><FONT '
                            f'POINT-SIZE="9" COLOR="#1f4e8c">{_h(text.strip())}</FONT></TD></TR>')
    if node.wifi:  # the radio: an AP bridges it to its cable, a station has only it
        role = node.wifi.get("role", "")
        text = f"wlan0  {node.wifi['ip']}" if node.wifi.get("ip") else f"wlan0  Wi-Fi {role}"
        rows.append(f'<TR><TD PORT="wlan0" ALIGN="LEFT"><FONT POINT-SIZE="9" '
                    f'COLOR="#1f4e8c">{_h(text)}</FONT></TD></TR>')
    if node.services:
        rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="#5b2a86">'
                    f'{_h(", ".join(sorted(node.services)))}</FONT></TD></TR>')
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + \
        "".join(rows) + "</TABLE>>"


def to_dot(topo: Topology, title: str | None = None, hide_shaping: bool = False) -> str:
    """`hide_shaping` draws shaped links without their figures (a lab whose rates and delays
    the student must measure)."""
    addr = plan_addresses(topo)
    lines = ["graph netdojo {",
             '  graph [rankdir=LR, fontname="DejaVu Sans", fontsize=12, pad=0.3, nodesep=0.4,'
             ' ranksep=1.0' + (f", label={_q(title)}, labelloc=t" if title else "") + "];",
             '  node [fontname="DejaVu Sans", fontsize=11, margin="0.12,0.06"];',
             '  edge [fontname="DejaVu Sans", fontsize=9, color="#555555"];']
    for name, node in topo.nodes.items():
        kind = "hub" if node.kind == "switch" and node.hub else node.kind
        lines.append(f"  {_q(name)} [{STYLE[kind]}, label={_node_label(topo, name, kind, addr)}];")
    for lk in topo.links:
        seg = addr.segment_of.get((lk.a.node, lk.a.ifname or "")) or \
            addr.segment_of.get((lk.b.node, lk.b.ifname or ""))
        point_to_point = all(topo.nodes[e.node].kind != "switch" for e in (lk.a, lk.b))
        parts = []
        if point_to_point and seg is not None and seg.subnet is not None:
            parts.append(str(seg.subnet))
        if lk.params.shaped:
            parts.append("shaped: measure it" if hide_shaping else link_label(lk.params))
        attrs = [f"label={_q(chr(10).join(p for p in parts if p))}"] if any(parts) else []
        if lk.params.shaped:
            attrs.append('penwidth=2.2, color="#b5533c", fontcolor="#b5533c"')

        def end(ep) -> str:
            if topo.nodes[ep.node].kind == "switch":
                return _q(ep.node)
            return f"{_q(ep.node)}:{_q(ep.ifname or '')}"

        lines.append(f"  {end(lk.a)} -- {end(lk.b)}" + (f" [{', '.join(attrs)}]" if attrs
                                                         else "") + ";")
    aps = [n for n, node in topo.nodes.items() if node.wifi.get("role") == "ap"]
    for name, node in topo.nodes.items():  # every station hears every AP: the air, dashed
        if node.wifi.get("role") == "station":
            for ap in aps:
                lines.append(f'  {_q(name)}:"wlan0" -- {_q(ap)}:"wlan0" [style=dashed, '
                             'color="#7a9cc6", label="Wi-Fi", fontcolor="#7a9cc6"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(topo: Topology, out: Path, title: str | None = None,
           hide_shaping: bool = False) -> Path:
    """Write the drawing as .svg or .png (by the file's suffix) with Graphviz's dot."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png", "dot"):
        raise NetdojoError(f"{out}: draw writes .svg, .png or .dot")
    dot_text = to_dot(topo, title, hide_shaping)
    if fmt == "dot":
        out.write_text(dot_text)
        return out
    if shutil.which("dot") is None:
        raise NetdojoError("Graphviz's `dot` is not installed (scripts/install.sh installs the "
                           "Debian package graphviz)")
    args = ["dot", f"-T{fmt}", "-o", str(out)] + (["-Gdpi=110"] if fmt == "png" else [])
    r = subprocess.run(args, input=dot_text, capture_output=True, text=True)
    if r.returncode != 0:
        raise NetdojoError(f"dot could not draw {out}: {r.stderr.strip()}")
    return out
