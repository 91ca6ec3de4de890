"""A class graded end to end: submissions taken in, the unchanged ones skipped, the rest graded
by N workers in parallel (each submission its own run and process), every attempt written to
the gradebook, and the exports made from the gradebook."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from netdojo import __version__
from netdojo.errors import NetdojoError
from netdojo.grade import exports, seal
from netdojo.grade.gradebook import Gradebook
from netdojo.grade.intake import Intake, discover, read_roster, take
from netdojo.grade.worker import Graded, grade_one
from netdojo.labs.model import Lab

GRADEBOOK = "gradebook.sqlite"
CALIBRATE_EVERY = 10  # submissions between two runs of the reference solution


@dataclass
class ClassResult:
    graded: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)  # students not graded, with why
    missing: list[str] = field(default_factory=list)  # on the roster, no submission
    regrade: list[str] = field(default_factory=list)  # timing checks marked "error — regrade"
    seconds: float = 0.0
    exports: list[Path] = field(default_factory=list)


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise NetdojoError(f"--shard {text!r}: write K/N, e.g. 2/4") from None
    if not 1 <= k <= n:
        raise NetdojoError(f"--shard {text}: K must be between 1 and N")
    return k, n


def in_shard(student: str, shard: tuple[int, int] | None) -> bool:
    """A student's shard depends on the id alone, so every shard agrees without talking."""
    if shard is None:
        return True
    k, n = shard
    return int(hashlib.sha256(student.encode()).hexdigest(), 16) % n == k - 1


def grade_class(lab: Lab, paths: list[Path], out: Path, workers: int = 1,
                roster_path: Path | None = None, formats: tuple[str, ...] = exports.FORMATS,
                regrade: bool = False, shard: tuple[int, int] | None = None,
                log: Callable[[str], None] = print, regrade_errors: bool = False,
                calibrate_every: int = CALIBRATE_EVERY) -> ClassResult:
    t0 = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    roster = read_roster(roster_path) if roster_path else None
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    intakes: list[Intake] = []
    seen: dict[str, Path] = {}
    result = ClassResult()
    for p in discover(paths, lab):
        it = take(p, lab, work, roster)
        if not in_shard(it.student, shard):
            continue
        if it.student in seen and it.error is None:
            result.failed.append(f"{it.student}: two submissions ({seen[it.student].name}, "
                                 f"{p.name}); the first was graded")
            continue
        seen[it.student] = p
        intakes.append(it)
    if roster:
        result.missing = sorted(s for s in set(roster.values()) - set(seen)
                                if in_shard(s, shard))
    book = Gradebook(out / GRADEBOOK)
    stamp = {"lab_hash": seal.lab_hash(lab), "images": seal.image_digests()}  # what graded it
    try:
        todo = []
        for it in intakes:
            if it.error:
                book.record(lab.id, it.student, it.sha256, str(it.source), time.time(), 0.0,
                            "unreadable", None, it.error, it.as_dict(), __version__, **stamp)
                result.failed.append(f"{it.student}: {it.error}")
            elif regrade_errors:
                if it.student in book.to_regrade(lab.id):
                    todo.append(it)
                else:
                    result.skipped += 1
            elif not regrade and book.unchanged(lab.id, it.student, it.sha256):
                result.skipped += 1
            else:
                todo.append(it)
        log(f"grading {len(todo)} submission(s) of {lab.id} with {workers} worker(s)"
            + (f"; {result.skipped} unchanged since their last grading (--regrade grades "
               "them again)" if result.skipped else ""))
        done, started = 0, time.monotonic()
        if calibrate_every and not (lab.dir / "solution").is_dir():
            log("no reference solution here (the published package carries none): graded "
                "without calibration runs")
            calibrate_every = 0
        step = max(1, calibrate_every) if calibrate_every else len(todo) or 1
        # One queue for the whole class: a calibration run ahead of every `step` submissions,
        # in the same pool, so it meets the load the students' runs meet and no worker idles
        # at a batch's end.  A submission is recorded once its batch's calibration is known.
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            calibrations, futures = [], {}
            for first in range(0, len(todo), step):
                cal = pool.submit(_calibrate, lab, log) if calibrate_every else None
                calibrations.append(cal)
                for it in todo[first:first + step]:
                    fut = pool.submit(grade_one, lab.id, lab.time_limit, it.folder, it.student)
                    futures[fut] = (it, time.time(), cal)
            for fut in as_completed(futures):
                it, when, cal = futures[fut]
                g = fut.result()
                unstable = _unstable(cal.result(), book, lab) if cal else set()
                status = g.status
                if g.status == "graded" and _mark_unstable(g.report, unstable):
                    status = "regrade"
                    result.regrade.append(it.student)
                book.record(lab.id, it.student, it.sha256, str(it.source), when, g.seconds,
                            status, g.report, g.message, it.as_dict(), __version__, **stamp)
                done += 1
                if g.status == "graded":
                    result.graded += 1
                    what = f"{g.report['score']:g}/{g.report['max_score']:g}" + (
                        " (timing checks to regrade)" if status == "regrade" else "")
                else:
                    result.failed.append(f"{it.student}: {g.message}")
                    what = g.status
                now = [futures[f][0].student for f in futures if f.running()]
                log(progress_line(done, len(todo), it.student, what, g.seconds,
                                  time.monotonic() - started, now))
        result.exports = exports.write_all(book.latest(lab.id), out, formats, result.missing)
    finally:
        book.close()
        shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.monotonic() - t0
    return result


