"""The check API a lab's checks.py uses, and the scoring of one check.

A check is a plain function of the lab context, marked with @check(points, title, hint, ...).
It returns passed(...), failed(...) or partial(got, total, ...), always with the reason; a
check that raises CheckFailure scores 0 with that message, and one that raises anything else
scores 0 with "check error: …" while the other checks still run.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from netdojo.errors import SpecError
from netdojo.labs.visible import HEADER


class CheckFailure(Exception):
    """A check cannot give credit, for a reason the student can act on (a missing answer)."""


@dataclass
class Outcome:
    fraction: float  # 0..1 of the check's points
    message: str
    samples: list[Any] = field(default_factory=list)


def passed(message: str, samples: list[Any] | None = None) -> Outcome:
    return Outcome(1.0, message, samples or [])


def failed(message: str, samples: list[Any] | None = None) -> Outcome:
    return Outcome(0.0, message, samples or [])


def partial(got: float, total: float, message: str, samples: list[Any] | None = None) -> Outcome:
    return Outcome(max(0.0, min(1.0, got / total)) if total else 0.0, message, samples or [])


@dataclass
class Check:
    fn: Callable[[Any], Outcome]
    name: str
    title: str
    points: float
    hint: str
    visible: bool
    needs: tuple[str, ...]


def check(points: float, title: str, hint: str = "", hidden: bool = False,
          needs: tuple[str, ...] | list[str] = ()) -> Callable:
    """Mark a function as a check.  `needs` names the student files it depends on: when one is
    missing or broken, the check scores 0 with that file's problem and is not run."""

    def mark(fn: Callable) -> Callable:
        fn._netdojo_check = Check(fn, fn.__name__, title, float(points), hint, not hidden,
                                  tuple(needs))
        return fn

    return mark


@dataclass
class CheckResult:
    name: str
    title: str
    points: float
    score: float
    message: str
    hint: str
    visible: bool
    seconds: float
    samples: list[Any] = field(default_factory=list)
    error: bool = False  # the check itself broke (not the student's work)

    @property
    def full(self) -> bool:
        return self.score >= self.points - 1e-9

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("name", "title", "points", "score", "message",
                                              "hint", "visible", "seconds", "samples", "error")}


@dataclass
class ChecksModule:
    checks: list[Check]
    setup: Callable[[Any], None] | None
    derive: Callable[[dict], dict] | None = None
    visible_only: bool = False  # a student's copy (the wheel, a kit): hidden checks cut out
    module: ModuleType | None = None  # the loaded checks.py (its helpers, for unit tests)


def load_checks(path: Path, lab_id: str) -> ChecksModule:
    """A lab's checks.py, loaded under a private module name; its checks in file order."""
    name = f"netdojo_lab_checks_{lab_id.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SpecError("cannot load the lab's checks", str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # noqa: BLE001 - the lab's own code: report it with its place
        tb = traceback.extract_tb(e.__traceback__)[-1]
        raise SpecError(f"the lab's checks failed to load: {type(e).__name__}: {e}",
                        str(path), tb.lineno) from None
    checks = [v._netdojo_check for v in vars(module).values() if hasattr(v, "_netdojo_check")]
    if not checks:
        raise SpecError("defines no @check functions", str(path))
    return ChecksModule(checks, getattr(module, "setup", None), getattr(module, "derive", None),
                        path.read_text().startswith(HEADER), module)


def run_check(c: Check, ctx: Any, broken: dict[str, str]) -> CheckResult:
    t0 = time.monotonic()

    def result(outcome: Outcome, error: bool = False) -> CheckResult:
        return CheckResult(c.name, c.title, c.points, round(c.points * outcome.fraction, 3),
                           outcome.message, c.hint, c.visible, round(time.monotonic() - t0, 3),
                           outcome.samples, error)

    problems = [broken[n] for n in c.needs if n in broken]
    if problems:
        return result(failed(problems[0]))
    try:
        outcome = c.fn(ctx)
        if not isinstance(outcome, Outcome):
            raise TypeError(f"a check returns passed/failed/partial, got {outcome!r}")
    except CheckFailure as e:
        return result(failed(str(e)))
    except Exception as e:  # noqa: BLE001 - one broken check must not stop the others
        return result(failed(f"check error: {type(e).__name__}: {e}"), error=True)
    return result(outcome)


# ----- timing: the median of several probes against a band, one retry, every sample kept ------
@dataclass
class BandResult:
    median: float | None
    samples: list[float]
    ok: bool
    attempts: int
    low: float
    high: float

    def describe(self, unit: str) -> str:
        med = "no sample" if self.median is None else f"{self.median:.2f} {unit}"
        n = len(self.samples)
        band = (f"at least {self.low:.2f}" if self.high == float("inf")
                else f"{self.low:.2f}–{self.high:.2f}")
        return f"median {med} of {n} probe{'s' if n != 1 else ''}, expected {band} {unit}"


def within_band(probe: Callable[[], list[float]], low: float, high: float,
                retries: int = 1) -> BandResult:
    """`probe` returns one round of samples; the median of a round must fall in [low, high].
    A miss is retried once (timing on a shared machine has bad moments); all samples are kept."""
    kept: list[float] = []
    med = None
    for attempt in range(1, retries + 2):
        samples = [s for s in probe() if s is not None]
        kept += samples
        med = statistics.median(samples) if samples else None
        if med is not None and low <= med <= high:
            return BandResult(med, kept, True, attempt, low, high)
    return BandResult(med, kept, False, retries + 1, low, high)
