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
from netdojo.plots import pyplot
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

Run with TCP congestion control CUBIC in every node (the topology's default, the chapter's and
stock Debian/Ubuntu's; this host's own default is BBR, see `netdojo doctor`).

- **HTTP/1.0** holds the arithmetic: +1–3 % from R = 50 ms, +7–10 % at R = 10 ms, where the
  server's and client's own time per connection (Python on both ends, 2 cores) weighs more.
- **HTTP/1.1 keep-alive** holds it too: +1–5 % from R = 50 ms (+5–15 % at 10 ms).  Under BBR,
  in a run of 2026-11-29 (same code, same machine), the same rows ran 16–23 % over: BBR paces a
  connection's later responses out ("two segments every ~7 ms" in that run's capture), which
  the textbook's round-trip arithmetic does not know.  Changing only the algorithm removed the
  gap, so pacing was the cause.
- **HTTP/2** holds it: −2 to +5 % from R = 50 ms.  In a run of 2026-12-02 its rows with 10 or
  30 objects took exactly one R more than the model (+0.85–1.01 R at every R).  A capture
  (R = 100 ms, 10 objects of 10 KB, client side) showed why: after the requests the server sent
  10, 20, 40 and 4 segments in four rounds — the objects started again from the initial window,
  because the handshake's and the HTML's rounds carried a few small packets and a window grows
  only in rounds that fill it (RFC 7661).  The model counted the HTML's round as one that grew
  it; `http_theory.py` now starts the objects at 10 segments.  HTTP/3 over QUIC showed the same
  four rounds (aioquic), and takes the same correction.  Its request header column now counts
  the page's own HEADERS frame too (the loader read the connection preface as a frame before
  2026-12-05, which hid it).
- **HTTP/3** (aioquic on both ends): with 10 or 30 objects +2 to +7 % from R = 50 ms; with one
  object +16–25 %, about half a round trip over 3 R (0.47–0.74 R).  **Cause, measured**
  ([`http_causes.md`](http_causes.md)): aioquic **paces** its packets (RFC 9002 §7.7: after a
  burst of a quarter window, one packet every srtt × size ÷ cwnd), which the round-trip
  arithmetic does not count.  Captured at the client, the one object's 8 packets arrive spread
  over a fifth to a third of a round trip from the shipped server and within 0.6 ms (back to
  back at 100 Mbit/s) from a second server whose aioquic has its pacer switched off; with the
  pacer off the same one-object loads come within ±15 % at every R from 50 ms.  With more
  objects the spread falls inside slow start's rounds, which the model counts anyway.
- **HTTP/3 with 0-RTT** (`http3-0rtt`): the loader resumes from a ticket an earlier, untimed
  visit left and sends the page's request in its first flight; the server (hypercorn, with a
  single-use ticket store in `docker/webapp.py`) accepts the early data in every load.  Against
  HTTP/3 without it, it saves 0.92–1.13 R in every row from R = 50 ms — the one round trip the
  theory says, within ±15 % in all 9 of them (1.3–2.5 R at 10 ms, where CPU time dominates).
  Its one-object rows miss by HTTP/3's own excess, pacing.
- **At R = 10 ms** a few ms of each end's own work is a fifth of a 30 ms load: HTTP/1.1 and
  HTTP/2 over TLS with one object run +15–17 %, HTTP/3 +17 to +59 %.  **Measured**
  ([`http_causes.md`](http_causes.md), one captured load per row): the server's time beyond
  the round trip (0.7–5 ms), the client's between an answer and its next message (1–3 ms), the
  answers' spread beyond the theory's (up to 5 ms: HTTP/3's pacing) and the loader's own time
  before its first packet and after the last data (2.5–12 ms: sockets, TLS contexts, Python)
  add up to each row's excess within 2.5 ms (4.6 ms for HTTP/3 with 30 objects).
- The ordering the chapter teaches holds in every row with 10 or 30 objects: HTTP/1.0 >
  HTTP/1.1 > parallel connections, HTTP/2 and HTTP/3; with one object HTTP/1.1 and HTTP/2 cost
  the same 3 R, as the theory says.  TLS 1.3 adds one R per connection.
"""


def plot(rows: list[dict]) -> None:
    plt = pyplot()

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
