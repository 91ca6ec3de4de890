"""The failover job end to end on a shortened scenario: targets met with tuned checks +
redispatch + retry-on, defaults visibly failing, and the report's counts equal to a recount
from the raw request logs.  A malformed scenario builds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netdojo.failover.analysis import failed as is_failed
from netdojo.failover.variants import detection_bound_s

from .helpers import cli, render_in_chromium, snapshot
from .test_services import _docker_ready


@pytest.fixture(scope="module")
def short_run(caps, tmp_path_factory, repo):
    _docker_ready(caps)
    out = tmp_path_factory.mktemp("failover")
    before = snapshot()
    r = cli("failover", "--scenario", str(repo / "scenarios" / "ci-short.yaml"),
            "--out", str(out), timeout=600)
    assert snapshot() == before, "the run left something behind"
    return r, out


def test_run_succeeds_and_writes_every_artifact(short_run):
    r, out = short_run
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "HAProxy: web1 DOWN" in r.stdout and "report:" in r.stdout
    for name in ("results.json", "report.md", "report.html", "defaults.png",
                 "tuned-retry.png", "requests-defaults.jsonl", "requests-tuned-retry.jsonl"):
        assert (out / name).stat().st_size > 0, name


def test_the_html_report_renders_in_chromium_with_its_plots(short_run):
    _, out = short_run
    page = render_in_chromium(out / "report.html")
    assert page["images"] == 2 and page["loaded"] == 2, page
    assert "tuned-retry" in page["dom"]


def test_tuned_retry_meets_the_targets(short_run):
    _, out = short_run
    doc = json.loads((out / "results.json").read_text())
    tr = next(v for v in doc["variants"] if v["variant"] == "tuned-retry")
    bound = detection_bound_s("tuned-retry")
    for f in tr["faults"]:
        assert f["failed"] == 0, f  # crash and link cut: not one request lost
        assert f["detect_s"] is not None and f["detect_s"] <= bound, f
        assert f["back_up_s"] is not None, f
    assert all(t["met"] for t in doc["targets"])


def test_defaults_show_what_users_of_defaults_see(short_run):
    _, out = short_run
    doc = json.loads((out / "results.json").read_text())
    d = next(v for v in doc["variants"] if v["variant"] == "defaults")
    crash = next(f for f in d["faults"] if f["fault"] == "crash")
    assert crash["failed"] > 0
    assert crash["detect_s"] is None or crash["detect_s"] > detection_bound_s("tuned-retry")


def test_report_counts_equal_an_independent_recount(short_run):
    _, out = short_run
    doc = json.loads((out / "results.json").read_text())
    timeline = doc["scenario"]["timeline"]
    for v in doc["variants"]:
        t0 = doc["t0"][v["variant"]]
        rows = [json.loads(x) for x in
                (out / f"requests-{v['variant']}.jsonl").read_text().splitlines()]
        assert v["requests"] == len(rows)
        assert v["failed"] == sum(1 for x in rows if not (0 < x["status"] < 500))
        bounds = [0.0] + [e["at"] for e in timeline] + [doc["scenario"]["duration"]]
        for phase, lo, hi in zip(v["phases"], bounds, bounds[1:], strict=False):
            inside = [x for x in rows if lo <= x["t"] - t0 < hi]
            assert phase["requests"] == len(inside)
            assert phase["failed"] == sum(is_failed(x) for x in inside)
        md = (out / "report.md").read_text()
        assert f"{v['requests']} requests, {v['failed']} failed." in md


@pytest.mark.parametrize("body,words", [
    ("timeline:\n  - {at: 2, fault: crash, backend: web7}\n", "unknown backend 'web7'"),
    ("timeline:\n  - {at: 2, fault: melt, backend: web1}\n", "unknown fault 'melt'"),
    ("timeline:\n  - {at: 5, fault: crash, backend: web1}\n  - {at: 4, restore: web1}\n",
     "time order"),
])
def test_malformed_scenario_builds_nothing(tmp_path: Path, body, words):
    f = tmp_path / "bad.yaml"
    f.write_text("duration: 10\n" + body)
    before = snapshot()
    r = cli("failover", "--scenario", str(f))
    assert r.returncode == 2 and words in r.stderr and str(f) in r.stderr
    assert snapshot() == before


def test_unknown_job_is_refused():
    r = cli("run", "lb-meltdown")
    assert r.returncode == 2 and "unknown job 'lb-meltdown'" in r.stderr and "netdojo lab list" in r.stderr


def test_a_crash_on_a_node_that_cannot_come_back_is_refused_before_anything_is_built(
        tmp_path: Path, repo: Path):
    topo = tmp_path / "plain.yaml"
    topo.write_text((repo / "topologies" / "lb-failover.yaml").read_text()
                    .replace("restartable: true, ", ""))
    f = tmp_path / "crash.yaml"
    f.write_text(f"topology: {topo}\nduration: 10\n"
                 "timeline:\n  - {at: 2, fault: crash, backend: web2}\n")
    before = snapshot()
    r = cli("failover", "--scenario", str(f))
    assert r.returncode == 2, r.stderr
    assert f"{f}:4: crash web2" in r.stderr and "restartable: true" in r.stderr
    assert snapshot() == before
