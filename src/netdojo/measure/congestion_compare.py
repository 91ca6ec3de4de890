"""The same path, several TCP congestion control algorithms: what each one's sender gets.

`netdojo measure h1 h2 --congestion reno,cubic,bbr` runs iperf3 once per algorithm with
`-C ALGO` (TCP_CONGESTION on the sending socket, for this transfer only: the lab's own
setting stays), `runs` times each, and keeps the medians, with a ping running beside each
transfer: the round-trip time *under load*.  Loss-based algorithms (Reno, CUBIC) grow their
window until a packet is lost, so they fill the bottleneck's queue and the RTT climbs with it;
BBR paces to the bandwidth and the minimum RTT it measures and keeps the queue short; on a
lossy path Reno and CUBIC back off at every loss and BBR does not."""

from __future__ import annotations

import statistics
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from netdojo.errors import NetdojoError
from netdojo.measure.expected import expected
from netdojo.measure.iperf import iperf
from netdojo.measure.ping import ping
from netdojo.net import congestion


@dataclass
class AlgoRow:
    algo: str
    goodput_mbps: float  # median over the runs
    retransmits: int  # median over the runs
    runs: list[float]
    loaded_rtt_ms: float | None = None  # median RTT of the pings sent during the transfers


def compare(net, src: str, dst: str, algos: list[str], seconds: float = 5,
            runs: int = 3) -> list[AlgoRow]:
    have = congestion.available()
    missing = [a for a in algos if a not in have]
    if missing:
        raise NetdojoError(f"--congestion: this kernel has no {', '.join(missing)} "
                           f"(it has {', '.join(have)})")
    rows = []
    probes = max(3, int(seconds / 0.2))
    with ThreadPoolExecutor(1) as pool:
        for algo in algos:
            results, rtts = [], []
            for _ in range(runs):
                pinger = pool.submit(ping, net.ns(src), net.ip(dst), probes, 0.2)
                results.append(iperf(net.ns(src), net.ns(dst), net.ip(dst), seconds=seconds,
                                     src=src, dst=dst, congestion=algo))
                rtts += pinger.result().rtts_ms
            rows.append(AlgoRow(algo, statistics.median(r.goodput_mbps for r in results),
                                int(statistics.median(r.retransmits for r in results)),
                                [round(r.goodput_mbps, 2) for r in results],
                                statistics.median(rtts) if rtts else None))
    return rows


def format_rows(net, src: str, dst: str, rows: list[AlgoRow], seconds: float) -> str:
    exp = expected(net.path(src, dst))
    path = (f"{src} -> {dst}: bottleneck {exp.bw_mbps or '∞'} Mbit/s, RTT {exp.rtt_ms:.0f} ms, "
            f"loss {exp.loss_pct:g} % (as configured)")
    out = [path, f"{'algorithm':10} {'goodput':>9} {'retr':>6} {'RTT loaded':>11}  runs of "
                 f"{seconds:g} s (Mbit/s)", "-" * 72]
    for r in rows:
        rtt = f"{r.loaded_rtt_ms:.1f} ms" if r.loaded_rtt_ms is not None else "-"
        out.append(f"{r.algo:10} {r.goodput_mbps:9.2f} {r.retransmits:6d} {rtt:>11}  "
                   + ", ".join(f"{x:.2f}" for x in r.runs))
    out.append("goodput: median of the runs as the receiver counts it; retr: segments the "
               "sender sent again (median); RTT loaded: median ping during the transfers (the "
               "path's own RTT plus the queue the sender keeps full).  Each run sets the "
               "algorithm on iperf3's socket (-C); the lab's own setting is unchanged.")
    return "\n".join(out)
