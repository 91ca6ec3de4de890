"""The fidelity bands every measurement is judged by (issue 2's targets)."""

from __future__ import annotations

import math


def rtt_tolerance_ms(configured_ms: float) -> float:
    """Median RTT must be within ±(0.3 ms + 2 %) of the configured RTT."""
    return 0.3 + 0.02 * configured_ms


def rtt_ok(configured_ms: float, median_ms: float, base_ms: float = 0.0) -> bool:
    """`base_ms` is the unshaped path's own RTT, which no emulator can take away."""
    return abs(median_ms - base_ms - configured_ms) <= rtt_tolerance_ms(configured_ms)


def sample_tolerance_ms(configured_ms: float) -> float:
    """At least 90 % of samples within ±(0.5 ms + 5 %)."""
    return 0.5 + 0.05 * configured_ms


def binomial_interval(n: int, p: float, z: float = 2.576) -> tuple[float, float]:
    """Counts (low, high) that a fair coin of bias p lands inside with ~99 % probability."""
    mean = n * p
    sd = math.sqrt(n * p * (1 - p))
    return max(0.0, mean - z * sd - 0.5), min(float(n), mean + z * sd + 0.5)


def loss_ok(sent: int, lost: int, p: float, z: float = 2.576) -> bool:
    """Inside the binomial interval (99 % by default, the benchmark's target band)."""
    lo, hi = binomial_interval(sent, p, z)
    return lo <= lost <= hi


def goodput_ok(configured_mbps: float, goodput_mbps: float) -> bool:
    """90–100 % of the configured rate (1 % slack above for iperf3's own interval edges)."""
    return 0.90 <= goodput_mbps / configured_mbps <= 1.01
