"""`netdojo failover`: the load balancer's failover reproduced end to end (report + plots).
`netdojo run lb-failover`, its old name, still works."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from netdojo.cli.common import need_root, tear_down_on_signals
from netdojo.errors import NetdojoError
from netdojo.failover.report import targets
from netdojo.failover.runner import run
from netdojo.failover.scenario import default_scenario_path, load_scenario

JOBS = ("lb-failover",)


def cmd_failover(a: argparse.Namespace) -> int:
    job = getattr(a, "job", None) or "lb-failover"
    if job not in JOBS:
        raise NetdojoError(f"unknown job {job!r} (known: {', '.join(JOBS)}; lab exercises: "
                           "`netdojo lab list`)")
    # a bad scenario file fails here, before anything is built
    sc = load_scenario(a.scenario or default_scenario_path(job))
    need_root()
    out = Path(a.out or f"reports/{job}-{time.strftime('%Y%m%d-%H%M%S')}")
    tear_down_on_signals()
    results = run(sc, out, a.shaper, log=lambda m: print(m, flush=True))
    missed = [t for t in targets(results) if not t["met"]]
    return 0 if not missed or a.no_fail else 3


def _options(s: argparse.ArgumentParser) -> None:
    s.add_argument("--scenario", help="a scenario YAML (default: the built-in one)")
    s.add_argument("--out", help="report directory (default reports/lb-failover-TIMESTAMP)")
    s.add_argument("--shaper", default="auto")
    s.add_argument("--no-fail", action="store_true", help="exit 0 even if a target is missed")
    s.set_defaults(func=cmd_failover)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    _options(sub.add_parser("failover", help="reproduce the load balancer's failover end to "
                            "end: timeline, report and plots"))
    s = sub.add_parser("run", help="the old name of `failover`: netdojo run lb-failover")
    s.add_argument("job", help="lb-failover")
    _options(s)
