"""Free points: what an answer earns that was not measured (issue 17.4).

Two ways a student scores without doing the lab, both measured on live runs of the reference
solution, one lab session per student:

* **a worksheet example** — every YAML block of both worksheets whose keys are graded answer
  keys, put in place of the student's own answers;
* **a constant answer** — the median for each key of the *other* students' answers (the most
  common value where the key is not a number): what a student copying "the usual answer" from
  classmates' sheets would hand in.  Each student's own answer is left out of their constant:
  with it in, the two middle students of an even class are graded on (nearly) their own
  measured answer, and with bands a few per cent wide they pass — 2 in 20 counted as free
  points that are nobody's.  (Results from before 2026-12-04 used the whole class's median, a
  stricter count: they say `"constant_of": "class"`.)

What a sheet *earns* on a check is its score minus the score of a blank sheet (the same keys
left empty) in the same session, so a check that gives points for something else (a config
that works) is not counted against the answers.  The class's answers must be known before the
median is, so each student's session stays up until every student has been measured; measured
values are re-measured for each sheet (a student's window changes what the check measures).
"""

from __future__ import annotations

import copy
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netdojo.labs.context import TRUTH
from netdojo.labs.model import Lab
from netdojo.labs.runner import LabSession

ANSWERS = "answers.yaml"
BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)
# the ways checks.py reads an answer (tests/unit/test_worksheet_keys.py uses graded_keys too)
READS = re.compile(r'(?:ctx\.answer\(|answers\(\)\.get\(|_block\(ctx, |block_of\(ctx, |'
                   r'number_in\(ctx\.answers\(\), |_answer\(ctx, \w+, |'
                   r'_student_groups\(ctx, \w+, )"([a-z_0-9]+)"')


def graded_keys(lab: Lab) -> set[str]:
    return set(READS.findall((lab.dir / "checks.py").read_text()))


def example_sheets(lab: Lab) -> list[tuple[str, dict[str, Any]]]:
    """(where, {key: value}) for every code block of the worksheets that reads as answers."""
    keys = graded_keys(lab)
    out = []
    for sheet in ("README.md", "README.ko.md"):
        text = (lab.dir / sheet).read_text()
        for m in BLOCK.finditer(text):
            try:
                doc = yaml.safe_load(m.group(1))
            except yaml.YAMLError:
                continue  # a shell session, a drawing: not an answers block
            if isinstance(doc, dict) and keys & set(map(str, doc)):
                line = text.count("\n", 0, m.start()) + 1
                out.append((f"{sheet}:{line}", {k: v for k, v in doc.items() if k in keys}))
    return out


def _constant(values: list[Any]) -> Any:
    """The median of numbers, a block's constant key by key (before 2026-12-05 a block was one
    whole classmate's, the most common — when every block differed, simply the first), and
    the most common value of anything else."""
    if values and all(isinstance(v, dict) for v in values):
        keys = sorted({k for v in values for k in v}, key=str)
        return {k: _constant([v[k] for v in values if v.get(k) is not None]) for k in keys
                if any(v.get(k) is not None for v in values)}
    nums = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if nums and len(nums) == len(values):
        med = statistics.median(nums)
        return int(med) if all(isinstance(v, int) for v in nums) and med == int(med) else med
    seen = Counter(json.dumps(v, sort_keys=True, default=str) for v in values)
    return json.loads(seen.most_common(1)[0][0])


def class_constants(answers: list[dict[str, Any]], keys: set[str]) -> dict[str, Any]:
    out = {}
    for k in sorted(keys):
        vals = [a[k] for a in answers if a.get(k) is not None]
        if vals:
            out[k] = _constant(vals)
    return out


def others_constants(answers: list[dict[str, Any]], mine: dict[str, Any],
                     keys: set[str]) -> dict[str, Any]:
    """The constant sheet one student would copy: the class's constants without `mine`."""
    return class_constants([a for a in answers if a is not mine], keys)


@dataclass
class StudentRun:
    student: str
    baseline_full: bool
    answers: dict[str, Any]
    constant: dict[str, Any] = field(default_factory=dict)  # the sheet copied from the others
    earned: dict[str, dict[str, float]] = field(default_factory=dict)  # sheet -> check -> pts
    short: dict[str, str] = field(default_factory=dict)  # check the solution missed -> why


