"""One class graded, as a job with the life cycle Otter-Grader and nbgrader give a class —
collect (submissions taken in, one per student, in this shard), plan (unreadable ones recorded,
unchanged ones skipped), grade (N workers, each submission its own run and process, with the
reference solution's calibration runs in the same pool), export (from the gradebook).  Each
phase is a method, so a caller (the CLI, a benchmark, the web page) can run or watch them."""

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
from netdojo.grade.calibration import calibrate, mark_unstable, unstable_of
from netdojo.grade.gradebook import Attempt, Gradebook
from netdojo.grade.intake import Intake, discover, read_roster, take
from netdojo.grade.worker import grade_one
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


@dataclass
class GradingJob:
    lab: Lab
    paths: list[Path]
    out: Path
    workers: int = 1
    roster_path: Path | None = None
    formats: tuple[str, ...] = exports.FORMATS
    regrade: bool = False
    shard: tuple[int, int] | None = None
    log: Callable[[str], None] = print
    regrade_errors: bool = False
    calibrate_every: int = CALIBRATE_EVERY
    result: ClassResult = field(default_factory=ClassResult)
    # what graded it (lab files' hash, image digests): taken once in plan(), on every record
    stamp: dict = field(default_factory=dict)

    def run(self) -> ClassResult:
        t0 = time.monotonic()
        self.out.mkdir(parents=True, exist_ok=True)
        work = self.out / "work"
        shutil.rmtree(work, ignore_errors=True)
        intakes = self.collect(work)
        book = Gradebook(self.out / GRADEBOOK)
        try:
            todo = self.plan(book, intakes)
            self.grade(book, todo)
            self.result.exports = exports.write_all(book.latest(self.lab.id), self.out,
                                                    self.formats, self.result.missing)
        finally:
            book.close()
            shutil.rmtree(work, ignore_errors=True)
        self.result.seconds = time.monotonic() - t0
        return self.result

    # ----- collect: every submission taken in, one per student ------------------------------
    def collect(self, work: Path) -> list[Intake]:
        roster = read_roster(self.roster_path) if self.roster_path else None
        intakes: list[Intake] = []
        seen: dict[str, Path] = {}
        for p in discover(self.paths, self.lab):
            it = take(p, self.lab, work, roster)
            if not in_shard(it.student, self.shard):
                continue
            if it.student in seen and it.error is None:
                self.result.failed.append(f"{it.student}: two submissions "
                                          f"({seen[it.student].name}, {p.name}); the first "
                                          "was graded")
                continue
            seen[it.student] = p
            intakes.append(it)
        if roster:
            self.result.missing = sorted(s for s in set(roster.values()) - set(seen)
                                         if in_shard(s, self.shard))
        return intakes

    # ----- plan: what needs grading ----------------------------------------------------------
    def plan(self, book: Gradebook, intakes: list[Intake]) -> list[Intake]:
        lab, todo = self.lab, []
        self.stamp = {"lab_hash": seal.lab_hash(lab), "images": seal.image_digests()}
        for it in intakes:
            if it.error:
                book.record(Attempt.of(lab.id, it.student, it.sha256, str(it.source),
                                       "unreadable", None, it.error, intake=it.as_dict(),
                                       version=__version__, **self.stamp))
                self.result.failed.append(f"{it.student}: {it.error}")
            elif self.regrade_errors:
                if it.student in book.to_regrade(lab.id):
                    todo.append(it)
                else:
                    self.result.skipped += 1
            elif not self.regrade and book.unchanged(lab.id, it.student, it.sha256):
                self.result.skipped += 1
            else:
                todo.append(it)
        skipped = self.result.skipped
        self.log(f"grading {len(todo)} submission(s) of {lab.id} with {self.workers} worker(s)"
                 + (f"; {skipped} unchanged since their last grading (--regrade grades them "
                    "again)" if skipped else ""))
        return todo

    # ----- grade: the workers, with calibration runs among them ------------------------------
    def grade(self, book: Gradebook, todo: list[Intake]) -> None:
        lab, every = self.lab, self.calibrate_every
        if every and not (lab.dir / "solution").is_dir():
            self.log("no reference solution here (the published package carries none): graded "
                     "without calibration runs")
            every = 0
        step = max(1, every) if every else len(todo) or 1
        done, started = 0, time.monotonic()
        # One queue for the whole class: a calibration run ahead of every `step` submissions,
        # in the same pool, so it meets the load the students' runs meet and no worker idles
        # at a batch's end.  A submission is recorded once its batch's calibration is known.
        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            futures = {}
            for first in range(0, len(todo), step):
                cal = pool.submit(calibrate, lab, self.log) if every else None
                for it in todo[first:first + step]:
                    fut = pool.submit(grade_one, lab.id, lab.time_limit, it.folder, it.student)
                    futures[fut] = (it, time.time(), cal)
            for fut in as_completed(futures):
                it, when, cal = futures[fut]
                what = self._record(book, it, when, fut.result(),
                                    unstable_of(cal.result(), book, lab) if cal else set())
                done += 1
                now = [futures[f][0].student for f in futures if f.running()]
                self.log(progress_line(done, len(todo), it.student, what,
                                       fut.result().seconds, time.monotonic() - started, now))

    def _record(self, book: Gradebook, it: Intake, when: float, g, unstable: set[str]) -> str:
        status = g.status
        if g.status == "graded" and mark_unstable(g.report, unstable):
            status = "regrade"
            self.result.regrade.append(it.student)
        book.record(Attempt.of(self.lab.id, it.student, it.sha256, str(it.source), status,
                               g.report, g.message, started=when, seconds=g.seconds,
                               intake=it.as_dict(), version=__version__, **self.stamp))
        if g.status == "graded":
            self.result.graded += 1
            return f"{g.report['score']:g}/{g.report['max_score']:g}" + (
                " (timing checks to regrade)" if status == "regrade" else "")
        self.result.failed.append(f"{it.student}: {g.message}")
        return g.status


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
