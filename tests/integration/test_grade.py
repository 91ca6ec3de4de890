"""Issue 10 on real runs: a mixed class of arp-routing graded by two workers into every export,
hostile submissions graded without harm, unchanged submissions skipped, shards merged to the
same gradebook as one run, and a submission over its time limit stopped and its run reaped."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from netdojo.grade.gradebook import Gradebook
from netdojo.grade.grader import grade_class, merge
from netdojo.grade.worker import grade_one
from netdojo.labs.catalog import find_lab

from .helpers import render_in_chromium

LAB = find_lab("arp-routing")


@pytest.fixture
def klass(tmp_path) -> Path:
    c = tmp_path / "class"
    c.mkdir()
    shutil.copytree(LAB.dir / "solution", c / "alice")
    shutil.copytree(LAB.dir / "starter", c / "bob")
    with zipfile.ZipFile(c / "carol.zip", "w") as z:
        for p in (LAB.dir / "solution").iterdir():
            z.write(p, f"carol/{p.name}")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in {"../../evil.sh": b"rm -rf /", "answers.yaml": b"\x00\xff" * 300,
                           "routing.sh": (LAB.dir / "starter" / "routing.sh").read_bytes()
                           }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("make-routes.sh")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        t.addfile(link)
    (c / "mallory.tar.gz").write_bytes(buf.getvalue())
    (c / "dave.zip").write_bytes(b"this is not a zip file at all" * 10)
    return c


def _csv(out: Path) -> dict[str, dict]:
    with (out / "grades.csv").open() as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def test_a_mixed_class_grades_in_parallel_into_every_export(klass, tmp_path, nothing_left):  # noqa: F811
    out = tmp_path / "grades"
    lines: list[str] = []
    res = grade_class(LAB, [klass], out, workers=2, log=lines.append)
    rows = _csv(out)
    assert set(rows) == {"alice", "bob", "carol", "mallory", "dave"}
    full = rows["alice"]["max_score"]
    assert rows["alice"]["score"] == rows["carol"]["score"] == full
    assert float(rows["bob"]["score"]) < float(full)
    assert rows["dave"]["status"] == "unreadable" and res.graded == 4
    progress = [x for x in lines if x.startswith("[")]
    assert [x.split("]")[0] for x in progress] == [f"[{i}/4" for i in range(1, 5)], lines
    assert all(" left" in x for x in progress[:-1]) and " left" not in progress[-1], progress
    # out/work/mallory/../../evil.sh would be out/evil.sh
    assert not list(tmp_path.rglob("evil.sh"))
    mallory = json.loads((out / "students/mallory/results.json").read_text())
    assert "../../evil.sh: points outside the submission" in mallory["output"]
    assert "make-routes.sh (symbolic link)" in mallory["output"]
    assert any("is not a text file" in t["output"] for t in mallory["tests"])
    assert (out / "junit.xml").is_file() and (out / "students/bob/feedback.html").is_file()
    assert "Hint:" in (out / "students/bob/feedback.md").read_text()
    page = render_in_chromium(out / "class-report.html")
    assert page["images"] == 2 and page["loaded"] == 2, page
    assert "dave" in page["dom"]  # listed as not graded
    book = Gradebook(out / "gradebook.sqlite")
    calib = book.db.execute("SELECT status, score, max_score FROM calibrations").fetchall()
    book.close()
    assert calib and all(c[0] == "graded" and c[1] == c[2] for c in calib), calib
    # grading again skips what did not change
    again = grade_class(LAB, [klass], out, workers=2, log=lambda m: None)
    assert (again.graded, again.skipped) == (0, 4)


def test_shards_merge_to_the_gradebook_of_one_run(klass, tmp_path, nothing_left):  # noqa: F811
    (klass / "dave.zip").unlink()  # an unreadable one is recorded by the shard that meets it
    whole = tmp_path / "whole"
    grade_class(LAB, [klass], whole, workers=2, log=lambda m: None)
    for k in (1, 2):
        grade_class(LAB, [klass], tmp_path / f"shard{k}", workers=1, shard=(k, 2),
                    log=lambda m: None)
    n, _ = merge([tmp_path / "shard1", tmp_path / "shard2"], tmp_path / "merged")
    assert n == 4

    def scores(folder: Path) -> dict:
        book = Gradebook(folder / "gradebook.sqlite")
        try:
            return {a.student: (a.score, [c["score"] for c in a.checks]) for a in book.latest()}
        finally:
            book.close()
    assert scores(tmp_path / "merged") == scores(whole)


def test_a_submission_over_its_time_limit_is_stopped_and_its_run_reaped(tmp_path,
                                                                         nothing_left):  # noqa: F811
    sub = tmp_path / "slow"
    shutil.copytree(LAB.dir / "solution", sub)
    g = grade_one(LAB.id, -88, sub, "slow")  # 2 s: not even the build fits
    assert g.status == "timeout" and g.report is None
    assert "torn down" in g.message


def _fake_autograder(tmp_path: Path, files_from: Path) -> Path:
    from netdojo.grade.autograder import gradescope_zip

    ag = tmp_path / "autograder"
    (ag / "source").mkdir(parents=True)
    with zipfile.ZipFile(gradescope_zip(LAB, tmp_path / "ag.zip")) as z:
        z.extractall(ag / "source")
    shutil.copytree(files_from, ag / "submission")
    return ag


def _run_autograder(ag: Path, prefix: list[str] = ()) -> dict:
    import os
    import subprocess
    import sys

    env = {**os.environ, "AUTOGRADER_ROOT": str(ag),
           "NETDOJO": str(Path(sys.executable).parent / "netdojo")}
    r = subprocess.run([*prefix, "bash", str(ag / "source" / "run_autograder")], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads((ag / "results" / "results.json").read_text())


def test_the_gradescope_bundle_grades_in_a_fake_autograder_layout(tmp_path,
                                                                   nothing_left):  # noqa: F811
    res = _run_autograder(_fake_autograder(tmp_path, LAB.dir / "solution"))
    assert res["tests"] and res["score"] == sum(t["max_score"] for t in res["tests"])


def test_without_the_privileges_run_autograder_says_so_plainly(tmp_path,
                                                               nothing_left):  # noqa: F811
    ag = _fake_autograder(tmp_path, LAB.dir / "starter")
    drop = ["setpriv", "--bounding-set", "-net_admin,-sys_admin", "--inh-caps",
            "-net_admin,-sys_admin"]
    res = _run_autograder(ag, drop)
    assert res["score"] == 0 and res["tests"] == []
    assert res["output"].startswith("Not graded: this Gradescope container cannot create "
                                    "network namespaces"), res["output"]


def test_scripts_that_reach_out_or_never_end_are_stopped_and_grading_goes_on(
        tmp_path, nothing_left):  # noqa: F811
    sub = tmp_path / "class" / "zed"
    shutil.copytree(LAB.dir / "solution", sub)
    # make-routes.sh tries the real internet and says whether it got there
    (sub / "make-routes.sh").write_text(
        "#!/bin/sh\nif curl -s --max-time 2 -o /dev/null http://192.0.2.80/ || "
        "ping -c 1 -W 1 1.1.1.1 >/dev/null 2>&1; then echo outside: reached >&2; "
        "else echo outside: unreachable >&2; fi\nexit 1\n")
    # measure.sh leaves a process behind and never ends
    (sub / "measure.sh").write_text("#!/bin/sh\nsleep 4242 &\nwhile :; do sleep 1; done\n")
    grade_class(LAB, [tmp_path / "class"], tmp_path / "out", calibrate_every=0,
                log=lambda m: None)
    book = Gradebook(tmp_path / "out" / "gradebook.sqlite")
    [a] = book.latest()
    book.close()
    assert a.status == "graded" and a.score < a.max_score
    messages = " ".join(c["message"] for c in a.checks)
    assert "outside: unreachable" in messages, messages
    assert "still running after 40 s" in messages, messages
    left = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and (d / "cmdline").read_bytes() == b"sleep\x004242\x00":
                left.append(d.name)
        except OSError:
            continue
    assert not left, f"the submission's process outlived its run: {left}"


def test_zones_that_would_hang_the_daemon_are_refused_in_time_and_grading_goes_on(
        tmp_path, nothing_left):  # noqa: F811
    dns = find_lab("dns")
    sub = tmp_path / "class" / "yuna"
    shutil.copytree(dns.dir / "solution", sub)
    soa = "$TTL 60\n@ IN SOA ns1 admin 1 60 60 60 60\n@ IN NS ns1\nns1 IN A 10.0.0.1\n"
    # handed in, this zone replaces the one make-zones.sh writes: named-checkzone would read
    # /dev/zero for ever (a $GENERATE over 2e9 names does the same)
    (sub / "db.reverse").write_text(soa + "$INCLUDE /dev/zero\n")
    grade_class(dns, [tmp_path / "class"], tmp_path / "out", calibrate_every=0,
                log=lambda m: None)
    book = Gradebook(tmp_path / "out" / "gradebook.sqlite")
    [a] = book.latest()
    book.close()
    assert a.status == "graded", a.message
    scores = {c["name"]: c for c in a.checks}
    assert scores["ptr"]["score"] == 0
    assert "db.reverse: named-checkzone did not finish within 10 s" in scores["ptr"]["message"]
    assert scores["a_record"]["score"] == scores["a_record"]["points"] > 0, scores["a_record"]
    assert a.seconds < dns.time_limit, a.seconds
