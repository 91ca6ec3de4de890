"""Mutation self-tests: proof that every check of a lab can fail, and fails alone.

A lab's `mutants.yaml` (kept with its solution, for instructors) names, for each check, a small
change to the reference solution that a student could make by mistake: an edit of one of its
files, or a changed answer.  `netdojo lab selftest LAB` grades the solution, then each mutant,
on fresh copies of the lab.  A mutant is *killed* when its check loses points and every other
check keeps full marks; it *survives* when its check keeps full marks (the check cannot tell a
wrong solution from a right one); it does *collateral* damage when other checks lose too (the
checks are not independent, so a grade cannot say which part is wrong).  Where two checks are
one idea by design (a window too small to fill the pipe fails the transfer made with it), the
mutant says so with `also`: it is killed when exactly its check and those lose points, and the
result names them.  A check with no mutant is listed as unproven.

    # mutants.yaml
    gateways:                                  # the check the mutant must fail
      why: h2 routes the lab's /16 instead of having a default route
      edit: {file: make-routes.sh, replace: "h2 ip route add default", with: "h2 ip route add …"}
    gateway_mac:
      why: a MAC address from another student's lab
      answers: {answers.yaml: {gateway_mac: "02:00:00:00:00:01"}}
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netdojo.errors import SpecError
from netdojo.labs.checks import load_checks
from netdojo.labs.fingerprint import checks_hash
from netdojo.labs.model import Lab
from netdojo.labs.runner import LabReport, check_lab
from netdojo.topo.spec import Map, check_keys, parse_yaml, read_text

FILE = "mutants.yaml"
KEYS = {"why", "edit", "answers", "also"}
EDIT_KEYS = {"file", "replace", "with"}


@dataclass
class Mutant:
    check: str
    why: str
    edits: list[tuple[str, str, str]] = field(default_factory=list)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    also: list[str] = field(default_factory=list)  # checks that fail with it, by design
    line: int | None = None


@dataclass
class MutantResult:
    mutant: Mutant
    verdict: str  # killed | survived | collateral | stale
    lost: dict[str, float]  # check -> points lost
    message: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.mutant.check, "why": self.mutant.why, "verdict": self.verdict,
                "also": self.mutant.also, "lost": self.lost, "message": self.message,
                "seconds": round(self.seconds, 1)}


@dataclass
class SelftestReport:
    lab: str
    student: str
    baseline: dict[str, float]  # the solution's score per check (all full, or the test fails)
    results: list[MutantResult]
    unproven: list[str]  # checks with no mutant
    checks_hash: str = ""  # the grading files this verdict holds for (labs/fingerprint.py)

    @property
    def ok(self) -> bool:
        return (not self.unproven and bool(self.results)
                and all(r.verdict == "killed" for r in self.results))

    def as_dict(self) -> dict[str, Any]:
        return {"lab": self.lab, "checks_hash": self.checks_hash, "student": self.student,
                "ok": self.ok,
                "baseline": self.baseline, "mutants": [r.as_dict() for r in self.results],
                "unproven": self.unproven}


def load_mutants(lab: Lab) -> list[Mutant]:
    path = lab.dir / FILE
    if not path.is_file():
        return []
    doc = parse_yaml(read_text(path, "mutants file"), str(path), "mutants file")
    names = {c.name for c in load_checks(lab.dir / "checks.py", lab.id).checks}
    out = []
    for name, spec in doc.items():
        line = doc.key_lines.get(name)
        if name not in names:
            raise SpecError(f"{name!r} is not a check of {lab.id} (checks: "
                            f"{', '.join(sorted(names))})", str(path), line)
        if not isinstance(spec, Map):
            raise SpecError(f"{name}: expected why, and edit or answers", str(path), line)
        check_keys(spec, KEYS, f"mutant {name}", str(path))
        edits = spec.get("edit") or []
        edits = edits if isinstance(edits, list) else [edits]
        m = Mutant(name, str(spec.get("why", "")), line=line)
        for e in edits:
            if not isinstance(e, Map) or not {"file", "replace"} <= set(e):
                raise SpecError(f"{name}: an edit is {{file, replace, with}}", str(path), line)
            check_keys(e, EDIT_KEYS, f"edit of mutant {name}", str(path))
            m.edits.append((str(e["file"]), str(e["replace"]), str(e.get("with", ""))))
        answers = spec.get("answers") or {}
        if answers and (not isinstance(answers, Map)
                        or not all(isinstance(v, Map) for v in answers.values())):
            raise SpecError(f"{name}: answers is {{FILE: {{KEY: VALUE}}}}", str(path), line)
        m.answers = {f: dict(v) for f, v in answers.items()}
        also = spec.get("also") or []
        also = also if isinstance(also, list) else [also]
        bad = [str(a) for a in also if a not in names or a == name]
        if bad:
            raise SpecError(f"{name}: also names the other checks it fails with by design, "
                            f"not {', '.join(bad)}", str(path), line)
        m.also = [str(a) for a in also]
        if not (m.edits or m.answers):
            raise SpecError(f"{name}: a mutant changes something (edit or answers)",
                            str(path), line)
        out.append(m)
    return out


def apply_edits(folder: Path, mutant: Mutant) -> str | None:
    """Edit the copy of the solution; a text that is not there exactly once makes the mutant
    stale (the solution changed under it), said rather than silently tested."""
    for fname, old, new in mutant.edits:
        path = folder / fname
        if not path.is_file():
            return f"{fname} is not a file of the solution"
        text = path.read_text()
        n = text.count(old)
        if n != 1:
            return f"{fname}: the text to replace occurs {n} times, not once: {old[:60]!r}"
        path.write_text(text.replace(old, new))
    return None


def _lost(base: dict[str, float], rep: LabReport) -> dict[str, float]:
    return {r.name: round(base[r.name] - r.score, 3) for r in rep.results
            if base.get(r.name, r.points) - r.score > 1e-9}


def judge(m: Mutant, lost: dict[str, float], messages: dict[str, str]) -> tuple[str, str]:
    """A mutant's verdict from the points each check lost: killed when exactly its check (and
    the checks its `also` names) lost points."""
    if m.check not in lost:
        return "survived", f"{m.check} kept full marks: {messages.get(m.check, '')}"
    if set(lost) != {m.check, *m.also}:
        return "collateral", "; ".join(
            [f"also lost: {k} −{v} ({messages.get(k, '')[:200]})" for k, v in lost.items()
             if k not in (m.check, *m.also)]
            + [f"{k} was to fail with it but kept full marks" for k in m.also if k not in lost])
    return "killed", messages.get(m.check, "")


def selftest(lab: Lab, student: str, log: Callable[[str], None] = print,
             shaper: str = "auto", only: str | None = None) -> SelftestReport:
    solution = lab.dir / "solution"
    mutants = [m for m in load_mutants(lab) if only in (None, m.check)]
    quiet: Callable[[str], None] = lambda _m: None  # noqa: E731
    log(f"{lab.id}: the reference solution for student {student}…")
    base_rep = check_lab(lab, student, solution, quiet, shaper)
    base = {r.name: r.score for r in base_rep.results}
    if not base_rep.full_marks:
        short = [f"{r.name} {r.score}/{r.points}: {r.message}" for r in base_rep.results
                 if not r.full]
        raise SpecError("the reference solution does not score full marks, so no mutant can "
                        "be judged: " + "; ".join(short), str(solution))
    names = [r.name for r in base_rep.results]
    results = []
    for i, m in enumerate(mutants, 1):
        log(f"[{i}/{len(mutants)}] mutant of {m.check}: {m.why}")
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="netdojo-mutant-") as tmp:
            folder = Path(tmp) / "solution"
            shutil.copytree(solution, folder)
            stale = apply_edits(folder, m)
            if stale:
                results.append(MutantResult(m, "stale", {}, stale, time.monotonic() - t0))
                continue
            rep = check_lab(lab, student, folder, quiet, shaper, overrides=m.answers)
        lost = _lost(base, rep)
        verdict, msg = judge(m, lost, {r.name: r.message for r in rep.results})
        results.append(MutantResult(m, verdict, lost, msg, time.monotonic() - t0))
        log(f"    {verdict}: {msg[:160]}")
    covered = {m.check for m in mutants}
    unproven = [] if only else [n for n in names if n not in covered]
    return SelftestReport(lab.id, student, base, results, unproven, checks_hash(lab))


def format_selftest(rep: SelftestReport) -> str:
    marks = {"killed": "✓ killed", "survived": "✗ SURVIVED", "collateral": "✗ collateral",
             "stale": "✗ stale"}
    lines = [f"{rep.lab} self-test (student {rep.student}): "
             f"{sum(r.verdict == 'killed' for r in rep.results)} of {len(rep.results)} mutants "
             "killed"]
    for r in rep.results:
        lost = f" (−{r.lost.get(r.mutant.check, 0)})" if r.verdict == "killed" else ""
        along = f" [with {', '.join(r.mutant.also)}, by design]" if r.mutant.also else ""
        lines.append(f"  {marks[r.verdict]:13} {r.mutant.check}{lost}{along}: {r.mutant.why}")
        if r.verdict != "killed":
            lines.append(f"                {r.message[:300]}")
    for name in rep.unproven:
        lines.append(f"  ✗ no mutant   {name}: nothing shows this check can fail")
    lines.append("all checks proven" if rep.ok else "NOT every check is proven to fail")
    return "\n".join(lines)
