"""lan-man-wan: each class's figures drawn per student from a continuous range, the classes
told apart by RTT, a WAN loss that the worksheet's probes tell from none, and the bands of its
download and throughput checks (issue 17.4)."""

from __future__ import annotations

import math

from netdojo.labs.catalog import find_lab
from netdojo.labs.checks import load_checks
from netdojo.labs.values import values_for


def _checks():
    lab = find_lab("lan-man-wan")
    return load_checks(lab.dir / "checks.py", lab.id).module


def test_every_students_classes_stay_in_their_ranges_and_spread():
    mod, lab = _checks(), find_lab("lan-man-wan")
    keys = [k for k in mod.RANGES]
    corners = [mod.figures({f"{k}_u": u for k in keys}) for u in (0, 1000)]
    drawn = [values_for(lab, f"s{i:03d}") for i in range(200)]
    for fig in corners + [mod.figures(v) for v in drawn]:
        for k, (lo, hi, _, step) in mod.RANGES.items():
            assert lo - step / 2 <= fig[k] <= hi + step / 2, (k, fig[k])
    for v in drawn:  # each path's RTT (twice its one-way delay) puts it in its own class
        for i in (1, 2, 3):
            rtt = 2 * v[f"p{i}_delay"]
            assert mod.rtt_class(rtt) == v[f"p{i}_class"] == mod.rtt_class(rtt * 1.5 + 0.2)
    # spread: no one WAN delay, rate or loss is shared by more than a few of 200 students
    for k in ("wan_delay", "wan_bw", "man_bw", "man_delay"):
        assert len({mod.figures(v)[k] for v in drawn}) >= 30, k
    assert {v["order"] for v in drawn} == {"lan,man,wan", "lan,wan,man", "man,lan,wan",
                                           "man,wan,lan", "wan,lan,man", "wan,man,lan"}


def test_a_wan_loss_of_none_is_never_within_chance_of_the_wans():
    """The constant "0 %" passed the old WAN (0.2 % each way) for a third of the class."""
    mod = _checks()
    lo, hi = mod.RANGES["wan_loss"][:2]
    for each_way in (lo, (lo + hi) / 2, hi):
        round_trip = 100 * (1 - (1 - each_way / 100) ** 2)
        band = mod._loss_band(each_way)
        # 0 is outside even when the checker's own count reads 2 standard deviations low
        sd = 100 * math.sqrt(round_trip / 100 * (1 - round_trip / 100) / mod.CHECKER_PROBES)
        assert round_trip - 2 * sd > band, (each_way, round_trip, band)


def test_classes_follow_the_rtt_the_worksheet_draws():
    rtt_class = _checks().rtt_class
    assert [rtt_class(x) for x in (0.0, 0.6, 0.99, 1.0, 9.7, 19.9, 20.0, 140.0)] == [
        "lan", "lan", "lan", "man", "man", "man", "wan", "wan"]


def test_lan_man_wan_download_times_allow_one_retransmission_timeout_on_the_wan_only():
    ok = _checks().measured_ok_for
    assert ok(0.977, [0.560] * 3, wan=True)  # CI: two of the student's three met a timeout
    assert not ok(0.977, [0.560] * 3, wan=False)  # a LAN or MAN has no loss to excuse it
    assert ok(0.12, [0.10] * 3, wan=False) and not ok(0.16, [0.10] * 3, wan=False)
    assert not ok(1.80, [0.560] * 3, wan=True)  # more than one timeout's worth slower
    assert not ok(0.30, [0.560] * 3, wan=True, floor=0.5)  # faster than the path allows
    # CI, stop 26: two of the checker's three met a timeout, none of the student's
    assert ok(0.544, [0.56, 1.297, 1.30], wan=True)
    assert not ok(9, [0.56, 1.297, 1.30], wan=True)  # the mutant's constant
    # CI, stop 32: all three of the checker's met a timeout; the path's floor still bounds it
    assert ok(0.542, [1.13, 1.143, 1.20], wan=True, floor=0.52)
    assert not ok(0.542, [1.13, 1.143, 1.20], wan=True)
    assert not ok(0.30, [1.13, 1.143, 1.20], wan=True, floor=0.52)


