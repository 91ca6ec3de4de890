"""Configured-vs-measured rows for host pairs, and the table the CLI prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from netdojo.measure import bands
from netdojo.measure.expected import expected
from netdojo.measure.iperf import iperf
from netdojo.measure.ping import ping
from netdojo.measure.traceroute import Hop, traceroute
from netdojo.net import congestion


@dataclass
class PairRow:
    src: str
    dst: str
    path: list[str]
    rtt_expected_ms: float
    rtt_median_ms: float | None
    rtt_min_ms: float | None
    rtt_max_ms: float | None
    loss_expected_pct: float
    loss_pct: float
    sent: int
    bw_expected_mbps: float | None
    goodput_mbps: float | None
    retransmits: int | None
    rtt_ok: bool
    loss_ok: bool
    bw_ok: bool | None
    hops: list[Hop] = field(default_factory=list)
    congestion: str = ""  # the sender's TCP congestion control on this path, read from the kernel

    @property
    def ok(self) -> bool:
        return self.rtt_ok and self.loss_ok and self.bw_ok is not False

    def as_dict(self) -> dict:
        d = asdict(self)
        d["ok"] = self.ok
        return d


def default_pairs(net) -> list[tuple[str, str]]:
    hosts = net.topo.hosts()
    return [(hosts[0], h) for h in hosts[1:]]


def measure_pair(net, src: str, dst: str, count: int = 20, seconds: float = 3,
                 trace: bool = False) -> PairRow:
    links = net.path(src, dst)
    exp = expected(links)
    dst_ip = net.ip(dst)
    # A few probes first so ARP is resolved everywhere; they are not counted.
    linger = max(2.0, exp.rtt_ms / 1000 * 4)
    ping(net.ns(src), dst_ip, count=2, interval=0.05, linger=linger)
    pr = ping(net.ns(src), dst_ip, count=count, interval=0.05, linger=linger, src=src, dst=dst)
    median = pr.median_ms
    rtt_ok = median is not None and bands.rtt_ok(exp.rtt_ms, median, base_ms=0.0)
    loss_ok = bands.loss_ok(pr.sent, pr.sent - pr.received, exp.loss_pct / 100)
    goodput = retrans = None
    bw_ok = None
    if seconds > 0:
        ip = iperf(net.ns(src), net.ns(dst), dst_ip, seconds=seconds, src=src, dst=dst)
        goodput, retrans = ip.goodput_mbps, ip.retransmits
        # With loss on the path TCP cannot fill the pipe (that is the lesson, not a fault).
        if exp.bw_mbps and exp.loss_pct == 0:
            bw_ok = bands.goodput_ok(exp.bw_mbps, goodput)
    hops = traceroute(net.ns(src), dst_ip) if trace else []
    return PairRow(src, dst, [f"{lk.a.node}-{lk.b.node}" for lk in links], exp.rtt_ms,
                   median, pr.min_ms, pr.max_ms, exp.loss_pct, pr.loss_pct, pr.sent,
                   exp.bw_mbps, goodput, retrans, rtt_ok, loss_ok, bw_ok, hops,
                   congestion.in_force(net.ns(src), dst_ip))


def _f(v: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if v is None else fmt.format(v)


def print_table(rows: list[PairRow]) -> None:
    head = (f"{'pair':14} {'RTT cfg':>8} {'RTT med':>8} {'min/max':>15} {'loss cfg':>8} "
            f"{'loss':>6} {'bw cfg':>7} {'goodput':>8} {'retr':>5}  verdict")
    print(head)
    print("-" * len(head))
    for r in rows:
        verdict = "ok" if r.ok else "OFF: " + ", ".join(
            w for w, bad in (("rtt", not r.rtt_ok), ("loss", not r.loss_ok),
                             ("bw", r.bw_ok is False)) if bad)
        print(f"{r.src + '->' + r.dst:14} {_f(r.rtt_expected_ms):>8} {_f(r.rtt_median_ms):>8} "
              f"{_f(r.rtt_min_ms) + '/' + _f(r.rtt_max_ms):>15} "
              f"{_f(r.loss_expected_pct, '{:.1f}%'):>8} {_f(r.loss_pct, '{:.1f}%'):>6} "
              f"{_f(r.bw_expected_mbps, '{:.0f}'):>7} {_f(r.goodput_mbps, '{:.1f}'):>8} "
              f"{_f(r.retransmits, '{}'):>5}  {verdict}")
        if r.hops:
            for h in r.hops:
                print(f"    hop {h.ttl}: {h.address or '*'} "
                      + " ".join(f"{x:.2f}" for x in h.rtts_ms))
    senders = sorted({f"{r.src} {r.congestion}" for r in rows if r.congestion})
    if senders:
        print("TCP congestion control (each sender's route to its receiver, as the kernel has "
              "it): " + ", ".join(senders))
    print("RTT in ms (median of the probes); bw and goodput in Mbit/s (TCP, iperf3); "
          "loss is round trip. Bands: RTT ±(0.3 ms + 2 %), goodput 90–100 % when lossless, "
          "loss inside the 99 % binomial interval.")
