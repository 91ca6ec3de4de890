"""Issue 9's head-of-line blocking benchmark: HTTP/2 over TCP against HTTP/3 over QUIC when the
WAN loses 1, 2 or 5 % of packets each way; a page of 30 small objects (2 KiB), 40 loads each
(the issue asks for 20; at 1 % loss HTTP/2 is slowed in so few of 20 that its share of objects
on time rests on one or two loads).

    .venv/bin/python benchmarks/bench_http_hol.py [--loads 40] [--report-only]

(as root; these machines have no sudo).  A client container, a router, and four servers behind
links with the same delay (R = 40 ms): one clean, three lossy.  Writes
results/http_hol.{json,md,png,svg} (the plot also into the http-versions lab): the load-time
distributions, how many loads loss slowed, and in those the share of objects that still
arrived on time (measure/hol.py).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from netdojo import session
from netdojo.measure.hol import HIT, ON_TIME, summarize
from netdojo.measure.pageload import load_pages
from netdojo.topo.loader import parse_topology

OUT = Path(__file__).resolve().parent / "results"
LAB_COPY = OUT.parent.parent / "labs" / "http-versions" / "hol.png"
LOSSES = [1, 2, 5]
DELAY_MS = 20
PAGE = "/page/30/2048"
VERSIONS = ["http2", "http3"]


def topology() -> str:
    nodes = "".join(f"  s{p}: {{kind: container, services: {{http: {{tls: true, h3: true}}}}}}\n"
                    for p in [0, *LOSSES])
    links = "".join(f"  - {{endpoints: [r1, s{p}], bw: 50, delay: {DELAY_MS}, loss: {p}}}\n"
                    for p in LOSSES)
    return ("name: holbench\nnodes:\n  cl: {kind: container}\n  r1: {kind: router}\n" + nodes
            + "links:\n  - {endpoints: [cl, r1]}\n"
            + f"  - {{endpoints: [r1, s0], bw: 50, delay: {DELAY_MS}}}\n" + links)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=40)
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite the .md and the plot from results/http_hol.json")
    a = ap.parse_args()
    if a.report_only:
        doc = json.loads((OUT / "http_hol.json").read_text())
        write_md(doc["meta"], doc["rows"])
        plot(doc["rows"])
        return 0
    t0 = time.monotonic()
    net = session.up(parse_topology(topology(), "holbench.yaml"), detached=True,
                     log=lambda m: None)
    rows = []
    try:
        for version in VERSIONS:
            clean = load_pages(net, "cl", f"https://s0{PAGE}", version, loads=a.loads)
            for p in LOSSES:
                lossy = load_pages(net, "cl", f"https://s{p}{PAGE}", version, loads=a.loads,
                                   timeout=600)
                s = summarize(version, p, lossy, clean)
                rows.append(s.as_dict())
                print(f"{version} {p} % loss: median {s.median_s:.3f} s (clean {s.clean_s:.3f}),"
                      f" {s.hit}/{a.loads} slowed, on time in those: {s.on_time_share}",
                      flush=True)
    finally:
        net.run.teardown()
    meta = {"loads": a.loads, "rtt_ms": 2 * DELAY_MS, "page": PAGE, "rate_mbit": 50,
            "hit": HIT, "on_time": ON_TIME, "machine": platform.node(),
            "kernel": platform.release(), "date": time.strftime("%Y-%m-%d"),
            "duration_s": round(time.monotonic() - t0)}
    (OUT / "http_hol.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    write_md(meta, rows)
    plot(rows)
    return 0


def write_md(meta: dict, rows: list[dict]) -> None:
    lines = [
        "# Head-of-line blocking: HTTP/2 over TCP against HTTP/3 over QUIC under loss",
        "",
        f"`benchmarks/bench_http_hol.py`, {meta['date']}, kernel {meta['kernel']}, "
        f"{meta['duration_s']} s.  A page of 30 objects of 2 KiB (`{meta['page']}`), over TLS, "
        f"R = {meta['rtt_ms']} ms, {meta['rate_mbit']} Mbit/s, the loss each way on the "
        f"server's link (the userspace shaper: no sch_netem here); {meta['loads']} loads per row.",
        "A load is **slowed** when it took over "
        f"{meta['hit']} × the clean path's median; in a slowed load an object is **on time** when "
        f"it was done within {meta['on_time']} × that median.",
        "",
        "| version | loss | clean median | lossy median | p90 | slowed loads | objects on time "
        "in a slowed load (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        xs = sorted(r["totals"])
        p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
        share = "—" if r["on_time_share"] is None else f"{100 * r['on_time_share']:.0f} %"
        lines.append(f"| {r['version']} | {r['loss_pct']} % | {r['clean_s']:.3f} s | "
                     f"{statistics.median(xs):.3f} s | {p90:.3f} s | {r['hit']}/{len(xs)} | "
                     f"{share} |")
    lines += ["", "Every slowed load of a version, all loss rates together:", ""]
    for v in VERSIONS:
        shares = [x for r in rows if r["version"] == v for x in r.get("shares", [])]
        if shares:
            none = sum(x <= 0.1 for x in shares)
            lines.append(f"- {v}: {len(shares)} slowed loads; median share on time "
                         f"{100 * statistics.median(shares):.0f} %; in {none} of them "
                         "10 % of the objects or fewer were on time.")
    lines += ["", "![load time under loss](http_hol.png)", "", READING]
    (OUT / "http_hol.md").write_text("\n".join(lines) + "\n")


READING = """## Reading it

