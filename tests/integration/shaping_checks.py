"""The fidelity checks, shared by the userspace and netem test modules.

Under TCG (QEMU's software CPU: the lab VM on a host without working KVM) the emulated CPU adds
its own time to every packet, which no shaper can take away.  There each check first asserts
the shaper's *effect*: the configured delay on top of the same path's unshaped RTT, rates
capped at the configured value.  The absolute band, which a KVM guest or bare metal holds, is
then skipped with the measured figures when TCG misses it ("needs KVM")."""

from __future__ import annotations

import functools
import shutil
import statistics
import subprocess

import pytest

from netdojo.measure import bands
from netdojo.measure.iperf import iperf
from netdojo.measure.ping import ping
from netdojo.topo import Topology, linear
from netdojo.topo.validate import validate


def pair(**params) -> Topology:
    t = Topology("pair").add_host("h1").add_host("h2").add_link("h1", "h2", **params)
    return validate(t)


@functools.cache
def under_tcg() -> bool:
    """True inside a QEMU guest without hardware virtualisation."""
    if not shutil.which("systemd-detect-virt"):
        return False
    r = subprocess.run(["systemd-detect-virt", "--vm"], capture_output=True, text=True)
    return r.stdout.strip() == "qemu"  # under KVM it says "kvm"


def _median_rtt(net, a: str, b: str, count: int) -> float:
    ping(net.ns(a), net.ip(b), count=3, interval=0.05)
    return ping(net.ns(a), net.ip(b), count=count, interval=0.02).median_ms


def _needs_kvm(what: str) -> None:
    pytest.skip(f"needs KVM: under TCG {what}")


def _tcg_effect(want: float, median: float, base: float, stages: int) -> None:
    """Under TCG: the configured delay must be there, on top of the unshaped path, give or
    take the late timers of an emulated CPU (measured: 0.2 to 1 ms per netem stage,
    benchmarks/results/vm.md)."""
    effect = median - base
    assert want - bands.rtt_tolerance_ms(want) <= effect <= want * 1.10 + 1.0 * stages, \
        f"median {median:.2f} ms for {want} ms: the shaper added {effect:.2f} ms over the " \
        f"unshaped {base:.2f} ms"


def check_delay(lab, shaper: str, delay: float) -> None:
    net = lab(pair(delay=delay), shaper)
    ping(net.ns("h1"), net.ip("h2"), count=3, interval=0.05)
    r = ping(net.ns("h1"), net.ip("h2"), count=30, interval=0.02)
    want = 2 * delay
    assert r.received == 30
    if under_tcg():
        base = _median_rtt(lab(pair(), shaper), "h1", "h2", 30)
        _tcg_effect(want, r.median_ms, base, stages=2)
        if not bands.rtt_ok(want, r.median_ms):
            _needs_kvm(f"the median RTT is {r.median_ms:.2f} ms for {want} ms (the unshaped path "
                       f"takes {base:.2f} ms; the shaper added {r.median_ms - base:.2f} ms)")
    assert bands.rtt_ok(want, r.median_ms), f"median {r.median_ms} ms for {want} ms"
    tol = bands.sample_tolerance_ms(want)
    # The spread is judged over up to three rounds of 30 probes.  A shaper fault shows in every
    # round (and a shaper never delivers early, which every round must hold); a probe that a
    # busy 2-core host was late to schedule does not repeat itself (CI once saw 26/30 inside
    # on the host's userspace line, whose median was in its band).
    rounds = [r.rtts_ms]
    while True:
        rtts = rounds[-1]
        assert min(rtts) >= want - tol, f"a probe came back early: {sorted(rtts)[:3]}"
        inside = sum(abs(x - want) <= tol for x in rtts)
        if inside >= 0.9 * len(rtts) or len(rounds) == 3:
            break
        rounds.append(ping(net.ns("h1"), net.ip("h2"), count=30, interval=0.02).rtts_ms)
    figures = "; ".join(f"{sum(abs(x - want) <= tol for x in t)}/{len(t)} within ±{tol:.2f} ms "
                        f"of {want} ms, the latest {max(t):.2f} ms" for t in rounds)
    if under_tcg() and inside < 0.9 * len(rtts):
        _needs_kvm(f"in {len(rounds)} rounds {figures} (none early)")
    assert inside >= 0.9 * len(rtts), f"in {len(rounds)} rounds {figures}"


def check_multi_hop_delay(lab, shaper: str) -> None:
    net = lab(linear(3, delay=2), shaper)  # h1-s1-s2-s3-h3: four links of 2 ms
    median = _median_rtt(net, "h1", "h3", 20)
    if under_tcg():
        base = _median_rtt(lab(linear(3), shaper), "h1", "h3", 20)
        _tcg_effect(16.0, median, base, stages=8)
        if not bands.rtt_ok(16.0, median):
            _needs_kvm(f"the median RTT over four 2 ms links is {median:.2f} ms for 16 ms (the "
                       f"unshaped path takes {base:.2f} ms; the shaper added "
                       f"{median - base:.2f} ms)")
    assert bands.rtt_ok(16.0, median), f"median {median} ms for 16 ms"


