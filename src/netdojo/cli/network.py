"""`netdojo validate|up|down|status|exec|cp|fail|restore|logs`: a topology checked, built,
looked into, broken on purpose and taken down."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict

from netdojo.cli.common import attach, need_root, tear_down_on_signals
from netdojo.cli.shell import shell_until_exit  # at import: no gap before its try
from netdojo.net import failures, lifecycle, runs
from netdojo.session import Session
from netdojo.topo.addressing import plan_addresses
from netdojo.topo.resolve import resolve


def cmd_validate(a: argparse.Namespace) -> int:
    topo = resolve(a.topology)

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
    lab = Session.start(topo, a.shaper, builder=a.builder, detached=a.detach,
                        log=lambda m: print(m, flush=True))
    net = lab.net
    took = time.monotonic() - t0

    def banner() -> None:
        print(f"run {net.run.id}: {topo.name} up in {took:.2f} s — {len(topo.nodes)} nodes, "
              f"{len(topo.links)} links, shaper {net.run.shaper}, builder {net.run.builder}",
              flush=True)

    return shell_until_exit(net, a.detach, lab.teardown, banner)


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


def add_parsers(sub: argparse._SubParsersAction) -> None:
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
