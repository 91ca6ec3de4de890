"""`netdojo lab check` and `lab start`: one student's lab built fresh, their files applied, the
checks run and scored, and everything torn down whatever happens."""

from __future__ import annotations

import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netdojo.errors import NetdojoError, SpecError
from netdojo.labs import handin
from netdojo.labs.checks import CheckFailure, CheckResult, ChecksModule, load_checks, run_check
from netdojo.labs.context import LabContext
from netdojo.labs.model import Lab
from netdojo.labs.submission import StudentFile, Submission, read_submission
from netdojo.labs.values import shown, values_for
from netdojo.session import Session
from netdojo.topo.loader import parse_topology
from netdojo.topo.model import Topology
from netdojo.topo.spec import read_text

Log = Callable[[str], None]


@dataclass
class LabReport:
    lab: str
    student: str
    params: dict[str, Any]  # every value, secret ones too (for graders)
    shown_params: dict[str, Any]  # what the student may see
    results: list[CheckResult]
    files: dict[str, dict[str, Any]]
    ignored: list[str]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    congestion: str = ""  # the TCP congestion control the lab's nodes ran (set by the lab)
    visible_only: bool = False  # checked from a student's copy: the hidden checks are not here

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 3)

    @property
    def max_score(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def full_marks(self) -> bool:
        return all(r.full for r in self.results)

    def as_dict(self, hidden: bool = False) -> dict[str, Any]:
        """The report a student sees (hidden checks only counted), or all of it for graders."""
        shown = [r.as_dict() for r in self.results if r.visible or hidden]
        secret = [r for r in self.results if not r.visible]
        params = self.params if hidden else self.shown_params
        return {"lab": self.lab, "student": self.student, "params": params,
                "score": self.score, "max_score": self.max_score, "full_marks": self.full_marks,
                "checks": shown, "hidden_checks": {"count": len(secret),
                                                   "points": sum(r.points for r in secret)},
                "files": self.files, "ignored": self.ignored, "seconds": round(self.seconds, 2),
                "timings": self.timings, "tcp_congestion": self.congestion}


def render_topology(lab: Lab, params: dict[str, Any]) -> Topology:
    """The lab's topology file with the student's values put in for its ${name} placeholders."""
    path = lab.dir / lab.topology
    text = read_text(path, "topology")
    try:
        text = string.Template(text).substitute({k: str(v) for k, v in params.items()})
    except KeyError as e:
        raise SpecError(f"placeholder ${{{e.args[0]}}} is not a parameter of the lab",
                        str(path)) from None
    except ValueError as e:
        raise SpecError(f"bad placeholder: {e}", str(path)) from None
    return parse_topology(text, str(path))


def _check_nodes(lab: Lab, topo: Topology) -> None:
    for f in lab.files:
        if f.node and f.node not in topo.nodes:
            raise SpecError(f"file {f.name!r}: node {f.node!r} is not in {lab.topology}",
                            lab.source, f.line)


class LabSession:
    """A lab that is up for one student: the network, their values and files, the checks."""

    def __init__(self, lab: Lab, student: str, folder: Path, log: Log = print,
                 shaper: str = "auto", detached: bool = False,
                 overrides: dict[str, dict[str, Any]] | None = None):
        self.lab, self.student, self.folder, self.log = lab, student, folder, log
        self.overrides = overrides or {}  # answers changed after the files are made (selftest)
        self.params = values_for(lab, student)
        self.topo = render_topology(lab, self.params)
        _check_nodes(lab, self.topo)
        self.checks: ChecksModule = load_checks(lab.dir / "checks.py", lab.id)
        self.submission: Submission = read_submission(lab, folder, list(self.topo.nodes))
        self.shaper, self.detached = shaper, detached
        self.session: Session | None = None
        self.net = None
        self.ctx: LabContext | None = None
        self.timings: dict[str, float] = {}
        self.ran_early: list[StudentFile] = []  # made configs before the services started
        self.congestion = ", ".join(sorted({self.topo.congestion_of(n) for n, node
                                            in self.topo.nodes.items() if node.kind != "switch"}))

    def up(self) -> None:
        t0 = time.monotonic()
        self.log(f"building {self.lab.id} for student {self.student} "
                 f"({len(self.topo.nodes)} nodes, TCP congestion control {self.congestion})…")
        self.session = Session.start(self.topo, self.shaper, detached=self.detached,
                                     log=lambda m: self.log(f"  {m}"),
                                     given=lambda net: handin.before_services(self, net))
        self.net = self.session.net
        try:
            self.ctx = LabContext(self.lab, self.student, self.params, self.net,
                                  self.submission, self.log)
            self.timings["up"] = round(time.monotonic() - t0, 2)
            t1 = time.monotonic()
            if self.checks.setup:
                try:
                    self.checks.setup(self.ctx)
                except CheckFailure as e:
                    raise NetdojoError(f"{self.lab.id}: the lab's setup failed: {e}") from None
            self.apply()
            self.timings["apply"] = round(time.monotonic() - t1, 2)
        except BaseException:
            self.down()
            raise

    def down(self) -> None:
        if self.session is not None:
            self.session.teardown()

    # ----- the student's files ----------------------------------------------------------------
    def apply(self) -> None:
        handin.apply(self)

    # ----- checks ------------------------------------------------------------------------------
    def run_checks(self, deadline: float, only: set[str] | None = None) -> list[CheckResult]:
        assert self.ctx is not None
        broken = {name: sf.error for name, sf in self.submission.files.items() if sf.error}
        broken.update({name: f"{name}: not handed in" for name, sf in
                       self.submission.files.items() if not sf.present and name not in broken})
        results = []
        checks = [c for c in self.checks.checks if only is None or c.name in only]
        for i, c in enumerate(checks, 1):
            label = c.title if c.visible else "(hidden check)"
            self.log(f"[{i}/{len(checks)}] {label}…")
            if time.monotonic() > deadline:
                res = CheckResult(c.name, c.title, c.points, 0.0,
                                  f"not run: the lab's time limit of {self.lab.time_limit:.0f} s "
                                  "was reached", c.hint, c.visible, 0.0)
            else:
                res = run_check(c, self.ctx, broken)
            results.append(res)
        return results


def check_lab(lab: Lab, student: str, folder: Path, log: Log = print,
              shaper: str = "auto", overrides: dict[str, dict[str, Any]] | None = None
              ) -> LabReport:
    t0 = time.monotonic()
    ls = LabSession(lab, student, folder, log, shaper, overrides=overrides)
    ls.up()
    try:
        t1 = time.monotonic()
        results = ls.run_checks(t0 + lab.time_limit)
        ls.timings["checks"] = round(time.monotonic() - t1, 2)
    finally:
        t2 = time.monotonic()
        ls.down()
        ls.timings["down"] = round(time.monotonic() - t2, 2)
        log("lab torn down")
    files = {n: {"origin": sf.origin, "ok": sf.ok, "error": sf.error, "notes": sf.notes}
             for n, sf in ls.submission.files.items()}
    return LabReport(lab.id, student, ls.params, shown(lab, ls.params), results, files,
                     ls.submission.ignored,
                     time.monotonic() - t0, ls.timings, ls.congestion,
                     ls.checks.visible_only)


__all__ = ["LabReport", "LabSession", "check_lab", "render_topology"]