- **Head-of-line blocking is there, and HTTP/3 removes it.**  When loss slows an HTTP/2 load,
  usually almost no object arrives on time: TCP hands the bytes over in order, so one lost
  segment holds back every stream behind it until it is resent (when the loss hits the last
  segments of the page, only the objects in them are late: the others were already handed
  over).  When loss slows an HTTP/3 load, a share of the
  objects still arrives on time, because QUIC delivers each stream on its own and only the
  stream that lost a packet waits.
- **The whole page is not faster over HTTP/3 here.**  Loss slows more HTTP/3 loads than HTTP/2
  loads, and at 5 % its median is higher.  The page is done only when its last object is, and
  the QUIC stack on both ends is aioquic, in Python, against the kernel's TCP (SACK, RACK, tail
  loss probes, tuned for decades).  A QUIC packet carries at most ~1200 bytes against TCP's 1448,
  so the same page takes more packets to lose.  The benefit a browser sees over a production
  QUIC stack is not measured here; the stream-by-stream difference is.
- The chapter says HTTP/2's multiplexing confines a loss to its stream: that is true of HTTP/2's
  own framing, but under it TCP is one ordered byte stream, which is exactly what the HTTP/2
  rows show.  It also says QUIC corrects errors forward (FEC): RFC 9000's QUIC resends what was
  lost, as TCP does; it has no forward error correction.
"""


def plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2), width_ratios=[2, 1])
    colours = {"http2": "#1f77b4", "http3": "#d62728"}
    for i, p in enumerate(LOSSES):
        for j, v in enumerate(VERSIONS):
            r = next(x for x in rows if x["version"] == v and x["loss_pct"] == p)
            pos = i * 3 + j
            ax.boxplot([r["totals"]], positions=[pos], widths=0.6, showfliers=False,
                       medianprops={"color": colours[v]})
            ax.scatter([pos + 0.25 * ((k % 5) / 4 - 0.5) for k in range(len(r["totals"]))],
                       r["totals"], s=10, color=colours[v], alpha=0.6,
                       label=v if i == 0 else None)
    ax.set_xticks([i * 3 + 0.5 for i in range(len(LOSSES))], [f"{p} % loss" for p in LOSSES])
    ax.set_ylabel("page load time (s)")
    ax.set_title("30 objects over TLS, R = 40 ms: every load")
    ax.legend()
    width = 0.35
    for j, v in enumerate(VERSIONS):
        shares = [next(x for x in rows if x["version"] == v and x["loss_pct"] == p)
                  ["on_time_share"] or 0 for p in LOSSES]
        bx.bar([i + (j - 0.5) * width for i in range(len(LOSSES))], [100 * s for s in shares],
               width, color=colours[v], label=v)
    bx.set_xticks(range(len(LOSSES)), [f"{p} %" for p in LOSSES])
    bx.set_ylabel("objects on time in a slowed load (%)")
    bx.set_title("head-of-line blocking")
    bx.legend()
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(OUT / f"http_hol.{ext}")
    fig.savefig(LAB_COPY)  # the worksheet shows this plot
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
