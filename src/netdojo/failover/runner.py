"""`netdojo failover`: bring the lab up, and for each HAProxy variant put load on the
service, play the fault timeline, watch HAProxy's verdicts, collect every request; then report.
"""

from __future__ import annotations

import json
import platform
import subprocess
import threading
import time
from pathlib import Path

from netdojo.errors import NetdojoError, SpecError
from netdojo.failover import report
from netdojo.failover.analysis import VariantResult, analyse
from netdojo.failover.faults import Faults
from netdojo.failover.monitor import StateMonitor, Transition
from netdojo.failover.scenario import Scenario
from netdojo.failover.variants import settings_for
from netdojo.net import congestion
from netdojo.net.network import Network
from netdojo.session import Session
from netdojo.topo.resolve import resolve

LOG = "/tmp/netdojo-requests.jsonl"


def check_against(sc: Scenario, net_topo) -> None:
    """The scenario must name nodes the topology has, with the services it relies on."""
    nodes = net_topo.nodes

    def fail(msg: str) -> SpecError:
        return SpecError(msg, sc.source)

    for role, name in (("client", sc.client), ("lb", sc.lb)):
        if name not in nodes or nodes[name].kind != "container":
            raise fail(f"{role} {name!r} is not a container node of topology {sc.topology!r}")
    if "haproxy" not in nodes[sc.lb].services:
        raise fail(f"lb {sc.lb!r} runs no haproxy service")
    for b in sc.backends:
        if b not in nodes or "http" not in nodes[b].services:
            raise fail(f"backend {b!r} is not a node with an http service in {sc.topology!r}")
    for ev in sc.timeline:
        if ev.fault == "crash" and not nodes[ev.backend].restartable:
            raise SpecError(f"crash {ev.backend}: the node must come back on its own "
                            "interfaces, so it needs `restartable: true` in topology "
                            f"{sc.topology!r}", sc.source, ev.line)


def run(sc: Scenario, out_dir: Path, shaper: str = "auto", log=print) -> list[VariantResult]:
    topo = resolve(sc.topology)
    check_against(sc, topo)  # before anything is built
    t_up = time.monotonic()
    lab = Session.start(topo, shaper)  # owns the run: torn down below, on failure too
    net = lab.net
    results, logs = [], {}
    try:
        # what the report states it ran on, TCP's algorithm read from the kernel's route
        machine = {"host": platform.node(), "kernel": platform.release(), "shaper": net.run.shaper,
                   "tcp_congestion": congestion.in_force(net.ns(sc.client), str(net.ip(sc.lb)))}
        log(f"run {net.run.id}: {topo.name} up in {time.monotonic() - t_up:.1f} s "
            f"({len(topo.nodes)} nodes, shaper {net.run.shaper}, TCP congestion control "
            f"{machine['tcp_congestion']})")
        for variant in sc.variants:
            t0, records, transitions = one_variant(net, sc, variant, log)
            res = analyse(variant, records, transitions, sc.timeline, t0, sc.duration)
            results.append(res)
            logs[variant] = (t0, records)
            log(f"[{variant}] {res.requests} requests, {res.failed} failed")
    finally:
        lab.teardown()
        log(f"run {net.run.id}: down")
    paths = report.write(out_dir, sc, results, logs, machine)
    print_summary(results, log)
    log(f"report: {paths['md']}  {paths['html']}  {paths['json']}")
    return results


def one_variant(net: Network, sc: Scenario, variant: str, log) -> tuple[float, list, list]:
    lb = next(s for s in net.services if s.node == sc.lb and s.name == "haproxy")
    log(f"[{variant}] configuring HAProxy and waiting for every backend UP")
    lb.reconfigure(settings_for(variant, sc.backends))
    return play(net, sc, variant, log)


def play(net: Network, sc: Scenario, variant: str, log,
         landed: dict[float, float] | None = None) -> tuple[float, list, list]:
    """Load on, the timeline played, HAProxy's verdicts watched: (t0, requests, transitions).
    `landed` (if given) gets, per event's `at`, the wall time the fault had really taken hold
    (a `docker kill` returns some time after it was due)."""
    changes: list[dict] = []
    t0_box: list[float] = []

    def on_change(tr: Transition) -> None:
        changes.append({"t": tr.t, "server": tr.server, "up": tr.up})
        rel = tr.t - t0_box[0] if t0_box else 0.0
        log(f"[{variant}] t={rel:5.1f}s HAProxy: {tr.server} {'UP' if tr.up else 'DOWN'}")

    names = {net.ip(b): b for b in sc.backends}
    monitor = StateMonitor(net.ns(sc.lb), on_change=on_change, names=names)
    monitor.start()
    argv = net.exec_argv(sc.client, [
        "/opt/web/bin/python", "/opt/web/loadgen.py", sc.url, "--rate", str(sc.rate),
        "--duration", str(sc.duration), "--protocols", ",".join(sc.protocols),
        "--timeout", str(sc.timeout), "--out", LOG])
    gen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    faults = Faults(net)
    active: dict[str, str] = {}
    try:
        first = gen.stdout.readline()
        if not first.startswith("start "):
            raise NetdojoError(f"load generator did not start: {first}{gen.stderr.read()}")
        t0 = float(first.split()[1])
        t0_box.append(t0)
        threading.Thread(target=_relay, args=(gen.stderr, variant, log), daemon=True).start()
        for ev in sc.timeline:
            delay = t0 + ev.at - time.time()
            if delay > 0:
                time.sleep(delay)
            if ev.fault:
                faults.inject(ev.fault, ev.backend)
                active[ev.backend] = ev.fault
                if landed is not None:
                    landed[ev.at] = time.time()
            else:
                faults.restore(active.pop(ev.backend), ev.backend)
            log(f"[{variant}] t={time.time() - t0:5.1f}s {ev.label}")
        # its stdout is two short lines, so waiting before reading cannot fill the pipe
        gen.wait(timeout=sc.duration + sc.timeout + 60)
        tail = gen.stdout.read()  # "done N max_late_ms X"
        if gen.returncode != 0:
            raise NetdojoError(f"load generator failed (exit {gen.returncode})")
        late = float(tail.split("max_late_ms")[1]) if "max_late_ms" in tail else None
        if late is not None and late > 50:
            log(f"[{variant}] note: the load generator fell up to {late:.0f} ms behind its "
                "schedule (latency still counts from each request's due time)")
    finally:
        if gen.poll() is None:
            gen.kill()
            gen.wait()
        for backend, fault in active.items():  # leave the lab healthy for the next variant
            faults.restore(fault, backend)
        monitor.stop()
    out = subprocess.run(net.exec_argv(sc.client, ["cat", LOG]), capture_output=True,
                         text=True).stdout
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    return t0, records, changes


def _relay(stream, variant: str, log) -> None:
    for line in stream:
        if line.startswith("t="):
            log(f"[{variant}] {line.strip()}")


def print_summary(results: list[VariantResult], log) -> None:
    log("")
    log(f"{'variant':12} {'fault':14} {'detect s':>9} {'failed':>7} {'p99 ms':>8} {'up s':>6}")
    for r in results:
        for f in r.faults:
            phase = next(p for p in r.phases if p.start == f.at)
            log(f"{r.variant:12} {f.fault + ' ' + f.backend:14} "
                f"{'never' if f.detect_s is None else f'{f.detect_s:.2f}':>9} {f.failed:>7} "
                f"{'-' if phase.p99_ms is None else f'{phase.p99_ms:.0f}':>8} "
                f"{'-' if f.back_up_s is None else f'{f.back_up_s:.1f}':>6}")
