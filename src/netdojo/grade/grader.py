"""A class graded end to end (`netdojo grade`): the job's phases are in job.py, calibration in
calibration.py; this module is what callers use — grade a class, merge shards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.grade import exports
from netdojo.grade.gradebook import Gradebook
from netdojo.grade.job import (  # noqa: F401 (parse_shard: the CLI's name for it here)
    CALIBRATE_EVERY,
    GRADEBOOK,
    ClassResult,
    GradingJob,
    parse_shard,
)
from netdojo.labs.model import Lab


def grade_class(lab: Lab, paths: list[Path], out: Path, workers: int = 1,
                roster_path: Path | None = None, formats: tuple[str, ...] = exports.FORMATS,
                regrade: bool = False, shard: tuple[int, int] | None = None,
                log: Callable[[str], None] = print, regrade_errors: bool = False,
                calibrate_every: int = CALIBRATE_EVERY) -> ClassResult:
    """Collect, plan, grade and export one class (GradingJob's phases, in order)."""
    return GradingJob(lab, paths, out, workers, roster_path, formats, regrade, shard, log,
                      regrade_errors, calibrate_every).run()


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
