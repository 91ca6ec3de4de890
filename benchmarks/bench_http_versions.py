"""Issue 9's teaching-fidelity benchmark: page load time per HTTP version against the textbook's
round-trip arithmetic, for R in {10, 50, 100, 200} ms and N in {1, 10, 30} objects, median of 5
loads.  Target: every row within ±15 % of the theory.

    .venv/bin/python benchmarks/bench_http_versions.py [--loads 5] [--rtts 10 50 100 200]

(as root; these machines have no sudo).  A client container and the lab web server across one
link whose delay is R/2 each way, 100 Mbit/s.  Writes results/http_versions.{json,md,png,svg}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from netdojo import session
from netdojo.measure.http_theory import Page, expect, within
from netdojo.measure.pageload import load_pages
from netdojo.net import congestion
from netdojo.topo.loader import parse_topology

OUT = Path(__file__).resolve().parent / "results"
SIZE = 10240
RATE = 100
VERSIONS = [("http1.0", False), ("http1.1", False), ("http1.1-parallel", False),
            ("http2", False), ("http1.1", True), ("http2", True), ("http3", True),
            ("http3-0rtt", True)]


def topology(rtt_ms: float) -> str:
    return (f"name: httpbench\nnodes:\n  cl: {{kind: container}}\n"
            f"  web: {{kind: container, services: {{http: {{tls: true, h3: true}}}}}}\n"
            f"links:\n  - {{endpoints: [cl, web], delay: {rtt_ms / 2}, bw: {RATE}}}\n")


def label(version: str, tls: bool) -> str:
    return version + (" + TLS 1.3" if tls and not version.startswith("http3") else "")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--rtts", type=float, nargs="*", default=[10, 50, 100, 200])
    ap.add_argument("--objects", type=int, nargs="*", default=[1, 10, 30])
    ap.add_argument("--versions", nargs="*",
                    help="measure only these (names as in the table, e.g. http3-0rtt) and "
                         "merge them into results/http_versions.json")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite the .md and the plot from results/http_versions.json")
    a = ap.parse_args()
    if a.report_only:
        doc = json.loads((OUT / "http_versions.json").read_text())
        write_md(doc["meta"], doc["rows"])
        plot(doc["rows"])
        return 0
    rows = []
    algo = ""
    for rtt_ms in a.rtts:
        net = session.up(parse_topology(topology(rtt_ms), f"httpbench-{rtt_ms:g}.yaml"),
                         detached=True, log=lambda m: None)
        try:
            algo = congestion.in_force(net.ns("cl"), str(net.ip("web")))
            for n in a.objects:
                for version, tls in VERSIONS:
                    if a.versions and version not in a.versions:
                        continue
                    url = f"{'https' if tls else 'http'}://web/page/{n}/{SIZE}"
                    loads = load_pages(net, "cl", url, version, loads=a.loads, timeout=600)
                    page = Page(n, page_bytes=loads[0].objects[0]["bytes"], object_bytes=SIZE)
                    theory = expect(version, page, tls="1.3" if tls else None,
                                    rate_mbps=RATE).seconds(rtt_ms / 1000)
                    med = statistics.median(x.total_s for x in loads)
                    rows.append({"rtt_ms": rtt_ms, "objects": n, "version": version, "tls": tls,
                                 "theory_s": round(theory, 4), "median_s": round(med, 4),
                                 "loads_s": [round(x.total_s, 4) for x in loads],
                                 "off": round(med / theory - 1, 4),
                                 "within_15": within(med, theory),
                                 "connections": loads[0].connections,
                                 "request_header_bytes": loads[0].request_header_bytes,
                                 "response_header_bytes": loads[0].response_header_bytes})
                    print(f"R {rtt_ms:g} ms N {n:2d} {label(version, tls):26} "
                          f"{med:7.3f} s theory {theory:7.3f} ({med / theory - 1:+.0%})",
                          flush=True)
        finally:
            net.run.teardown()
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "kernel": platform.release(),
            "loads": a.loads, "rate_mbps": RATE, "object_bytes": SIZE, "tcp_congestion": algo,
            "machine": f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs)"}
    if a.versions:  # merged: the other rows keep their own run's date
        old = json.loads((OUT / "http_versions.json").read_text())
        meta = {**old["meta"], "merged": f"{', '.join(a.versions)} on {meta['date']}"}
        key = ("rtt_ms", "objects", "version", "tls")
        fresh = {tuple(r[k] for k in key) for r in rows}
        rows = [r for r in old["rows"] if tuple(r[k] for k in key) not in fresh] + rows
        order = {v: i for i, v in enumerate(VERSIONS)}
        rows.sort(key=lambda r: (r["rtt_ms"], r["objects"], order[(r["version"], r["tls"])]))
    OUT.mkdir(exist_ok=True)
    (OUT / "http_versions.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    write_md(meta, rows)
    plot(rows)
    missed = [r for r in rows if not r["within_15"]]
    print(f"{len(rows) - len(missed)}/{len(rows)} rows within ±15 %")
    return 0 if not missed else 3


def write_md(meta: dict, rows: list[dict]) -> None:
    lines = ["# HTTP versions: measured page loads against the textbook", "",
             f"{meta['date']}" + (f" ({meta['merged']})" if meta.get("merged") else "")
             + f", kernel {meta['kernel']}, {meta.get('machine', 'machine not recorded')}, "
             f"TCP congestion control {meta.get('tcp_congestion', 'not recorded (host default)')}"
             " (set by the topology, read from the client's route to the server).  One client "
             "container and the lab web "
             f"server (hypercorn) across one link of {meta['rate_mbps']} Mbit/s whose delay "
             f"makes the RTT R; the page links N objects of {meta['object_bytes']} bytes; "
             f"median of {meta['loads']} loads.  Theory: `src/netdojo/measure/http_theory.py` "
             "(round trips × R + slow start's extra rounds + bytes at the link's rate).", "",
             "| R ms | N | version | theory s | measured s | off | within ±15 % | connections "
             "| request header B | response header B |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['rtt_ms']:g} | {r['objects']} | {label(r['version'], r['tls'])} | "
                     f"{r['theory_s']:.3f} | {r['median_s']:.3f} | {r['off']:+.0%} | "
                     f"{'yes' if r['within_15'] else '**no**'} | {r['connections']} | "
                     f"{r['request_header_bytes']} | {r['response_header_bytes']} |")
    ok = sum(r["within_15"] for r in rows)
    lines += ["", f"{ok} of {len(rows)} rows within ±15 % of the theory.",
              "", "![load time against RTT](http_versions.png)", "", NOTES]
    (OUT / "http_versions.md").write_text("\n".join(lines))


NOTES = """## Which rows miss, and why

