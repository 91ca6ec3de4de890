"""Issue 18.2: every row of the committed HTTP table outside ±15 % has a cause measured from a
capture beside it (benchmarks/bench_http_causes.py → results/http_causes.json), and the causes
the table's notes and the lab's worksheet name are the ones measured."""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def load(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def test_every_http3_miss_from_50_ms_is_pacing_measured_with_the_pacer_off():
    table, causes = load("http_versions.json"), load("http_causes.json")
    quic = {(r["rtt_ms"], r["objects"], r["version"]): r for r in causes["quic"]}
    misses = [r for r in table["rows"] if not r["within_15"] and r["version"].startswith("http3")
              and r["rtt_ms"] >= 50]
    assert misses, "no HTTP/3 row misses any more: drop this cause from the notes"
    for r in misses:
        c = quic[(r["rtt_ms"], r["objects"], r["version"])]
        assert c["paced_off"] > 0.15 or c["paced_over_r"] > 0.3, c  # the miss, seen again
        assert abs(c["unpaced_off"]) <= 0.15, c  # gone with the pacer off
    for s in causes["spread"]:  # the capture: the object's packets spread only when paced
        if s["mode"] == "unpaced":
            assert s["spread_ms"] < 2, s
        elif s["rtt_ms"] >= 50:
            assert s["spread_r"] >= 0.15, s


def test_the_misses_at_the_smallest_r_are_each_sides_own_time():
    """At R = 10 ms a few ms of each end's own work is a fifth of a 30 ms load: the capture's
    server time, client time, the answers' spread beyond the theory's and the loader's time off
    the wire add up to the excess."""
    table, causes = load("http_versions.json"), load("http_causes.json")
    smallest = min(r["rtt_ms"] for r in table["rows"])
    misses = [r for r in table["rows"] if not r["within_15"] and r["rtt_ms"] == smallest]
    measured = {(t["version"], t["objects"]): t for t in causes["own_times"]}
    for r in misses:
        name = r["version"] + (" + TLS 1.3" if r["tls"] and not r["version"].startswith("http3")
                               else "")
        t = measured[(name, r["objects"])]  # every miss at this R was captured
        # the answers' spread less the theory's own time there (bytes at the rate, slow start)
        own = (t["server_ms"] + t["client_ms"] + t["spread_ms"] - t["in_answers_ms"]
               + t["off_wire_ms"])
        assert t["excess_ms"] > 0 and abs(own - t["excess_ms"]) <= max(2.0, 0.3 * t["excess_ms"]), t
    assert all(r["within_15"] for r in table["rows"]
               if r["rtt_ms"] > smallest and not r["version"].startswith("http3")), \
        "a TCP row misses above the smallest R: measure its cause"
