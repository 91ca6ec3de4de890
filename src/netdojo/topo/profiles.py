"""Named link profiles.  Values are one-way figures, chosen to show the textbook contrast:
a LAN is fast and quiet, a MAN sits in between, a WAN is slow, far and a little lossy."""

from __future__ import annotations

from netdojo.topo.params import LinkParams

PROFILES: dict[str, LinkParams] = {
    # Switched gigabit Ethernet in one building: sub-millisecond, no loss.
    "lan": LinkParams(bw=1000, delay=0.1, jitter=0, loss=0, queue=1000),
    # Metro fibre between campuses of one city: ~2 ms one way, little jitter.
    "man": LinkParams(bw=100, delay=2, jitter=0.2, loss=0, queue=500),
    # Long-haul, congested path across a continent: 40 ms one way, jitter, some loss.
    "wan": LinkParams(bw=10, delay=40, jitter=2, loss=0.5, queue=100),
}
