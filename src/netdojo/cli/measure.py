"""`netdojo measure`, `capture` and `verify`: numbers from a running network."""

from __future__ import annotations

import argparse
import json
import signal
from pathlib import Path

from netdojo.cli.common import attach, need_root, tear_down_on_signals
from netdojo.errors import NetdojoError
from netdojo.measure import congestion_compare
from netdojo.measure.capture import capture
from netdojo.measure.http_compare import compare, format_rows, plot
from netdojo.measure.http_theory import VERSIONS
from netdojo.measure.report import default_pairs, measure_pair, print_table
from netdojo.net.network import Network
from netdojo.session import Session
from netdojo.topo.resolve import resolve


def cmd_measure(a: argparse.Namespace) -> int:
    net = attach(a.run, a.src, a.dst)
    if a.http:
        return _measure_http(net, a)
    if a.congestion:
        algos = [x.strip() for x in a.congestion.split(",") if x.strip()]
        print(f"iperf3 {a.src} -> {a.dst}, {a.runs} runs of {a.seconds:g} s per algorithm…",
              flush=True)
        rows = congestion_compare.compare(net, a.src, a.dst, algos, a.seconds, a.runs)
        print(congestion_compare.format_rows(net, a.src, a.dst, rows, a.seconds))
        return 0

    row = measure_pair(net, a.src, a.dst, count=a.count, seconds=a.seconds,
                       trace=a.traceroute)
    print_table([row])
    return 0 if row.ok else 3


def _measure_http(net: Network, a: argparse.Namespace) -> int:
    versions = [v.strip() for v in a.http.split(",") if v.strip()]
    unknown = [v for v in versions if v not in VERSIONS]
    if unknown:
        raise NetdojoError(f"--http: unknown {', '.join(unknown)} (known: {', '.join(VERSIONS)})")
    if any(v.startswith("http3") for v in versions) and not a.tls:
        raise NetdojoError("--http http3 runs over QUIC, which is always TLS: add --tls")
    print(f"loading /page/{a.objects}/{a.size} {a.loads} times per version from {a.src}…",
          flush=True)
    rtt, rows = compare(net, a.src, a.dst, versions, objects=a.objects, size=a.size,
                        tls=a.tls, loads=a.loads)
    print(format_rows(rtt, rows))
    if a.plot:
        plot(rows, Path(a.plot), f"{a.objects} objects of {a.size} B, RTT {rtt * 1000:.0f} ms")
        print(f"wrote {a.plot}")
    return 0


def cmd_capture(a: argparse.Namespace) -> int:
    node, _, iface = a.target.partition(":")
    net = attach(a.run, node)
    if not iface:
        iface = next((lk.endpoint(node).ifname for lk in net.topo.links
                      if node in (lk.a.node, lk.b.node)), None)
        if iface is None:
            raise NetdojoError(f"{node} has no interface to capture on")

    out = Path(a.output)
    if out.suffix not in (".pcap", ".cap"):
        raise NetdojoError(f"{out}: write the capture to a .pcap file")
    tear_down_on_signals()
    until = (f"{a.count} packets" if a.count else f"{a.seconds:g} s" if a.seconds
             else "Ctrl-C")
    print(f"capturing on {node}:{iface} until {until}…", flush=True)
    res = capture(net.ns(node), iface, out, a.count, a.seconds, a.filter)
    print(f"{res.packets} packets in {res.seconds:.1f} s → {out} (opens in Wireshark; "
          f"`tcpdump -nr {out}` reads it)")
    return 0


def cmd_verify(a: argparse.Namespace) -> int:
    need_root()
    topo = resolve(a.topology)

    tear_down_on_signals()
    lab = Session.start(topo, a.shaper)
    net = lab.net
    try:
        print(f"run {net.run.id}: {topo.name} up — shaper {net.run.shaper}; measuring…",
              flush=True)
        pairs = [tuple(p.split(":")) for p in a.pairs] if a.pairs else default_pairs(net)
        rows = []
        for src, dst in pairs:
            row = measure_pair(net, src, dst, count=a.count, seconds=a.seconds)
            rows.append(row)
            print(f"  {src} -> {dst}: done", flush=True)
        print_table(rows)
        if a.json:
            with open(a.json, "w") as f:
                json.dump([r.as_dict() for r in rows], f, indent=1)
        return 0 if all(r.ok for r in rows) else 3
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        lab.teardown()
        print(f"run {net.run.id}: down")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("measure", help="ping + iperf3 (+ traceroute) between two nodes")
    s.add_argument("--run")
    s.add_argument("src")
    s.add_argument("dst")
    s.add_argument("--count", type=int, default=20)
    s.add_argument("--seconds", type=float, default=3)
    s.add_argument("--traceroute", action="store_true")
    s.add_argument("--http", metavar="VERSION[,VERSION…]",
                   help="load a page with these HTTP versions instead (http1.0, http1.1, "
                        "http1.1-parallel, http2, http3, http3-0rtt) and set each against the theory")
    s.add_argument("--objects", type=int, default=10, help="objects the page links (--http)")
    s.add_argument("--size", type=int, default=10240, help="bytes per object (--http)")
    s.add_argument("--tls", action="store_true", help="over TLS 1.3 (--http)")
    s.add_argument("--loads", type=int, default=5, help="loads per version (--http)")
    s.add_argument("--plot", help="with --http: a plot of measured against theory (.png, .svg)")
    s.add_argument("--congestion", metavar="ALGO[,ALGO…]",
                   help="compare TCP congestion control algorithms on this path instead "
                        "(e.g. reno,cubic,bbr): iperf3 -C per run, medians")
    s.add_argument("--runs", type=int, default=3, help="runs per algorithm (--congestion)")
    s.set_defaults(func=cmd_measure)

    s = sub.add_parser("capture", help="capture packets in a node to a pcap: netdojo capture "
                                       "h1:eth0 -o h1.pcap --count 50")
    s.add_argument("--run")
    s.add_argument("target", metavar="NODE[:IFACE]")
    s.add_argument("-o", "--output", required=True, help="FILE.pcap")
    s.add_argument("--count", "-c", type=int, help="stop after this many packets")
    s.add_argument("--seconds", "-s", type=float, help="stop after this many seconds")
    s.add_argument("--filter", "-f", help="a tcpdump filter, e.g. 'tcp port 80'")
    s.set_defaults(func=cmd_capture)

    s = sub.add_parser("verify", help="up, measure configured vs measured, down")
    s.add_argument("topology")
    s.add_argument("--shaper", default="auto")
    s.add_argument("--pairs", nargs="*", help="SRC:DST pairs (default: first host to others)")
    s.add_argument("--count", type=int, default=30)
    s.add_argument("--seconds", type=float, default=4)
    s.add_argument("--json", help="also write the rows as JSON here")
    s.set_defaults(func=cmd_verify)
