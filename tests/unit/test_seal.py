"""Sealed gradebook records: an edit of the gradebook, grades.csv or a results.json is named."""

import csv
import json
import sqlite3

import pytest

from netdojo.errors import NetdojoError
from netdojo.grade import exports
from netdojo.grade.gradebook import Attempt, Gradebook
from netdojo.grade.verify import verify
from netdojo.labs import class_secret


def report(score: float) -> dict:
    checks = [{"name": "reach", "title": "reach", "points": 6, "score": score, "message": "m",
               "hint": "", "visible": True, "seconds": 0.1, "samples": [], "error": False},
              {"name": "hidden", "title": "h", "points": 4, "score": 4, "message": "ok",
               "hint": "", "visible": False, "seconds": 0.1, "samples": [], "error": False}]
    return {"score": score + 4, "max_score": 10, "checks": checks, "timings": {}}


@pytest.fixture
def graded(tmp_path, monkeypatch):
    monkeypatch.setenv(class_secret.FILE_ENV, "")
    monkeypatch.delenv(class_secret.FILE_ENV)
    monkeypatch.setenv(class_secret.SECRET_ENV, "ab" * 32)
    out = tmp_path / "grades"
    book = Gradebook(out / "gradebook.sqlite")
    for student, score in (("alice", 6), ("bob", 3), ("민준", 0)):
        book.record(Attempt.of("arp-routing", student, "f" * 64, str(tmp_path / "gone"),
                               "graded", report(score), started=0.0, seconds=1.0,
                               version="1.0", machine="m", lab_hash="labhash",
                               images={"img": "sha256:1"}))
    exports.write_all(book.latest(), out, ("gradescope", "csv"))
    book.close()
    return out


def test_an_untouched_class_verifies(graded):
    v = verify(graded, sample=0)
    assert v.problems == [] and v.checked == 3


def test_an_edited_score_in_the_gradebook_is_named(graded):
    db = sqlite3.connect(graded / "gradebook.sqlite")
    with db:
        db.execute("UPDATE attempts SET score = 10 WHERE student = 'bob'")
        db.execute("UPDATE checks SET score = 5 WHERE attempt = 1 AND name = 'reach'")
    v = verify(graded, sample=0)
    assert any("(bob, arp-routing): its record was changed" in p for p in v.problems)
    assert any("attempt 1 (alice" in p for p in v.problems)


def test_an_edited_csv_row_and_results_file_are_named(graded):
    path = graded / "grades.csv"
    rows = list(csv.reader(path.open()))
    rows[2][3] = "9"  # bob's score
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    res = graded / "students" / "민준" / "results.json"
    doc = json.loads(res.read_text())
    doc["score"] = 10
    res.write_text(json.dumps(doc))
    v = verify(graded, sample=0)
    assert any(p.startswith("grades.csv line 3 (bob): score 9") for p in v.problems), v.problems
    assert any("students/민준/results.json: edited" in p for p in v.problems)


def test_without_the_class_secret_a_keyed_seal_cannot_be_checked_or_forged(graded, monkeypatch):
    monkeypatch.delenv(class_secret.SECRET_ENV)
    v = verify(graded, sample=0)
    assert v.problems == [] and "pass --class FILE" in v.notes[0]
    monkeypatch.setenv(class_secret.SECRET_ENV, "cd" * 32)  # another class's key
    assert len(verify(graded, sample=0).problems) == 3


def test_merge_refuses_an_edited_shard(graded, tmp_path):
    db = sqlite3.connect(graded / "gradebook.sqlite")
    with db:
        db.execute("UPDATE attempts SET score = 10 WHERE student = 'bob'")
    into = Gradebook(tmp_path / "merged.sqlite")
    with pytest.raises(NetdojoError, match=r"attempt 2 \(bob\) was changed after grading"):
        into.merge_from(graded / "gradebook.sqlite")