def test_lan_man_wan_accepts_a_download_as_slow_as_the_loss_limited_rate_makes_it():
    mod = _checks()
    floor, ceiling = mod.wan_bounds(32.0, 15.1, 1.3)  # s000's WAN: 64 ms RTT, 1.3 % each way
    assert 0.39 < floor < 0.40  # 2 RTT + 500 kB at 15.1 Mbit/s
    assert 2.1 < ceiling < 2.3  # at Mathis et al.'s 1.94 Mbit/s
    samples = [0.546, 0.55, 0.56]
    # CI, stop 41: the student's median of three 2.33 s, the checker's three all 0.55 s; of 70
    # downloads on that path 6 % took 2.3–2.9 s (an early loss ends slow start at a small window)
    assert mod.measured_ok_for(2.33, samples, True, floor, ceiling)
    assert mod.measured_ok_for(2.93, samples, True, floor, ceiling)
    assert not mod.measured_ok_for(9, samples, True, floor, ceiling)  # the mutant's constant
    assert not mod.measured_ok_for(0.2, samples, True, floor, ceiling)  # faster than the link
    # the slowest WAN a student may draw (4 Mbit/s, 35 ms, 1.5 %) still tells 9 s from a real time
    floor, ceiling = mod.wan_bounds(35.0, 4.0, 1.5)
    assert 1.1 < floor < ceiling < 2.7
    assert not mod.measured_ok_for(9, [floor * 1.2] * 3, True, floor, ceiling)


def test_lan_man_wan_throughput_band_spans_the_checkers_runs_and_a_shaped_links_own_rate():
    band = _checks().throughput_band
    lo, hi = band([33.0, 35.2, 37.0], "man", 50)
    assert lo <= 42.03 <= hi  # CI, stop 28: the student's true reading on a 50 Mbit/s MAN
    assert not lo <= 42.03 * 1.5 <= hi  # the mutant's link rate written ×1.5
    assert not lo <= 20 <= hi  # well below every run of the checker
    lo, hi = band([300.0, 320.0, 340.0], "lan", 1000)  # a LAN is CPU-bound: no link-rate pass
    assert lo <= 400 <= hi and not lo <= 1000 <= hi
    lo, hi = band([4.0, 6.0, 9.0], "wan", 10)
    assert lo <= 2.5 and hi == 13.5
    lo, hi = band([4.9, 7.0, 7.4], "wan", 10)
    assert lo <= 2.33 <= hi  # CI, stop 29: a short run that met timeouts (Mathis: ~3.5)
    assert not lo <= 1.5 <= hi


def test_the_other_files_cost_is_rtt_for_some_students_and_bandwidth_for_others():
    """A 10 kB file was "rtt" for every student (the free-points run, 2026-12-05): other.bin's
    size now makes its bytes at the WAN's rate 1/4 to 4 times two WAN round trips, and stays
    apart from one student to the next, so neither a constant cost nor size is anybody's."""
    lab = find_lab("lan-man-wan")
    drawn = [values_for(lab, f"s{i:03d}") for i in range(200)]
    ratios, sizes = [], set()
    for v in drawn:
        wan = next(f"p{i}" for i in (1, 2, 3) if v[f"p{i}_class"] == "wan")
        two_rtt_s = 4 * v[f"{wan}_delay"] / 1000
        ratios.append(v["other_bytes"] * 8 / (v[f"{wan}_bw"] * 1e6) / two_rtt_s)
        sizes.add(v["other_bytes"])
    assert 0.24 <= min(ratios) and max(ratios) <= 4.1
    assert 0.3 <= sum(r > 1 for r in ratios) / len(ratios) <= 0.7
    assert len(sizes) >= 190


def test_the_cost_counts_only_beside_the_students_own_figures():
    mod = _checks()

    class Ctx:  # a WAN on p3 with a measured 50 ms RTT and 8 Mbit/s runs
        params = {"p1_class": "lan", "p2_class": "man", "p3_class": "wan", "p3_bw": 10.0,
                  "other_bytes": 150_000}
        sheet: dict = {}

        def answers(self):
            return self.sheet

        def once(self, key, fn):
            return {"pings": {"p3": {"rtt": 50.0}}, "iperf": {"p3": [7.5, 8.0, 8.5]}}[key]

    ctx = Ctx()
    own = {"p3": {"rtt_ms": 50.0, "throughput_mbit": 8.0}}
    right = {"bytes": 150_000, "two_rtt_ms": 100, "bytes_ms": 150, "cost": "bandwidth"}
    ctx.sheet = {**own, "other_file": right}
    assert mod.file_cost(ctx).fraction == 1.0
    for wrong in ({"cost": "rtt"}, {"bytes": 10_000}, {"bytes_ms": 15}, {"two_rtt_ms": 40}):
        ctx.sheet = {**own, "other_file": {**right, **wrong}}
        assert mod.file_cost(ctx).fraction == 0.0, wrong
    ctx.sheet = {"p3": {"rtt_ms": 80.0, "throughput_mbit": 8.0},
                 "other_file": {**right, "two_rtt_ms": 160, "cost": "rtt"}}
    assert mod.file_cost(ctx).fraction == 0.0  # consistent, but the RTT is not the path's
