"""Argument parsing and the commands.  Each prints a clear message and exits non-zero on
bad input, and leaves nothing half-built."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from netdojo import session
from netdojo.cli.common import attach, need_root, tear_down_on_signals
from netdojo.cli.shell import shell_until_exit  # at import: no gap before its try
from netdojo.errors import NetdojoError
from netdojo.net import lifecycle, runs
from netdojo.topo.resolve import resolve


def cmd_validate(a: argparse.Namespace) -> int:
    topo = resolve(a.topology)
    from netdojo.topo.addressing import plan_addresses

    addr = plan_addresses(topo)
    kinds: dict[str, int] = {}
    for node in topo.nodes.values():
        kinds[node.kind] = kinds.get(node.kind, 0) + 1
    print(f"{topo.source or topo.name}: ok — "
          + ", ".join(f"{v} {k}{'es' if k == 'switch' else 's'}" for k, v in sorted(kinds.items()))
          + f", {len(topo.links)} links, {len(addr.segments)} segments")
    return 0


def cmd_up(a: argparse.Namespace) -> int:
    need_root()
    topo = resolve(a.topology)
    tear_down_on_signals()
    t0 = time.monotonic()
    net = session.up(topo, a.shaper, detached=a.detach, log=lambda m: print(m, flush=True),
                     builder=a.builder)
    took = time.monotonic() - t0

    def banner() -> None:
        print(f"run {net.run.id}: {topo.name} up in {took:.2f} s — {len(topo.nodes)} nodes, "
              f"{len(topo.links)} links, shaper {net.run.shaper}, builder {net.run.builder}",
              flush=True)

    return shell_until_exit(net, a.detach, net.run.teardown, banner)


def cmd_down(a: argparse.Namespace) -> int:
    need_root()
    removed = lifecycle.down(a.run, everything=a.all)
    print("removed: " + (", ".join(removed) if removed else "nothing"))
    return 0


def cmd_status(a: argparse.Namespace) -> int:
    reaped = runs.reap() if os.geteuid() == 0 else []
    for rid in reaped:
        print(f"reaped dead run {rid}")
    rows = runs.all_runs()
    if a.json:
        print(json.dumps([{k: v for k, v in asdict(r).items() if k != "topology"}
                          for r in rows], indent=1))
        return 0
    if not rows:
        print("no runs")
    for r in rows:
        owner = f"pid {r.owner_pid}" if r.owner_pid else "detached"
        print(f"{r.id}  {r.name:16} {r.state:8} shaper={r.shaper:9} "
              f"nodes={len(r.topology['nodes'])} owner={owner} "
              f"age={time.time() - r.created:.0f}s")
    return 0


def cmd_exec(a: argparse.Namespace) -> int:
    net = attach(a.run, a.node)
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        command = ["sh"]
    argv = net.exec_argv(a.node, command, interactive=sys.stdin.isatty())
    os.execvp(argv[0], argv)
    return 1  # not reached


def cmd_cp(a: argparse.Namespace) -> int:
    attach(a.run).copy(a.src, a.dst)
    return 0


def cmd_logs(a: argparse.Namespace) -> int:
    print(attach(a.run, a.node).logs(a.node, a.lines), end="")
    return 0


def cmd_fail(a: argparse.Namespace) -> int:
    from netdojo.net import failures

    net = attach(a.run)
    if a.func is cmd_restore and a.element == "all":
        failures.restore_all(net)
        print("everything restored")
        return 0
    el = (failures.restore if a.func is cmd_restore else failures.fail)(net, a.element)
    now = failures.failed(net)
    print(f"{el.name}: {'restored' if a.func is cmd_restore else 'failed'}; "
          f"down now: {', '.join(now) if now else 'nothing'}")
    return 0


def cmd_restore(a: argparse.Namespace) -> int:
    return cmd_fail(a)


def cmd_images(a: argparse.Namespace) -> int:
    from netdojo.net import images

    if a.action == "build":
        need_root()
        times = images.build(log=lambda m: print(m, flush=True), no_cache=a.no_cache)
        print(f"images ready: base {times['base_s']:.1f} s, {images.NODE_IMAGE} "
              f"{times['node_s']:.1f} s")
    for row in images.listing():
        print(f"{row['image']:32} {row['size']:>10}  {row['created']}")
    return 0


JOBS = ("lb-failover",)


def cmd_run(a: argparse.Namespace) -> int:
    if a.job not in JOBS:
        raise NetdojoError(f"unknown job {a.job!r} (known: {', '.join(JOBS)}; lab exercises: "
                           "`netdojo lab list`)")

    from netdojo.failover.runner import run
    from netdojo.failover.scenario import default_scenario_path, load_scenario

    # a bad scenario file fails here, before anything is built
    sc = load_scenario(a.scenario or default_scenario_path(a.job))
    need_root()
    out = Path(a.out or f"reports/{a.job}-{time.strftime('%Y%m%d-%H%M%S')}")
    tear_down_on_signals()
    results = run(sc, out, a.shaper, log=lambda m: print(m, flush=True))
    from netdojo.failover.report import targets

    missed = [t for t in targets(results) if not t["met"]]
    return 0 if not missed or a.no_fail else 3


def cmd_doctor(a: argparse.Namespace) -> int:
    need_root()
    from netdojo.net.doctor import report

    print(report())
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="netdojo", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("validate", help="check a topology file; print a summary")
    s.add_argument("topology")
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("up", help="build a topology and open a shell (Ctrl-D tears it down)")
    s.add_argument("topology", help="a YAML file, a name under topologies/, or linear,N ...")
    s.add_argument("--shaper", default="auto", help="auto | netem | userspace")
    s.add_argument("--detach", "-d", action="store_true",
                   help="build and return; the run stays up until `netdojo down`")
    s.add_argument("--builder", default="netdojo",
                   help="netdojo (netlink, fast, userspace shaper) | mininet (Mininet's classes)")
    s.set_defaults(func=cmd_up)

    s = sub.add_parser("down", help="tear down a run (or --all)")
    s.add_argument("run", nargs="?")
    s.add_argument("--all", action="store_true")
    s.set_defaults(func=cmd_down)

    s = sub.add_parser("status", help="list runs (and reap dead ones)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("exec", help="run a command in a node: netdojo exec h1 -- ping h2")
    s.add_argument("--run")
    s.add_argument("node")
    s.add_argument("command", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_exec)

    s = sub.add_parser("cp", help="copy a file in or out of a node: netdojo cp web1:/etc/x ./x")
    s.add_argument("--run")
    s.add_argument("src")
    s.add_argument("dst")
    s.set_defaults(func=cmd_cp)

    s = sub.add_parser("fail", help="switch a node off or cut a link: netdojo fail r2 | r1-r2 "
                       "(routers route around it)")
    s.add_argument("--run")
    s.add_argument("element", help="NODE or NODE-NODE")
    s.set_defaults(func=cmd_fail)

    s = sub.add_parser("restore", help="bring back what `fail` took down (or 'all')")
    s.add_argument("--run")
    s.add_argument("element", help="NODE, NODE-NODE or all")
    s.set_defaults(func=cmd_restore)

    s = sub.add_parser("logs", help="a node's output and its daemons' logs")
    s.add_argument("--run")
    s.add_argument("node")
    s.add_argument("--lines", type=int, default=50)
    s.set_defaults(func=cmd_logs)

    s = sub.add_parser("run", help="run a job end to end: lb-failover (report + plots)")
    s.add_argument("job", help="lb-failover")
    s.add_argument("--scenario", help="a scenario YAML (default: the built-in one)")
    s.add_argument("--out", help="report directory (default reports/JOB-TIMESTAMP)")
    s.add_argument("--shaper", default="auto")
    s.add_argument("--no-fail", action="store_true", help="exit 0 even if a target is missed")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("images", help="build (what is missing) or list the lab images")
    s.add_argument("action", choices=["build", "list"])
    s.add_argument("--no-cache", action="store_true")
    s.set_defaults(func=cmd_images)

    s = sub.add_parser("doctor", help="what this host offers and which backend each uses")
    s.set_defaults(func=cmd_doctor)

    from netdojo.cli.classes import add_parsers as add_class_parsers
    from netdojo.cli.grade import add_parsers as add_grade_parsers
    from netdojo.cli.labs import add_parsers
    from netdojo.cli.measure import add_parsers as add_measure_parsers
    from netdojo.cli.vm import add_parsers as add_vm_parsers
    from netdojo.cli.web import add_parsers as add_web_parsers

    add_measure_parsers(sub)
    add_parsers(sub)
    add_web_parsers(sub)
    add_grade_parsers(sub)
    add_class_parsers(sub)
    add_vm_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from netdojo.cli.classes import apply_class_option

    args = parser().parse_args(argv)
    try:
        apply_class_option(args)
        return args.func(args)
    except BrokenPipeError:  # `netdojo lab list | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except NetdojoError as e:
        print(f"netdojo: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("netdojo: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        if e.filename is None:
            raise  # not about a path someone gave: a bug to see whole
        # a path a person gave that is a file where a folder belongs, unreadable, missing…
        print(f"netdojo: {e.filename}: {e.strerror or e} — check that path", file=sys.stderr)
        return 2
