"""Scenario validation, phase analysis and report rendering — pure logic, no root."""

import json

import pytest

from netdojo.errors import SpecError
from netdojo.failover import report
from netdojo.failover.analysis import analyse, failed, percentile
from netdojo.failover.scenario import Event, parse_scenario
from netdojo.failover.variants import VARIANTS, detection_bound_s, settings_for

GOOD = """\
name: t
rate: 10
duration: 20
variants: [defaults, tuned-retry]
timeline:
  - {at: 2, fault: crash, backend: web1}
  - {at: 6, restore: web1}
  - {at: 8, fault: cut, backend: web2}
"""


def test_good_scenario():
    sc = parse_scenario(GOOD, "s.yaml")
    assert sc.rate == 10 and sc.variants == ["defaults", "tuned-retry"]
    assert [e.label for e in sc.timeline] == ["crash web1", "restore web1", "cut web2"]


@pytest.mark.parametrize("timeline,line,words", [
    ("  - {at: 2, fault: crash, backend: web9}\n", 6, "unknown backend 'web9'"),
    ("  - {at: 2, fault: explode, backend: web1}\n", 6, "unknown fault 'explode'"),
    ("  - {at: 5, fault: crash, backend: web1}\n  - {at: 3, restore: web1}\n", 7,
     "time order"),
    ("  - {at: 5, restore: web1}\n", 6, "no fault to restore"),
    ("  - {at: 25, fault: hang, backend: web1}\n", 6, "after the load ends"),
    ("  - {at: 2, fault: hang, backend: web1}\n  - {at: 3, fault: 5xx, backend: web1}\n", 7,
     "restore it first"),
])
def test_bad_timelines_name_the_line(timeline, line, words):
    text = "name: t\nrate: 10\nduration: 20\nvariants: [tuned]\ntimeline:\n" + timeline
    with pytest.raises(SpecError) as e:
        parse_scenario(text, "bad.yaml")
    assert str(e.value).startswith(f"bad.yaml:{line}:"), str(e.value)
    assert words in str(e.value)


@pytest.mark.parametrize("text,words", [
    ("variants: [fastest]\n", "unknown variant 'fastest'"),
    ("rate: -5\n", "'rate' must be a positive number"),
    ("protocols: [h3]\n", "'protocols' is a list of h1 and/or h2"),
    ("colour: blue\n", "unknown key 'colour'"),
])
def test_bad_settings(text, words):
    with pytest.raises(SpecError, match=words):
        parse_scenario(text, "bad.yaml")


def test_shipped_scenarios_parse(repo):
    files = sorted((repo / "scenarios").glob("*.yaml"))
    assert {f.stem for f in files} >= {"lb-failover", "ci-short"}  # no pass on an empty list
    for f in files:
        sc = parse_scenario(f.read_text(), str(f))
        assert sc.timeline and sc.variants, f


def test_variants_render_and_bounds():
    assert detection_bound_s("defaults") is None
    assert detection_bound_s("tuned-retry") == pytest.approx(2.3)
    s = settings_for("l4", ["a", "b"])
    assert s["mode"] == "tcp" and s["backends"] == ["a", "b"]
    assert set(VARIANTS) == {"defaults", "tuned", "tuned-retry", "l4"}


def test_percentile_nearest_rank():
    v = list(range(1, 101))
    assert percentile(v, 50) == 50 and percentile(v, 99) == 99 and percentile(v, 100) == 100
    assert percentile([], 50) is None


def synthetic():
    t0 = 1000.0
    timeline = [Event(2, "web1", "crash"), Event(6, "web1", None)]
    recs = []
    for i in range(100):  # 10 req/s for 10 s
        t = i / 10
        dead = 2 <= t < 3.5  # failures until the LB notices
        recs.append({"i": i, "t": t0 + t, "status": 503 if dead and i % 2 else 200,
                     "backend": None if dead and i % 2 else ("web2" if i % 2 else "web1"),
                     "latency_ms": 100.0 + i})
    trans = [{"t": t0 + 3.4, "server": "web1", "up": False},
             {"t": t0 + 7.5, "server": "web1", "up": True}]
    return t0, timeline, recs, trans


def test_analyse_counts_detection_and_recovery():
    t0, timeline, recs, trans = synthetic()
    r = analyse("tuned", recs, trans, timeline, t0, 10)
    assert [p.name for p in r.phases] == ["baseline", "crash web1", "after restore web1"]
    assert r.requests == 100 and r.failed == sum(failed(x) for x in recs) == 7
    f = r.faults[0]
    assert f.detect_s == pytest.approx(1.4) and f.back_up_s == pytest.approx(1.5)
    assert f.failed == 7 and r.phases[1].failures == {"503": 7}
    assert sum(p.requests for p in r.phases) == 100


def test_report_renders_markdown_html_and_json(tmp_path):
    t0, timeline, recs, trans = synthetic()
    sc = parse_scenario("duration: 10\nvariants: [tuned-retry]\ntimeline:\n"
                        "  - {at: 2, fault: crash, backend: web1}\n  - {at: 6, restore: web1}\n")
    r = analyse("tuned-retry", recs, trans, sc.timeline, t0, 10)
    paths = report.write(tmp_path, sc, [r], {"tuned-retry": (t0, recs)})
    md = paths["md"].read_text()
    assert "| tuned-retry | crash web1 | 1.40 | 7 | 1.50 |" in md
    assert "0 failed requests (crash web1)" in md and "**no**" in md  # 7 failed: target missed
    html = paths["html"].read_text()
    assert "data:image/png;base64," in html and "<table>" in html
    doc = json.loads(paths["json"].read_text())
    assert doc["variants"][0]["failed"] == 7
    assert (tmp_path / "tuned-retry.png").stat().st_size > 10_000
