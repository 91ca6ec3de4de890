"""Issue 18.1's comparison: the same path, three TCP congestion control algorithms, measured.

    .venv/bin/python benchmarks/bench_congestion.py [--seconds 10] [--runs 3]

(as root).  Two namespaces across one link of 20 Mbit/s and 60 ms RTT, without loss and with
1 % loss each way; for each of reno, cubic and bbr, iperf3 -C ALGO, median of the runs.  Writes
results/congestion.{json,md}.  The lab worksheet (throughput-latency, part 5) quotes it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from netdojo import session
from netdojo.measure.congestion_compare import compare
from netdojo.net import congestion
from netdojo.topo.loader import parse_topology

OUT = Path(__file__).resolve().parent / "results"
ALGOS = ["reno", "cubic", "bbr"]
RATE, DELAY = 20, 30  # Mbit/s, ms one way: RTT 60 ms, BDP 150 kB


def topology(loss: float) -> str:
    return ("name: ccbench\nnodes:\n  h1: {}\n  h2: {}\nlinks:\n"
            f"  - {{endpoints: [h1, h2], bw: {RATE}, delay: {DELAY}, loss: {loss}, "
            "queue: 1000}\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    rows = []
    shaper = lab_default = ""
    for loss in (0.0, 1.0):
        net = session.up(parse_topology(topology(loss), "ccbench.yaml"), detached=True,
                         log=lambda m: None)
        try:
            shaper = net.run.shaper
            lab_default = congestion.in_force(net.ns("h1"), net.ip("h2"))
            for r in compare(net, "h1", "h2", ALGOS, a.seconds, a.runs):
                rows.append({"loss_pct": loss, "algo": r.algo,
                             "goodput_mbps": round(r.goodput_mbps, 2),
                             "retransmits": r.retransmits, "runs": r.runs,
                             "loaded_rtt_ms": r.loaded_rtt_ms})
                print(f"loss {loss:g} % {r.algo:6} {r.goodput_mbps:6.2f} Mbit/s "
                      f"retr {r.retransmits} RTT loaded {r.loaded_rtt_ms} ms", flush=True)
        finally:
            net.run.teardown()
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "kernel": platform.release(),
            "machine": f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs)",
            "shaper": shaper, "lab_default": lab_default, "rate_mbps": RATE,
            "rtt_ms": 2 * DELAY, "seconds": a.seconds, "runs": a.runs}
    OUT.mkdir(exist_ok=True)
    (OUT / "congestion.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    lines = ["# TCP congestion control: the same path, three algorithms", "",
             f"{meta['date']}, kernel {meta['kernel']}, {meta['machine']}, shaper "
             f"{meta['shaper']}.  One link of {RATE} Mbit/s, RTT {2 * DELAY} ms (BDP "
             f"{RATE * 1e6 * 2 * DELAY / 1e3 / 8 / 1000:.0f} kB), queue 1000 packets; iperf3 "
             f"-C ALGO for {a.seconds:g} s, median of {a.runs} runs.  The lab's own setting "
             f"(every route's congctl) was {lab_default}; -C overrides it for the one socket.",
             "", "| loss each way | algorithm | goodput Mbit/s | retransmits | RTT under load ms "
             "| runs |", "|---|---|---|---|---|---|"]
    for r in rows:
        rtt = f"{r['loaded_rtt_ms']:.1f}" if r["loaded_rtt_ms"] is not None else "-"
        lines.append(f"| {r['loss_pct']:g} % | {r['algo']} | {r['goodput_mbps']:.2f} | "
                     f"{r['retransmits']} | {rtt} | {', '.join(f'{x:.1f}' for x in r['runs'])} |")
    # what a run showed is read in the committed results/congestion.md ("Reading it")
    (OUT / "congestion.md").write_text("\n".join(lines) + "\n")
    print((OUT / "congestion.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