def check_jitter(lab, shaper: str) -> None:
    net = lab(pair(delay=20, jitter=5), shaper)
    ping(net.ns("h1"), net.ip("h2"), count=3, interval=0.05)
    r = ping(net.ns("h1"), net.ip("h2"), count=200, interval=0.02)
    assert statistics.pstdev(r.rtts_ms) > 1.5  # it really varies
    if under_tcg():
        # the same bounds, moved by the unshaped path's RTT and widened above by what late
        # timers of an emulated CPU add (as in _tcg_effect)
        base = _median_rtt(lab(pair(), shaper), "h1", "h2", 30)
        _tcg_effect(40.0, r.median_ms, base, stages=2)
        late = 40 * 0.10 + 2.0
    else:
        base, late = 0.0, 0.0
        # each direction ±5 ms uniform: RTT is triangular over 30..50 ms (sd 4.1 ms), so the
        # median of 200 probes has a standard error of ~0.36 ms; 1.5 ms is four of them
        assert abs(r.median_ms - 40) < 1.5, r.median_ms
    # The bounds hold for the shaper; a probe that the 2-core machine was late to schedule
    # may still land outside, so 99 % of them must (one slow probe is not a shaping fault).
    inside = sum(1 for x in r.rtts_ms if 30 - 0.5 <= x - base <= 50 + 1.5 + late)
    if base and inside < 0.99 * len(r.rtts_ms):
        assert min(r.rtts_ms) - base >= 30 - 0.5, sorted(r.rtts_ms)[:3]  # none early
        _needs_kvm(f"{inside}/200 probes of 20±5 ms each way within their bounds (none "
                   f"early; the latest {max(r.rtts_ms):.2f} ms)")
    assert inside >= 0.99 * len(r.rtts_ms), sorted(r.rtts_ms)[:3] + sorted(r.rtts_ms)[-3:]
    if base and abs(r.median_ms - 40) >= 1.5:
        _needs_kvm(f"the median RTT of 20±5 ms each way is {r.median_ms:.2f} ms for 40 ms (the "
                   f"unshaped path takes {base:.2f} ms; the shaper added "
                   f"{r.median_ms - base:.2f} ms)")


def check_rate(lab, shaper: str, bw: float) -> None:
    net = lab(pair(bw=bw, delay=1), shaper)
    # The median of three transfers: one transfer that the 2-core machine was slow to schedule
    # is not a shaping fault (CI once saw 87 % at 100 Mbit/s where the benchmark's 20 s runs
    # give 95 %). No transfer may beat the cap, though: that would be a shaping fault.
    runs = [iperf(net.ns("h1"), net.ns("h2"), net.ip("h2"), seconds=3) for _ in range(3)]
    over = [r.goodput_mbps for r in runs if r.goodput_mbps > 1.01 * bw]
    assert not over, f"{over} Mbit/s over a cap of {bw}"
    res = sorted(runs, key=lambda r: r.goodput_mbps)[1]
    if under_tcg() and not bands.goodput_ok(bw, res.goodput_mbps):
        free = lab(pair(delay=1), shaper)
        cap = iperf(free.ns("h1"), free.ns("h2"), free.ip("h2"), seconds=3).goodput_mbps
        # the cap is there (an unshaped path carries `cap`), if lower than configured
        assert 0.5 * bw <= res.goodput_mbps <= 1.01 * bw < cap, \
            f"{res.goodput_mbps:.2f} of {bw} Mbit/s (unshaped: {cap:.1f})"
        _needs_kvm(f"{bw} Mbit/s gives {res.goodput_mbps:.1f} Mbit/s of goodput (the unshaped "
                   f"path carries {cap:.1f}): htb's timers run late on an emulated CPU")
    assert bands.goodput_ok(bw, res.goodput_mbps), f"{res.goodput_mbps:.2f} of {bw} Mbit/s"


def check_loss(lab, shaper: str, loss: float, probes: int = 1000) -> None:
    net = lab(pair(loss=loss), shaper)
    r = ping(net.ns("h1"), net.ip("h2"), count=probes, interval=0.005)
    p_round_trip = 1 - (1 - loss / 100) ** 2
    lost = r.sent - r.received
    assert r.sent == probes
    # 99.9 % interval: a test run must not fail 1 time in 100 by design (the benchmark
    # judges the 99 % band over 2,000 probes)
    assert bands.loss_ok(r.sent, lost, p_round_trip, z=3.29), \
        f"{lost}/{r.sent} lost, expected ~{p_round_trip * probes:.0f}"
