"""The instructor's class view (issue 21.8) read from a real gradebook file: histogram, pass
rate per check, regrades, feedback — and the file is never written."""

import hashlib

import pytest

from netdojo.errors import NetdojoError
from netdojo.grade.gradebook import Attempt, Gradebook
from netdojo.web.class_view import class_view, histogram


def check(name, score, points=2.0, visible=True):
    return {"name": name, "title": f"the {name}", "points": points, "score": score,
            "message": f"{name}: {score}", "hint": "h", "visible": visible, "seconds": 0.1}


def make_book(path):
    book = Gradebook(path)
    marks = {"s1": (2, 2, 1), "s2": (2, 0, 1), "s3": (0, 0, 0), "s4": (2, 2, 0)}
    for student, (a, b, h) in marks.items():
        checks = [check("a", a), check("b", b), check("hid", h, 1.0, visible=False)]
        status = "regrade" if student == "s4" else "graded"
        book.record(Attempt.of("arp-routing", student, "x" * 64, "folder", status,
                               {"checks": checks, "score": a + b + h, "max_score": 5.0},
                               started=0.0, seconds=1.0, version="t"))
    book.record(Attempt.of("arp-routing", "s5", "y" * 64, "folder", "rejected", None,
                           "answers.yaml: not YAML", started=0.0, seconds=1.0, version="t"))
    book.close()


def test_the_class_at_a_glance(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    make_book(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    view = class_view(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before, "read-only"
    [lab] = view["labs"]
    assert (lab["lab"], lab["students"], lab["graded"], lab["max_score"]) == (
        "arp-routing", 5, 4, 5.0)
    assert lab["full_marks"] == 1 and lab["median"] == 3.5
    rates = {c["name"]: (c["full"], c["students"], c["hidden"]) for c in lab["checks"]}
    assert rates == {"a": (3, 4, False), "b": (2, 4, False), "hid": (2, 4, True)}
    assert lab["regrade"] == ["s4"]
    assert lab["not_graded"] == [{"student": "s5", "status": "rejected",
                                  "message": "answers.yaml: not YAML"}]
    assert sum(b["count"] for b in lab["histogram"]) == 4
    assert {f["student"] for f in lab["feedback"]} == {"s1", "s2", "s3", "s4", "s5"}


def test_histogram_edges():
    h = histogram([0, 5, 10, 9.99], 10, bins=10)
    assert [b["count"] for b in h] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert histogram([1], 0) == []


def test_a_file_that_is_no_gradebook_is_one_line(tmp_path):
    bad = tmp_path / "gradebook.sqlite"
    bad.write_text("not sqlite at all, just text " * 20)
    with pytest.raises(NetdojoError, match="not a gradebook"):
        class_view(bad)
