"""ping → per-probe RTTs and a summary."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from netdojo.net import netns

_RTT = re.compile(r"icmp_seq=(\d+) .*time=([\d.]+) ms")
_SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) received")


@dataclass
class PingResult:
    src: str
    dst: str
    sent: int
    received: int
    rtts_ms: list[float]

    @property
    def loss_pct(self) -> float:
        return 100.0 * (self.sent - self.received) / self.sent if self.sent else 100.0

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.rtts_ms) if self.rtts_ms else None

    @property
    def min_ms(self) -> float | None:
        return min(self.rtts_ms) if self.rtts_ms else None

    @property
    def max_ms(self) -> float | None:
        return max(self.rtts_ms) if self.rtts_ms else None


def parse_ping(text: str, src: str = "", dst: str = "") -> PingResult:
    rtts = [float(m.group(2)) for m in _RTT.finditer(text)]
    m = _SUMMARY.search(text)
    sent, received = (int(m.group(1)), int(m.group(2))) if m else (len(rtts), len(rtts))
    return PingResult(src, dst, sent, received, rtts)


def ping(ns: str, dst_ip: str, count: int = 10, interval: float = 0.2, size: int = 56,
         deadline: float | None = None, linger: float = 2.0, src: str = "",
         dst: str = "") -> PingResult:
    """Ping from namespace `ns`; each reply's RTT is kept (median of several, not one probe).

    Exactly `count` probes are sent (no -w: with -w, ping keeps sending until `count`
    *replies*, which biases a loss measurement); `linger` is how long to wait for the last."""
    wait = deadline or count * interval + linger + 5
    cmd = ["ping", "-n", "-c", str(count), "-i", str(interval), "-s", str(size),
           "-W", str(linger), dst_ip]
    r = netns.run_in(ns, cmd, timeout=wait + 10)
    return parse_ping(r.stdout, src, dst)