@dataclass
class Calibration:
    started: float
    graded: Graded
    unstable: set[str]
    recorded: bool = False


def _calibrate(lab: Lab, log: Callable[[str], None]) -> Calibration:
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


def _unstable(cal: Calibration, book: Gradebook, lab: Lab) -> set[str]:
    """The calibration's unstable checks; written to the gradebook the first time it is used
    (the gradebook belongs to the thread that records)."""
    if not cal.recorded:
        rep = cal.graded.report or {}
        book.calibration(lab.id, cal.started, cal.graded.seconds, cal.graded.status,
                         rep.get("score", 0.0), rep.get("max_score", 0.0), sorted(cal.unstable))
        cal.recorded = True
    return cal.unstable


def _mark_unstable(report: dict, unstable: set[str]) -> bool:
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


def merge(sources: list[Path], out: Path, formats: tuple[str, ...] = exports.FORMATS,
          lab: str | None = None) -> tuple[int, list[Path]]:
    """Shards' gradebooks (their output folders or .sqlite files) into one, exports made once."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / GRADEBOOK
    book = Gradebook(target)
    n = 0
    try:
        for s in sources:
            path = s / GRADEBOOK if s.is_dir() else s
            if not path.is_file():
                raise NetdojoError(f"{s}: no {GRADEBOOK} here (give a shard's --out folder)")
            if path.resolve() == target.resolve():
                continue
            n += book.merge_from(path)
        written = exports.write_all(book.latest(lab), out, formats)
    finally:
        book.close()
    return n, written


def progress_line(done: int, total: int, student: str, what: str, seconds: float,
                  elapsed: float, grading_now: list[str]) -> str:
    """One line per finished submission: done/total, its result, what is being graded now, and
    the time left at the pace so far (the workers run side by side, so the pace already counts
    them)."""
    line = f"[{done}/{total}] {student}: {what} ({seconds:.0f} s)"
    if done >= total:
        return line
    if grading_now:
        shown = ", ".join(grading_now[:3]) + (f" +{len(grading_now) - 3}" if len(grading_now) > 3
                                              else "")
        line += f"; grading {shown}"
    left = elapsed / max(done, 1) * (total - done)
    return line + f"; about {_duration(left)} left"


def _duration(seconds: float) -> str:
    s = round(seconds)
    if s < 90:
        return f"{s} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min" if s >= 3600 else f"{s // 60} min {s % 60:02d} s"
