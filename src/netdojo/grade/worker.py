"""One submission graded in a process of its own, so a hung check, a crash or a time limit
cannot take the grader with it: `python -m netdojo.grade.worker LAB FOLDER STUDENT OUT.json`
runs the lab's check and writes every check (hidden ones too) as JSON.  grade_one() starts
it, enforces the lab's time limit, and on a timeout ends it (its own teardown first, then
SIGKILL) and reaps the run it owned.

grade_one() forks that process from a fork server that has imported netdojo once (Python's
multiprocessing "forkserver", a single-threaded process of its own, so the fork is clean): a
fresh interpreter per submission spent ~0.35 s of CPU importing the same modules (measured with
`-X importtime`), about an eighth of a dns grade's CPU, and two workers paid it side by side."""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netdojo.errors import NetdojoError
from netdojo.interrupts import tear_down_on_signals
from netdojo.labs.catalog import find_lab
from netdojo.labs.runner import check_lab
from netdojo.net import capabilities
from netdojo.net.runs import reap

# Imported once in the fork server, not in every child: every run opens netlink sockets
# (pyroute2) and most start containers (the docker SDK), and the two imports cost a child
# ~0.25 s of CPU — a seventh of a dns grade's (1.8 s).  netlink.py and engine.py import them late so
# that commands which need neither (`netdojo down`, `lab list`) start fast; the grader does.
PRELOAD = ["pyroute2", "docker"]
UP_DOWN_S = 90  # building and tearing down a lab, on top of its checks' time limit
TERM_GRACE_S = 20  # after SIGTERM, the worker's own teardown; then SIGKILL


@dataclass
class Graded:
    status: str  # graded | error | timeout
    report: dict[str, Any] | None
    message: str
    seconds: float


_CONTEXT: multiprocessing.context.BaseContext | None = None


def _context() -> multiprocessing.context.BaseContext:
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["netdojo.grade.worker", *PRELOAD])
        _CONTEXT = ctx
    return _CONTEXT


@functools.cache
def _host_capabilities() -> capabilities.Capabilities:
    """What the host offers, probed once by the grader for all its workers (the host does not
    change in the middle of a class)."""
    return capabilities.probe()


def _child(argv: list[str], log_path: str, caps: capabilities.Capabilities) -> None:
    """The forked worker: a session of its own (so ending it ends its children too), its
    output in a file the parent reads, and main()'s exit code as the process's."""
    os.setsid()
    capabilities.use(caps)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - the process's own, for its whole life
    sys.exit(main(argv))


def grade_one(lab_id: str, time_limit: float, folder: Path, student: str) -> Graded:
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="netdojo-grade-") as tmp:
        out, log_path = Path(tmp) / "report.json", Path(tmp) / "log.txt"
        p = _context().Process(target=_child, args=([lab_id, str(folder), student, str(out)],
                                                    str(log_path), _host_capabilities()),
                               daemon=False)
        p.start()
        p.join(time_limit + UP_DOWN_S)
        if p.exitcode is None:
            _end(p)
            _reap()
            return Graded("timeout", None, f"grading stopped after {time_limit + UP_DOWN_S:.0f} "
                          "s (the lab's time limit and its build); the run was torn down",
                          time.monotonic() - t0)
        text = log_path.read_text(errors="replace").strip() if log_path.is_file() else ""
        if p.exitcode == 0 and out.is_file():
            return Graded("graded", json.loads(out.read_text()), "", time.monotonic() - t0)
        _reap()
        return Graded("error", None, text.splitlines()[-1] if text else
                      f"the grader exited with {p.exitcode}", time.monotonic() - t0)


def _end(p: multiprocessing.process.BaseProcess) -> None:
    """SIGTERM lets the worker tear its run down; a worker that does not end is killed (its
    whole session: the commands it started too)."""
    try:
        os.killpg(p.pid, signal.SIGTERM)  # type: ignore[arg-type]
    except ProcessLookupError:
        pass
    p.join(TERM_GRACE_S)
    if p.exitcode is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # type: ignore[arg-type]
        except ProcessLookupError:
            pass
        p.join()


def _reap() -> None:
    """Runs whose owner died (this worker, killed) are torn down; live owners' are not."""

    reap()


def main(argv: list[str]) -> int:
    lab_id, folder, student, out = argv
    tear_down_on_signals()
    try:
        report = check_lab(find_lab(lab_id), student, Path(folder), log=lambda m: None)
    except NetdojoError as e:
        print(f"netdojo: {e}")
        return 2
    except KeyboardInterrupt:
        print("netdojo: stopped")
        return 130
    doc = report.as_dict(hidden=True)
    Path(out).write_text(json.dumps(doc, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