- **HTTP/1.0** holds the arithmetic (+1 % to +4 %) from R = 50 ms up.  At R = 10 ms the
  server's and the clients' own time (a few ms per connection, Python on both ends on a 2-core
  machine) is a larger share: +13 %.
- **HTTP/1.1 keep-alive** with 10 or 30 objects runs 16–23 % over at every RTT: each request
  costs about 0.2 R more than one round trip.  A capture (R = 100 ms) shows why in part: the
  first response on the connection arrives as one burst, later ones arrive two segments every
  ~7 ms, i.e. the server's TCP spreads them out.  That matches Linux's internal TCP pacing
  (≈ 1.2–2 × cwnd / RTT), which the textbook arithmetic ignores; but raising
  `tcp_pacing_ss_ratio`/`ca_ratio` in the server's namespace did not change it, and this kernel
  has no `fq` qdisc to turn pacing off with, so the cause is not proven yet.  HTTP/1.0 does not
  show it because each of its responses is the first on its connection.
- **HTTP/2** is within ±15 % for most rows; with 30 objects it runs 15–18 % over for the same
  reason (one connection carries 300 KB whose later flights are spread out).
- **HTTP/3** (aioquic's QUIC in Python on the server and the client) runs 17–31 % over from
  R = 50 ms, and up to 2× at R = 10 ms where its per-packet CPU cost dominates.  Its handshake
  takes more than the textbook's one round trip once the server's certificate flight exceeds
  QUIC's anti-amplification limit (3 × the client's first datagram).
- **HTTP/3 with 0-RTT** (`http3-0rtt`): the loader resumes a session from a ticket an earlier,
  untimed visit left, and sends the page's request in its first flight; the server (hypercorn,
  given a single-use ticket store in `docker/webapp.py`) accepts the early data in every load.
  Against HTTP/3 without it, it saves 0.99–1.31 R in every one of the 12 rows: the one round
  trip the theory says.  Its rows miss the ±15 % band by the same aioquic overhead as HTTP/3's
  (+23–37 % from R = 50 ms, about 2× at 10 ms).
- The ordering the chapter teaches holds in every row with 10 or 30 objects: HTTP/1.0 >
  HTTP/1.1 > parallel connections, HTTP/2 and HTTP/3; with one object HTTP/1.1 and HTTP/2 cost
  the same 3 R, as the theory says.  TLS 1.3 adds 1.0–1.2 R per connection from R = 50 ms up
  (1.4–2.5 R at 10 ms, where its CPU time is not small against R).
"""


def plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = sorted({r["objects"] for r in rows})
    fig, axes = plt.subplots(1, len(ns), figsize=(5 * len(ns), 4.2), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, n in zip(axes[0], ns, strict=True):
        for i, (version, tls) in enumerate(VERSIONS):
            sel = sorted((r for r in rows if r["objects"] == n and r["version"] == version
                          and r["tls"] == tls), key=lambda r: r["rtt_ms"])
            if not sel:
                continue
            c = colours[i % len(colours)]
            ax.plot([r["rtt_ms"] for r in sel], [r["theory_s"] for r in sel], "-", color=c,
                    label=label(version, tls))
            ax.plot([r["rtt_ms"] for r in sel], [r["median_s"] for r in sel], "o", color=c)
        ax.set_title(f"N = {n} objects")
        ax.set_xlabel("RTT (ms)")
        ax.set_ylabel("page load time (s)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8, title="lines: theory, dots: measured", title_fontsize=8)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(OUT / f"http_versions.{ext}")
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
