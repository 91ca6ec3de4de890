"""Issue 9's three ways to serve HTTPS, built and measured (topologies/https-three-ways.yaml):
the certificate on the web server, TLS terminated at HAProxy in front of clear backends, and an
nginx edge cache near the client.  From a client near the edge and from one far from it (next to
the origin), curl on a new connection each time: TCP connect, TLS done, time to first byte,
median of 10.

    .venv/bin/python benchmarks/bench_https_ways.py [--probes 10] [--report-only]

(as root; these machines have no sudo).  Writes results/https_ways.{json,md,png,svg}.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from netdojo import session
from netdojo.measure.http import timed_gets
from netdojo.measure.ping import ping
from netdojo.topo.loader import load_topology

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results"
CA = "/tmp/netdojo-ca.pem"
WAYS = [("server", "web", "the certificate on the web server"),
        ("load balancer", "lb", "TLS terminated at HAProxy (`ssl crt`), clear to b1/b2"),
        ("edge cache, hit", "edge", "nginx near the client answers from its cache"),
        ("edge cache, miss", "edge", "nginx fetches from the origin over its kept-alive TLS")]
CLIENTS = [("client", "near the edge, across the WAN from the origin"),
           ("remote", "next to the origin, across the WAN from the edge")]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--probes", type=int, default=10)
    ap.add_argument("--report-only", action="store_true")
    a = ap.parse_args()
    if a.report_only:
        doc = json.loads((OUT / "https_ways.json").read_text())
        write_md(doc["meta"], doc["rows"])
        plot(doc["rows"])
        return 0
    t0 = time.monotonic()
    topo = load_topology(ROOT / "topologies" / "https-three-ways.yaml")
    net = session.up(topo, detached=True, log=lambda m: None)
    rows = []
    try:
        for node, _ in CLIENTS:
            net.copy(str(net.run.dir / "ca" / "ca.pem"), f"{node}:{CA}")
        rtt = {c: statistics.median(ping(net.ns(c), net.ip("web"), count=10,
                                         interval=0.05).rtts_ms) for c, _ in CLIENTS}
        for client, _ in CLIENTS:
            timed_gets(net, client, [f"https://{h}/health" for h in ("web", "lb")], ca=CA)
            timed_gets(net, client, ["https://edge/obj/0/10240"], ca=CA)  # fill the cache
            for way, host, _ in WAYS:
                if way.endswith("miss"):  # a new object each time: every probe misses
                    first = 2000 if client == "remote" else 1000
                    urls = [f"https://{host}/obj/{n}/10240" for n in
                            range(first, first + a.probes)]
                else:
                    urls = [f"https://{host}/obj/0/10240"] * a.probes
                ts = timed_gets(net, client, urls, ca=CA)
                row = {"way": way, "client": client,
                       "connect_s": _med(t.connect_s for t in ts),
                       "tls_s": _med(t.tls_s for t in ts),
                       "first_byte_s": _med(t.first_byte_s for t in ts),
                       "total_s": _med(t.total_s for t in ts),
                       "cache": sorted({t.cache for t in ts if t.cache}),
                       "samples": [t.first_byte_s for t in ts]}
                rows.append(row)
                print(f"{client:6} {way:17} connect {row['connect_s']:.3f} tls {row['tls_s']:.3f}"
                      f" ttfb {row['first_byte_s']:.3f} {row['cache']}", flush=True)
    finally:
        net.run.teardown()
    meta = {"probes": a.probes, "wan_rtt_ms": round(rtt["client"], 2),
            "machine": platform.node(), "kernel": platform.release(),
            "date": time.strftime("%Y-%m-%d"), "duration_s": round(time.monotonic() - t0)}
    (OUT / "https_ways.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1)
                                         + "\n")
    write_md(meta, rows)
    plot(rows)
    return 0


def _med(xs) -> float:
    return round(statistics.median(list(xs)), 4)


def write_md(meta: dict, rows: list[dict]) -> None:
    lines = [
        "# Three ways to serve HTTPS, measured",
        "",
        f"`benchmarks/bench_https_ways.py`, {meta['date']}, kernel {meta['kernel']}, "
        f"{meta['duration_s']} s.  `topologies/https-three-ways.yaml`: a WAN of R = "
        f"{meta['wan_rtt_ms']:.1f} ms between the client's side and the origin's; the edge "
        "cache 1 ms from the client.  curl on a new connection each time (TCP, then TLS 1.3, "
        f"then one GET of 10 KiB); medians of {meta['probes']}.",
        "",
        "| way | from | TCP connected | TLS done | first byte | cache |",
        "|---|---|---|---|---|---|",
    ]
    where = dict(CLIENTS)
    for r in rows:
        lines.append(f"| {r['way']} | {r['client']} ({where[r['client']]}) | "
                     f"{1000 * r['connect_s']:.1f} ms | {1000 * r['tls_s']:.1f} ms | "
                     f"**{1000 * r['first_byte_s']:.1f} ms** | {', '.join(r['cache']) or '—'} |")
    lines += ["", "![time to first byte, three ways, near and far](https_ways.png)", "",
              READING]
    (OUT / "https_ways.md").write_text("\n".join(lines) + "\n")


READING = """## Reading it

- **On the server** and **at the load balancer** the client pays the same: one round trip for
  TCP, one for TLS 1.3, one for the request, each across the WAN, so about 3R to the first
  byte.  Terminating TLS at HAProxy costs the client nothing measurable; it moves the
  certificate and the crypto work off the web servers, which then speak clear HTTP inside the
  data centre.  One setting matters: HAProxy seals its records at most 1400 bytes
  (`tune.ssl.maxrecord`).  A client deciphers a record only when all of it has come, and a
  16 KiB record holding headers and body waits a round trip behind the first congestion
  window: unbounded, 1 request in 20 took 4R to its first byte.
- **At the edge** the handshakes cross only the 1 ms to the edge.  A hit is answered there: the
  first byte comes in a few milliseconds instead of 3R.  A miss adds one WAN round trip (the
  edge's kept-alive TLS connection to the origin), still less than 3R.  From the far client the
  edge is the distant one, and the numbers turn round: a CDN helps the clients it is near.
"""


def plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.2))
    width = 0.38
    ways = [w for w, _, _ in WAYS]
    for j, (client, label) in enumerate(CLIENTS):
        ys = [1000 * next(r for r in rows if r["way"] == w and r["client"] == client)
              ["first_byte_s"] for w in ways]
        ax.bar([i + (j - 0.5) * width for i in range(len(ways))], ys, width,
               label=f"{client}: {label}")
    ax.set_xticks(range(len(ways)), ways)
    ax.set_ylabel("time to first byte, new connection (ms)")
    ax.set_title("three ways to serve HTTPS")
    ax.legend(fontsize=8)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(OUT / f"https_ways.{ext}")
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
