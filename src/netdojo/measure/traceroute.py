"""traceroute → hops with their RTTs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netdojo.net import netns

_HOP = re.compile(r"^\s*(\d+)\s+(.*)$")


@dataclass
class Hop:
    ttl: int
    address: str | None
    rtts_ms: list[float] = field(default_factory=list)


def parse_traceroute(text: str) -> list[Hop]:
    hops = []
    for line in text.splitlines():
        m = _HOP.match(line)
        if not m:
            continue
        rest = m.group(2).split()
        addr = next((t for t in rest if re.match(r"^\d+\.\d+\.\d+\.\d+$", t)), None)
        rtts = [float(rest[i - 1]) for i, t in enumerate(rest) if t == "ms" and i > 0]
        hops.append(Hop(int(m.group(1)), addr, rtts))
    return hops


def traceroute(ns: str, dst_ip: str, max_hops: int = 16) -> list[Hop]:
    r = netns.run_in(ns, ["traceroute", "-n", "-q", "3", "-w", "2", "-m", str(max_hops),
                          dst_ip], timeout=max_hops * 7 + 5)
    return parse_traceroute(r.stdout)
