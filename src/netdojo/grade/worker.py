"""One submission graded in a process of its own, so a hung check, a crash or a time limit
cannot take the grader with it: `python -m netdojo.grade.worker LAB FOLDER STUDENT OUT.json`
runs the lab's check and writes every check (hidden ones too) as JSON.  grade_one() starts
it, enforces the lab's time limit, and on a timeout ends it (its own teardown first, then
SIGKILL) and reaps the run it owned."""

from __future__ import annotations

import json
import os
import signal
import subprocess
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
from netdojo.net.runs import reap

UP_DOWN_S = 90  # building and tearing down a lab, on top of its checks' time limit
TERM_GRACE_S = 20  # after SIGTERM, the worker's own teardown; then SIGKILL


@dataclass
class Graded:
    status: str  # graded | error | timeout
    report: dict[str, Any] | None
    message: str
    seconds: float


def grade_one(lab_id: str, time_limit: float, folder: Path, student: str) -> Graded:
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="netdojo-grade-") as tmp:
        out = Path(tmp) / "report.json"
        argv = [sys.executable, "-m", "netdojo.grade.worker", lab_id, str(folder), student,
                str(out)]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            log, _ = p.communicate(timeout=time_limit + UP_DOWN_S)
        except subprocess.TimeoutExpired:
            _end(p)
            _reap()
            return Graded("timeout", None, f"grading stopped after {time_limit + UP_DOWN_S:.0f} "
                          "s (the lab's time limit and its build); the run was torn down",
                          time.monotonic() - t0)
        text = log.decode(errors="replace").strip()
        if p.returncode == 0 and out.is_file():
            return Graded("graded", json.loads(out.read_text()), "", time.monotonic() - t0)
        _reap()
        return Graded("error", None, text.splitlines()[-1] if text else
                      f"the grader exited with {p.returncode}", time.monotonic() - t0)


def _end(p: subprocess.Popen) -> None:
    """SIGTERM lets the worker tear its run down; a worker that does not end is killed."""
    try:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(TERM_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    except ProcessLookupError:
        pass


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
