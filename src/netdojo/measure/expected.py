"""What a path's configuration promises: RTT, bottleneck rate, round-trip loss."""

from __future__ import annotations

from dataclasses import dataclass

from netdojo.topo.model import Link


@dataclass
class Expected:
    rtt_ms: float
    bw_mbps: float | None
    loss_pct: float  # for a ping: request and reply must both survive


def expected(links: list[Link]) -> Expected:
    one_way = sum(lk.params.delay for lk in links)
    bws = [lk.params.bw for lk in links if lk.params.bw]
    survive = 1.0
    for lk in links:
        survive *= (1 - lk.params.loss / 100) ** 2
    return Expected(2 * one_way, min(bws) if bws else None, 100 * (1 - survive))
