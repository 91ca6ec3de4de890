"""Calibration: the lab's reference solution graded alongside the class, on the same machine
under the same load.  A check it misses just then is one this machine cannot hold right now (a
timing band on a busy host), so students' misses there become "error — regrade", not a loss."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from netdojo.grade.gradebook import Gradebook
from netdojo.grade.worker import Graded, grade_one
from netdojo.labs.model import Lab


@dataclass
class Calibration:
    started: float
    graded: Graded
    unstable: set[str]
    recorded: bool = False


def calibrate(lab: Lab, log: Callable[[str], None]) -> Calibration:
    """The lab's reference solution, graded now on this machine: the checks it misses are ones
    this machine cannot hold right now (a timing band on a busy host), not the students'."""
    t0 = time.time()
    g = grade_one(lab.id, lab.time_limit, lab.dir / "solution", "calibration")
    checks = (g.report or {}).get("checks", [])
    unstable = {c["name"] for c in checks if c["score"] < c["points"] - 1e-9}
    if g.status != "graded":
        unstable = {"*"}
    if unstable:
        log(f"calibration: the reference solution missed {', '.join(sorted(unstable))} on this "
            "machine just now; students' misses there are marked \"error — regrade\"")
    else:
        log(f"calibration: the reference solution scored full marks ({g.seconds:.0f} s)")
    return Calibration(t0, g, unstable)


def unstable_of(cal: Calibration, book: Gradebook, lab: Lab) -> set[str]:
    """The calibration's unstable checks; written to the gradebook the first time it is used
    (the gradebook belongs to the thread that records)."""
    if not cal.recorded:
        rep = cal.graded.report or {}
        book.calibration(lab.id, cal.started, cal.graded.seconds, cal.graded.status,
                         rep.get("score", 0.0), rep.get("max_score", 0.0), sorted(cal.unstable))
        cal.recorded = True
    return cal.unstable


def mark_unstable(report: dict, unstable: set[str]) -> bool:
    """Checks the calibration missed become errors to regrade instead of failures."""
    marked = False
    for c in report.get("checks", []):
        if ("*" in unstable or c["name"] in unstable) and c["score"] < c["points"] - 1e-9:
            c["error"] = True
            c["message"] = ("error — regrade: the reference solution missed this check on this "
                            "machine at the same time, so it is not held against you. "
                            + c["message"])
            marked = True
    return marked
