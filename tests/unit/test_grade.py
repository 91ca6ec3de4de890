"""Grading's pure parts: taking submissions in safely (hostile archives and folders), shards,
the gradebook, and the exports' formats.  No root, no network."""

from __future__ import annotations

import io
import json
import os
import tarfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from netdojo.errors import NetdojoError
from netdojo.grade import exports
from netdojo.grade.gradebook import Attempt, Gradebook
from netdojo.grade.intake import discover, read_roster, take
from netdojo.grade.job import in_shard, parse_shard
from netdojo.labs.catalog import find_lab

LAB = find_lab("arp-routing")
SOLUTION = LAB.dir / "solution"


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def test_a_zipped_folder_gives_exactly_the_declared_files(tmp_path):
    files = {f"alice/{p.name}": p.read_bytes() for p in SOLUTION.iterdir()}
    sub = _zip(tmp_path / "alice.zip", {**files, "alice/notes.txt": b"mine",
                                        "alice/deep/answers.yaml": b"x: 1"})
    it = take(sub, LAB, tmp_path / "work")
    assert it.error is None and it.student == "alice"
    assert it.taken == sorted(p.name for p in SOLUTION.iterdir() if p.name in
                              {f.name for f in LAB.files})
    assert "notes.txt" in it.ignored and "deep/answers.yaml (in a subfolder)" in it.ignored
    assert sorted(p.name for p in it.folder.iterdir()) == it.taken
    again = take(sub, LAB, tmp_path / "work2")
    assert again.sha256 == it.sha256  # the same files, the same hash


