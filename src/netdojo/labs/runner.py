"""`netdojo lab check` and `lab start`: one student's lab built fresh, their files applied, the
checks run and scored, and everything torn down whatever happens."""

from __future__ import annotations

import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netdojo.errors import NetdojoError, SpecError
from netdojo.labs.checks import CheckFailure, CheckResult, ChecksModule, load_checks, run_check
from netdojo.labs.context import LabContext
from netdojo.labs.model import Lab
from netdojo.labs.submission import StudentFile, Submission, decode, parse_file, read_submission
from netdojo.labs.values import environment, shown, values_for
from netdojo.net.sandbox import Sandbox
from netdojo.services.install import replace_files
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
        self.congestion = ", ".join(sorted({self.topo.congestion_of(n) for n, node
                                            in self.topo.nodes.items() if node.kind != "switch"}))

    def up(self) -> None:
        t0 = time.monotonic()
        self.log(f"building {self.lab.id} for student {self.student} "
                 f"({len(self.topo.nodes)} nodes, TCP congestion control {self.congestion})…")
        self.session = Session.start(self.topo, self.shaper, detached=self.detached,
                                     log=lambda m: self.log(f"  {m}"))
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
        """Scripts that make commands or configs, then those files applied, then the other
        scripts (they may measure the network the student's files configured)."""
        files = self.submission.files
        scripts = [f for f in files.values() if f.spec.kind == "script"]
        first = [f for f in scripts if any(files[m].spec.kind in ("commands", "config")
                                           for m in f.spec.products)]
        for sf in first:
            self._script(sf)
        for sf in files.values():
            if sf.spec.kind == "commands" and sf.ok:
                self._commands(sf)
        # a service's files go in together: one restart of the daemon, not one per file
        by_service: dict[tuple[str, str], list[StudentFile]] = {}
        for sf in files.values():
            if sf.spec.kind == "config" and sf.ok:
                by_service.setdefault((sf.spec.node, sf.spec.service), []).append(sf)
        for group in by_service.values():
            self._configs(group)
        for sf in scripts:
            if sf not in first:
                self._script(sf)
        for name, keys in self.overrides.items():
            sf = files.get(name)
            if sf is not None and sf.ok and isinstance(sf.data, dict):
                sf.data.update(keys)

    def _commands(self, sf: StudentFile) -> None:
        """Each line in its node's sandbox, like a script: the lab's prefix list is one fence,
        the jail (no host files, nobody with NET_ADMIN only) the other."""
        assert self.ctx is not None and self.net is not None
        if not sf.data:
            return
        env = {**environment(self.params, self.lab, self.student), "LAB_RUN": self.net.run.id}
        with Sandbox(self.net, sf.data[0].node, env, name=sf.name) as box:
            for cmd in sf.data:
                r = box.run(cmd.node, cmd.argv, timeout=10)
                if not r.ok:
                    why = r.problem or (r.stderr or r.stdout.decode(errors="replace")).strip()
                    sf.notes.append(f"line {cmd.line}: `{cmd}` failed: {why[:200]}")
        self.log(f"applied {sf.name}: {len(sf.data)} commands"
                 + (f", {len(sf.notes)} failed" if sf.notes else ""))

    def _configs(self, group: list[StudentFile]) -> None:
        assert self.ctx is not None
        node, service = group[0].spec.node, group[0].spec.service
        svc = self.ctx.service(node, service)  # type: ignore[arg-type]
        paths = {sf.name: (string.Template(sf.spec.path).safe_substitute(self.params)
                           if sf.spec.path else svc.config_path) for sf in group}
        try:
            problems = replace_files(svc, {paths[sf.name]: sf.text or "" for sf in group})
        except NetdojoError as e:  # the daemon's words, on the main config if that was handed in
            words = _after_service(str(e))
            mains = [p for p in paths.values() if p == svc.config_path]
            problems = {p: words for p in (mains or paths.values())}
        for sf in group:
            words = problems.get(paths[sf.name])
            if words is None:
                self.log(f"applied {sf.name} to {node}/{service}")
                continue
            if sf.spec.path:  # the student knows the file by its own name, not the daemon's path
                words = words.replace(paths[sf.name], sf.name)
            sf.error = f"{self.folder / sf.name}: {words}"
            self.log(f"{sf.name} was not accepted: {sf.error}")

    def _script(self, sf: StudentFile) -> None:
        """Run a student's script on its node; what it prints and what it writes into $LAB_OUT
        become the files it makes (unless those were handed in)."""
        assert self.ctx is not None and self.net is not None
        pending = [self.submission.files[m] for m in sf.spec.products
                   if self.submission.files[m].origin != "handed in"]
        if sf.spec.products and not pending:
            return  # a handed-in file wins over the script that would make it
        if not sf.ok:
            for out in pending:
                if sf.error:
                    out.error = f"{out.name} was not made: {sf.error}"
            return
        node = sf.spec.node
        env = {**environment(self.params, self.lab, self.student), "LAB_RUN": self.net.run.id}
        self.log(f"running {sf.name} on {node} (in its sandbox)…")
        with Sandbox(self.net, node, env, name=sf.name) as box:
            res = box.run_script(sf.text or "", sf.spec.timeout)
        if not res.ok:
            why = res.problem or f"exit {res.code}"
            msg = f"{self.folder / sf.name} failed on {node} ({why}): {res.stderr.strip()[-400:]}"
            sf.notes.append(msg.rstrip(": "))
            for out in pending:
                out.error = msg.rstrip(": ")
            return
        for out in pending:
            self._take(out, sf, res.stdout if out.name == sf.spec.output else
                       res.files.get(out.name))

    def _take(self, out: StudentFile, maker: StudentFile, content: bytes | None) -> None:
        where = f"{self.folder / out.name} (made by {maker.name})"
        out.origin = f"made by {maker.name}"
        if content is None:
            out.error = f"{maker.name} did not write {out.name} into $LAB_OUT"
            return
        try:
            if out.spec.kind == "pcap":
                out.raw = content
            else:
                out.text = decode(content, where)
        except SpecError as e:
            out.error = str(e)
            return
        out.error = None
        parse_file(out, where, list(self.topo.nodes))

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


def _after_service(msg: str) -> str:
    """A ServiceError names the topology file and node; the student needs the daemon's words."""
    m = re.match(r"^.*?: node '[^']*', service '[^']*': ", msg, flags=re.S)
    return msg[m.end():] if m else msg


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