@dataclass
class FreePoints:
    lab: str
    points: dict[str, float]  # check -> its points
    reads: dict[str, list[str]]  # check -> the answer keys its source reads
    examples: list[str]
    constants: dict[str, Any]  # the whole class's, for the record
    students: list[StudentRun]

    def example_earnings(self) -> dict[str, float]:
        """check -> the most any example block earned on it for any student."""
        out: dict[str, float] = {}
        for s in self.students:
            for sheet, got in s.earned.items():
                if sheet != "constant":
                    for c, p in got.items():
                        out[c] = max(out.get(c, 0.0), p)
        return {c: p for c, p in out.items() if p > 1e-9}

    def constant_share(self) -> dict[str, float]:
        """check -> the share of students whose constant sheet earned that check's points."""
        n = len(self.students)
        out = {}
        for c, pts in self.points.items():
            won = sum(1 for s in self.students
                      if s.earned.get("constant", {}).get(c, 0.0) >= pts - 1e-9 and pts > 0)
            out[c] = won / n if n else 0.0
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"lab": self.lab, "points": self.points, "reads": self.reads,
                "examples": self.examples, "constants": self.constants,
                "constant_of": "others",
                "students": [{"student": s.student, "baseline_full": s.baseline_full,
                              "short": s.short, "constant": s.constant, "earned": s.earned}
                             for s in self.students],
                "example_earnings": self.example_earnings(),
                "constant_share": self.constant_share()}


def _reads(lab: Lab, names: list[str]) -> dict[str, list[str]]:
    """check -> answer keys read in its function's text (helpers named by READS included)."""
    src = (lab.dir / "checks.py").read_text()
    starts = sorted((src.find(f"\ndef {n}("), n) for n in names if f"\ndef {n}(" in src)
    out = {}
    for i, (at, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(src)
        out[name] = sorted(set(READS.findall(src[at:end])))
    return out


def forget_answer_measurements(cache: dict[str, Any]) -> None:
    """Before another sheet: measured afresh, but the lab's own behaviour (ctx.truth) once."""
    for key in [k for k in cache if not k.startswith(TRUTH)]:
        del cache[key]


def _scores(ls: LabSession, answers: dict[str, Any], only: set[str]) -> dict[str, float]:
    """The checks that read answers, graded again on `answers` (measurements made afresh)."""
    assert ls.ctx is not None
    sf = ls.submission.files[ANSWERS]
    sf.data = copy.deepcopy(answers)
    forget_answer_measurements(ls.ctx.cache)
    return {r.name: r.score for r in ls.run_checks(time.monotonic() + 3600, only)}


def measure(lab: Lab, students: list[str], solution: Path | None = None,
            log: Callable[[str], None] = print, shaper: str = "auto") -> FreePoints:
    solution = solution or lab.dir / "solution"
    keys = graded_keys(lab)
    sheets = example_sheets(lab)
    quiet: Callable[[str], None] = lambda _m: None  # noqa: E731
    sessions: list[tuple[LabSession, StudentRun, dict[str, float]]] = []
    points: dict[str, float] = {}
    asking: set[str] = set()
    try:
        for i, student in enumerate(students, 1):
            log(f"[{i}/{len(students)}] {lab.id}: the solution for {student}…")
            ls = LabSession(lab, student, solution, quiet, shaper)
            ls.up()
            sessions.append((ls, None, {}))  # type: ignore[arg-type]  # down even if what follows fails
            forever = time.monotonic() + 3600
            base = {r.name: r for r in ls.run_checks(forever)}
            points = {n: r.points for n, r in base.items()}
            asking = {c for c, ks in _reads(lab, list(points)).items() if ks}
            sf = ls.submission.files[ANSWERS]
            mine = copy.deepcopy(sf.data) if isinstance(sf.data, dict) else {}
            run = StudentRun(student, all(r.full for r in base.values()), mine,
                             short={n: r.message for n, r in base.items() if not r.full})
            for name, why in run.short.items():  # a proof over a solution that fell short
                log(f"  the solution for {student} fell short on {name}: {why}")
            blank = _scores(ls, {**mine, **{k: None for k in keys}}, asking)
            for where, sheet in sheets:
                got = _scores(ls, {**mine, **{k: None for k in keys}, **sheet}, asking)
                run.earned[where] = {c: round(got[c] - blank[c], 3) for c in got}
            sessions[-1] = (ls, run, blank)
        constants = class_constants([r.answers for _, r, _ in sessions], keys)
        log(f"{lab.id}: the class's medians: {constants}")
        for ls, run, blank in sessions:
            run.constant = others_constants([r.answers for _, r, _ in sessions], run.answers,
                                            keys)
            got = _scores(ls, {**run.answers, **{k: None for k in keys}, **run.constant}, asking)
            run.earned["constant"] = {c: round(got[c] - blank[c], 3) for c in got}
    finally:
        for ls, _, _ in sessions:
            ls.down()
    return FreePoints(lab.id, points, _reads(lab, list(points)), [w for w, _ in sheets],
                      constants, [r for _, r, _ in sessions])