def test_hostile_archive_entries_are_refused_and_nothing_lands_outside(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in {"../escape.yaml": b"x", "/etc/answers.yaml": b"y",
                           "answers.yaml": b"ok: 1"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("routing.sh")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        t.addfile(link)
        dev = tarfile.TarInfo("dev")
        dev.type = tarfile.CHRTYPE
        t.addfile(dev)
    (tmp_path / "mallory.tar.gz").write_bytes(buf.getvalue())
    it = take(tmp_path / "mallory.tar.gz", LAB, tmp_path / "work")
    assert it.taken == ["answers.yaml"]
    assert any(r.startswith("../escape.yaml: points outside") for r in it.refused)
    assert any(r.startswith("/etc/answers.yaml: points outside") for r in it.refused)
    assert "routing.sh (symbolic link)" in it.ignored and "dev (device or pipe)" in it.ignored
    # work/mallory/../escape.yaml would be work/escape.yaml: nothing lands beside the folder
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["mallory"]
    assert [p.name for p in (tmp_path / "work" / "mallory").iterdir()] == ["answers.yaml"]


def test_a_zip_bomb_and_a_huge_sparse_file_are_refused_without_being_read(tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", {"answers.yaml": b"\0" * (64 << 20)})
    assert bomb.stat().st_size < 1 << 20  # 64 MiB of zeros squeeze into well under 1 MiB
    it = take(bomb, LAB, tmp_path / "w1")
    assert it.taken == [] and "over the 1,048,576-byte limit" in it.refused[0]
    folder = tmp_path / "eve"
    folder.mkdir()
    with (folder / "answers.yaml").open("wb") as f:
        f.truncate(1 << 30)  # 1 GiB, sparse: instant to make, never read
    os.symlink("/etc/passwd", folder / "routing.sh")
    it = take(folder, LAB, tmp_path / "w2")
    assert it.taken == [] and "1,073,741,824 bytes" in it.refused[0]
    assert "routing.sh (symbolic link)" in it.ignored


def test_garbage_instead_of_an_archive_is_one_clear_error(tmp_path):
    (tmp_path / "bob.zip").write_bytes(os.urandom(2000))
    it = take(tmp_path / "bob.zip", LAB, tmp_path / "w")
    assert it.error and it.error.startswith("bob.zip: not a readable archive")


def test_discovery_takes_a_class_folder_or_one_submission(tmp_path):
    cls = tmp_path / "class"
    (cls / "alice").mkdir(parents=True)
    (cls / "alice" / "answers.yaml").write_text("x: 1\n")
    _zip(cls / "bob.zip", {"answers.yaml": b"x: 2\n"})
    (cls / "readme.txt").write_text("not a submission")
    assert [p.name for p in discover([cls], LAB)] == ["alice", "bob.zip"]
    assert discover([cls / "alice"], LAB) == [cls / "alice"]
    with pytest.raises(NetdojoError, match="no such file"):
        discover([tmp_path / "nope"], LAB)


def test_the_roster_names_the_student_and_bad_rosters_say_why(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,submission\ns2024001,hw1-kim.zip\n")
    assert read_roster(roster) == {"hw1-kim": "s2024001"}
    roster.write_text("name,file\nkim,x\n")
    with pytest.raises(NetdojoError, match="columns student,submission"):
        read_roster(roster)
    _zip(tmp_path / "hw1-kim.zip", {"answers.yaml": b"x: 1\n"})
    roster.write_text("student,submission\ns2024001,hw1-kim.zip\n")
    it = take(tmp_path / "hw1-kim.zip", LAB, tmp_path / "w", read_roster(roster))
    assert it.student == "s2024001"
    (tmp_path / "bad name!").mkdir()
    it = take(tmp_path / "bad name!", LAB, tmp_path / "w")
    assert it.error and "add it to the roster" in it.error


def test_shards_split_a_class_without_overlap():
    students = [f"s{i:03d}" for i in range(60)]
    parts = [[s for s in students if in_shard(s, (k, 3))] for k in (1, 2, 3)]
    assert sorted(sum(parts, [])) == students and all(parts)
    assert parse_shard("2/3") == (2, 3) and parse_shard(None) is None
    for bad in ("0/3", "4/3", "x"):
        with pytest.raises(NetdojoError):
            parse_shard(bad)


def _report(score: float) -> dict:
    return {"score": score, "max_score": 3.0, "timings": {"up": 1.0}, "checks": [
        {"name": "a", "title": "A works", "points": 2.0, "score": min(score, 2.0),
         "message": "a's message", "hint": "look at a", "visible": True, "seconds": 0.5,
         "samples": [1.5, 2.5], "error": False},
        {"name": "h", "title": "hidden one", "points": 1.0, "score": max(0.0, score - 2),
         "message": "secret", "hint": "", "visible": False, "seconds": 0.1, "samples": [],
         "error": False}]}


def _attempt(student, sha, source, status, report, message="", **kw) -> Attempt:
    kw.setdefault("started", 1.0)
    kw.setdefault("seconds", 1.0)
    return Attempt.of("arp-routing", student, sha, source, status, report, message,
                      version="0.1.0", **kw)


def test_gradebook_keeps_attempts_skips_unchanged_and_merges(tmp_path):
    book = Gradebook(tmp_path / "a.sqlite")
    book.record(_attempt("alice", "h1", "alice.zip", "graded", _report(2.0), started=1.0,
                         seconds=3.0, intake={"refused": []}))
    assert book.unchanged("arp-routing", "alice", "h1")
    assert not book.unchanged("arp-routing", "alice", "h2")
    book.record(_attempt("alice", "h2", "alice.zip", "graded", _report(3.0), started=2.0,
                         seconds=3.0))
    [a] = book.latest("arp-routing")
    assert (a.score, a.sha256, a.checks[0]["samples"]) == (3.0, "h2", [1.5, 2.5])
    book.close()
    other = Gradebook(tmp_path / "b.sqlite")
    other.record(_attempt("bob", "h9", "bob", "timeout", None, "too slow", started=3.0,
                          seconds=1.0))
    other.merge_from(tmp_path / "a.sqlite")
    assert [(x.student, x.score, x.status) for x in other.latest()] == [
        ("alice", 3.0, "graded"), ("bob", 0.0, "timeout")]
    other.close()


def test_exports_follow_their_formats(tmp_path):
    book = Gradebook(tmp_path / "g.sqlite")
    book.record(_attempt("alice", "h", "a", "graded", _report(2.5), seconds=12.3,
                         intake={"ignored": ["notes.txt"], "refused": ["../x: points outside"]}))
    book.record(_attempt("bob", "h", "b", "timeout", None, "grading stopped after 150 s",
                         seconds=99.0))
    attempts = book.latest()
    written = exports.write_all(attempts, tmp_path / "out", missing=["carol"])
    gs = json.loads((tmp_path / "out/students/alice/results.json").read_text())
    assert gs["score"] == 2.5 and gs["execution_time"] == 12
    assert [t["visibility"] for t in gs["tests"]] == ["visible", "after_published"]
    assert gs["tests"][0]["status"] == "passed" and gs["tests"][1]["status"] == "failed"
    assert "notes.txt" in gs["output"] and "../x" in gs["output"]
    assert all({"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
               for t in gs["tests"])
    bob = json.loads((tmp_path / "out/students/bob/results.json").read_text())
    assert bob["score"] == 0 and "time limit" in bob["output"]
    root = ET.parse(tmp_path / "out/junit.xml").getroot()
    assert [s.get("name") for s in root] == ["arp-routing.alice", "arp-routing.bob"]
    assert root[1].find("testcase/error") is not None
    rows = (tmp_path / "out/grades.csv").read_text().splitlines()
    assert rows[0].startswith("student,lab,status,score,max_score")
    assert rows[3].startswith("carol,arp-routing,missing,0")
    md = (tmp_path / "out/students/alice/feedback.md").read_text()
    assert "secret" not in md and "Hidden checks: 1, 0.5/1 points" in md
    assert (tmp_path / "out/students/alice/classroom.json").is_file()
    assert len(written) == 2 * 4 + 3 and (tmp_path / "out/class-report.html").is_file()
    book.close()


def test_checks_the_reference_solution_missed_become_errors_to_regrade(tmp_path):
    from netdojo.grade.calibration import mark_unstable as _mark_unstable

    rep = _report(1.0)  # a: 1/2, h: 0/1
    assert _mark_unstable(rep, {"a"})
    assert rep["checks"][0]["error"] and rep["checks"][0]["message"].startswith("error — regrade")
    assert not rep["checks"][1].get("error")
    assert not _mark_unstable(_report(3.0), {"a"})  # a full score stands
    book = Gradebook(tmp_path / "g.sqlite")
    book.record(_attempt("alice", "h", "a", "regrade", rep))
    book.record(_attempt("bob", "h", "b", "graded", _report(3.0)))
    assert book.to_regrade("arp-routing") == {"alice"}
    assert not book.unchanged("arp-routing", "alice", "h")  # a plain re-run grades it again
    book.close()


def test_the_progress_line_says_done_total_current_and_time_left():
    from netdojo.grade.job import progress_line

    line = progress_line(5, 20, "alice", "8/10", 31.4, 100.0, ["bob", "carol"])
    # 100 s for 5 done: 20 s each, 15 to go
    assert line == "[5/20] alice: 8/10 (31 s); grading bob, carol; about 5 min 00 s left"
    many = progress_line(1, 200, "a", "timeout", 60, 45.0, ["b", "c", "d", "e", "f"])
    assert "grading b, c, d +2" in many and many.endswith("about 2 h 29 min left")
    assert progress_line(3, 100, "x", "1/1", 1, 3.0, []).endswith("; about 1 min 37 s left")
    assert progress_line(3, 30, "x", "1/1", 1, 3.0, []).endswith("; about 27 s left")
    assert progress_line(20, 20, "z", "10/10", 12, 400.0, []) == "[20/20] z: 10/10 (12 s)"
