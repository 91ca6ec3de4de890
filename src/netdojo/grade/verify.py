"""`netdojo grade verify OUT`: every record of a graded class checked against its seal, every
export (grades.csv, each students/ID/results.json) against the gradebook, and a sample of
submissions graded again — so an edited score, row or result is named, and a grade can be
shown to come from the files the student handed in."""

from __future__ import annotations

import csv
import json
import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.grade import exports, seal
from netdojo.grade.gradebook import Attempt, Gradebook
from netdojo.grade.intake import take
from netdojo.grade.worker import grade_one
from netdojo.labs.catalog import find_lab

GRADEBOOK = "gradebook.sqlite"


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)  # edits and disagreements: exit 1
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why
    checked: int = 0
    regraded: int = 0


def _close(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) < 1e-6


def check_records(book: Gradebook, v: Verdict) -> None:
    no_key = unsealed = 0
    for a in book.attempts():
        v.checked += 1
        state = seal.verify(a.sealed_fields(), a.checks, a.seal)
        if state == "changed":
            v.problems.append(f"gradebook attempt {a.id} ({a.student}, {a.lab}): its record was "
                              f"changed after grading (score now {a.score:g})")
        no_key += state == "no-key"
        unsealed += state == "unsealed"
    if no_key:
        v.notes.append(f"{no_key} record(s) sealed with a class secret this command does not "
                       "have: pass --class FILE to check them")
    if unsealed:
        v.notes.append(f"{unsealed} record(s) from before seals: not checkable")


def check_csv(path: Path, latest: dict[str, Attempt], v: Verdict) -> None:
    if not path.is_file():
        return
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fixed = {"student", "lab", "status", "score", "max_score", "seconds", "sha256", "message"}
    for n, row in enumerate(rows, start=2):  # line 1 is the header
        a = latest.get(row.get("student", ""))
        if row.get("status") == "missing":
            if a is not None:
                v.problems.append(f"{path.name} line {n} ({row['student']}): says missing, but "
                                  "the gradebook has a submission")
            continue
        if a is None:
            v.problems.append(f"{path.name} line {n} ({row.get('student')}): no such student "
                              "in the gradebook")
            continue
        wrong = []
        if row.get("status") != a.status:
            wrong.append(f"status {row.get('status')} (gradebook: {a.status})")
        for key, want in (("score", a.score), ("max_score", a.max_score),
                          *((c["name"], c["score"]) for c in a.checks)):
            try:
                if not _close(row.get(key) or 0, want):
                    wrong.append(f"{key} {row.get(key)} (gradebook: {want:g})")
            except ValueError:
                wrong.append(f"{key} {row.get(key)!r} (gradebook: {want:g})")
        extra = set(row) - fixed - {c["name"] for c in a.checks}
        if any(row[k] for k in extra):
            wrong.append("columns of checks this attempt does not have: " + ", ".join(sorted(extra)))
        if wrong:
            v.problems.append(f"{path.name} line {n} ({a.student}): " + "; ".join(wrong))


def check_results(out: Path, latest: dict[str, Attempt], v: Verdict) -> None:
    for student, a in latest.items():
        path = out / "students" / student / "results.json"
        if not path.is_file():
            continue
        try:
            got = json.loads(path.read_text())
        except ValueError:
            v.problems.append(f"students/{student}/results.json: not JSON any more")
            continue
        if got != json.loads(json.dumps(exports.gradescope(a), ensure_ascii=False)):
            v.problems.append(f"students/{student}/results.json: edited (score "
                              f"{got.get('score')!r}; the gradebook says {a.score:g})")


def regrade_sample(latest: list[Attempt], n: int, v: Verdict,
                   log: Callable[[str], None]) -> None:

    pool = [a for a in latest if a.status == "graded" and Path(a.source).exists()]
    if n and not pool:
        v.notes.append("no submission is where it was graded from: none regraded")
    for a in random.SystemRandom().sample(pool, min(n, len(pool))):
        lab = find_lab(a.lab)
        if a.lab_hash and seal.lab_hash(lab) != a.lab_hash:
            v.notes.append(f"{a.student}: the lab's files changed since grading; regraded anyway")
        log(f"grading {a.student} again from {a.source}…")
        with tempfile.TemporaryDirectory(prefix="netdojo-verify-") as tmp:
            it = take(Path(a.source), lab, Path(tmp))
            if it.error or it.folder is None:
                v.problems.append(f"{a.student}: {a.source} cannot be read now: {it.error}")
                continue
            if it.sha256 != a.sha256:
                v.problems.append(f"{a.student}: {a.source} is not the submission that was "
                                  "graded (its files changed since)")
                continue
            g = grade_one(lab.id, lab.time_limit, it.folder, a.student)
            shutil.rmtree(it.folder, ignore_errors=True)
        v.regraded += 1
        if g.status != "graded" or g.report is None:
            v.problems.append(f"{a.student}: graded again, it ended in {g.status}: {g.message}")
            continue
        now = {c["name"]: c["score"] for c in g.report["checks"]}
        diff = [f"{c['name']} {c['score']:g} → {now.get(c['name'], 0):g}" for c in a.checks
                if not _close(now.get(c["name"], 0), c["score"])]
        if diff:
            v.problems.append(f"{a.student}: graded again, the scores differ: " + "; ".join(diff))


def verify(out: Path, sample: int = 2, log: Callable[[str], None] = print) -> Verdict:
    path = out / GRADEBOOK
    if not path.is_file():
        raise NetdojoError(f"{out}: no {GRADEBOOK} here (the --out folder of `netdojo grade`)")
    v = Verdict()
    book = Gradebook(path)
    try:
        check_records(book, v)
        latest_list = book.latest()
        latest = {a.student: a for a in latest_list}
        check_csv(out / "grades.csv", latest, v)
        check_results(out, latest, v)
    finally:
        book.close()
    if sample:
        regrade_sample(latest_list, sample, v, log)
    return v
