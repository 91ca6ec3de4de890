"""Issue 9's benchmark of what HTTP/1.x sites did about round trips: the same page (N images, a
stylesheet and a script) served four ways — separate files, one sprite, images inlined as base64,
code minified and gzip-compressed — loaded over HTTP/1.0, HTTP/1.1 keep-alive and HTTP/2; median
of 5 loads.

    .venv/bin/python benchmarks/bench_http_tricks.py [--loads 5] [--report-only]

(as root; these machines have no sudo).  A client container and the lab web server across one
link, R = 50 ms, 50 Mbit/s, clear HTTP.  Writes results/http_tricks.{json,md,png,svg}.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from netdojo import session
from netdojo.measure.pageload import load_pages
from netdojo.topo.loader import parse_topology

OUT = Path(__file__).resolve().parent / "results"
N, SIZE, RTT_MS, RATE = 12, 10240, 50, 50
VARIANTS = ["separate", "sprite", "inline", "minified"]
VERSIONS = ["http1.0", "http1.1", "http2"]
TOPOLOGY = ("name: tricksbench\nnodes:\n  cl: {kind: container}\n"
            "  web: {kind: container, services: {http: {tls: false, h3: false}}}\n"
            f"links:\n  - {{endpoints: [cl, web], delay: {RTT_MS / 2}, bw: {RATE}}}\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite the .md and the plot from results/http_tricks.json")
    a = ap.parse_args()
    if a.report_only:
        doc = json.loads((OUT / "http_tricks.json").read_text())
        write_md(doc["meta"], doc["rows"])
        plot(doc["rows"])
        return 0
    t0 = time.monotonic()
    net = session.up(parse_topology(TOPOLOGY, "tricksbench.yaml"), detached=True,
                     log=lambda m: None)
    rows = []
    try:
        for variant in VARIANTS:
            for version in VERSIONS:
                loads = load_pages(net, "cl", f"http://web/tricks/{variant}/{N}/{SIZE}",
                                   version, loads=a.loads)
                row = {"variant": variant, "version": version,
                       "median_s": round(statistics.median(x.total_s for x in loads), 4),
                       "samples": [round(x.total_s, 4) for x in loads],
                       "requests": len(loads[0].objects), "connections": loads[0].connections,
                       "bytes": loads[0].body_bytes}
                rows.append(row)
                print(f"{variant:9} {version:8} {row['median_s']:.3f} s, {row['requests']} "
                      f"requests, {row['bytes']} body bytes", flush=True)
    finally:
        net.run.teardown()
    meta = {"loads": a.loads, "objects": N, "size": SIZE, "rtt_ms": RTT_MS, "rate_mbit": RATE,
            "machine": platform.node(), "kernel": platform.release(),
            "date": time.strftime("%Y-%m-%d"), "duration_s": round(time.monotonic() - t0)}
    (OUT / "http_tricks.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1)
                                          + "\n")
    write_md(meta, rows)
    plot(rows)
    return 0


def write_md(meta: dict, rows: list[dict]) -> None:
    def row(variant: str, version: str) -> dict:
        return next(r for r in rows if r["variant"] == variant and r["version"] == version)

    lines = [
        "# What HTTP/1.x sites did about round trips, measured",
        "",
        f"`benchmarks/bench_http_tricks.py`, {meta['date']}, kernel {meta['kernel']}, "
        f"{meta['duration_s']} s.  One page: {meta['objects']} images of {meta['size']} bytes, a "
        "100 kB stylesheet and a 210 kB script, served four ways by the lab web server; "
        f"R = {meta['rtt_ms']} ms, {meta['rate_mbit']} Mbit/s, clear HTTP; median of "
        f"{meta['loads']} loads.",
        "",
        "| page built as | requests | bytes on the wire (bodies) | HTTP/1.0 | HTTP/1.1 | HTTP/2 |",
        "|---|---|---|---|---|---|",
    ]
    for v in VARIANTS:
        r10, r11, r2 = (row(v, x) for x in VERSIONS)
        lines.append(f"| {v} | {r11['requests']} | {r11['bytes']:,} | {r10['median_s']:.3f} s | "
                     f"{r11['median_s']:.3f} s | {r2['median_s']:.3f} s |")
    base = {x: row("separate", x)["median_s"] for x in VERSIONS}
    lines += ["", "Time saved against separate files:", "",
              "| page built as | HTTP/1.0 | HTTP/1.1 | HTTP/2 |", "|---|---|---|---|"]
    for v in VARIANTS[1:]:
        cells = [f"{100 * (1 - row(v, x)['median_s'] / base[x]):+.0f} %" for x in VERSIONS]
        lines.append(f"| {v} | " + " | ".join(cells) + " |")
    lines += ["", "![the four pages by version](http_tricks.png)", "", READING]
    (OUT / "http_tricks.md").write_text("\n".join(lines) + "\n")


READING = """## Reading it

- A **sprite** and **inlined** images remove requests: over HTTP/1.0 each request cost two round
  trips (a connection, then the request), over HTTP/1.1 one.  That is where they save most.
  Over HTTP/2 every request goes out at once, so a request costs almost nothing: the same
  tricks save little or nothing there, and inlining even costs bytes (base64 is 4/3 of the
  image, and an inlined image cannot be cached on its own).
- **Minifying and compressing** the code saves bytes, not requests: the stylesheet and script
  shrink from 310 kB to about 25 kB.  Fewer bytes means fewer of TCP's slow-start round trips
  and less time on the link, so it helps every version, HTTP/2 included.
"""


def plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.2))
    width = 0.2
    for j, v in enumerate(VARIANTS):
        ys = [next(r for r in rows if r["variant"] == v and r["version"] == x)["median_s"]
              for x in VERSIONS]
        ax.bar([i + (j - 1.5) * width for i in range(len(VERSIONS))], ys, width, label=v)
    ax.set_xticks(range(len(VERSIONS)), ["HTTP/1.0", "HTTP/1.1 keep-alive", "HTTP/2"])
    ax.set_ylabel("page load time (s), median")
    ax.set_title("the same page, four ways, R = 50 ms")
    ax.legend(title="page built as")
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(OUT / f"http_tricks.{ext}")
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
