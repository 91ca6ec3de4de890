"""throughput-latency's paths: drawn per student inside what the lab can measure, and spread
wide enough that no class-wide figure is anybody's answer (issue 17.4)."""

from __future__ import annotations

from netdojo.labs.catalog import find_lab
from netdojo.labs.checks import load_checks
from netdojo.labs.values import values_for


def test_every_students_path_stays_where_the_lab_can_measure_it():
    """throughput-latency's derived path: rate, RTT and the part-4 buffer in their bounds for
    any draw (the corners included), and spread wide, so no class-wide figure is an answer."""
    lab = find_lab("throughput-latency")
    derive = load_checks(lab.dir / "checks.py", lab.id).derive
    corners = [{"share": f, "pipe_u": p, "rtt_u": r} for f in (20, 60) for p in (0, 1000)
               for r in (0, 1000)]
    paths = corners + [values_for(lab, f"s{i:03d}") for i in range(200)]
    rates, rtts = [], []
    for v in paths:
        d = derive(dict(v))
        rtt, pipe = 2 * d["delay"], d["bw"] * 1e6 / 8 * 2 * d["delay"] / 1000
        assert 0.99 <= d["bw"] <= 60.5 and 9.9 <= rtt <= 160.1, v
        assert 15_500 <= v["share"] / 100 * pipe <= 191_000, v  # iperf3 -w in the VM's cap
        rates.append(d["bw"])
        rtts.append(rtt)
    assert max(rates) / min(rates) > 15 and max(rtts) / min(rtts) > 6
