"""From a request log and HAProxy's state changes to per-phase figures.  Pure functions: the
test recounts the same log independently and must get the same numbers."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from netdojo.failover.scenario import Event


def failed(rec: dict) -> bool:
    """A request failed if it got no answer or a 5xx."""
    return not (0 < int(rec.get("status", 0)) < 500)


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


@dataclass
class Phase:
    name: str
    start: float  # seconds since load start
    end: float
    fault: str | None = None
    backend: str | None = None
    requests: int = 0
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # "503", "ReadTimeout", ...
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    by_backend: dict[str, int] = field(default_factory=dict)


@dataclass
class FaultResult:
    fault: str
    backend: str
    at: float
    restored_at: float | None
    detect_s: float | None  # fault → HAProxy marks the server DOWN
    back_up_s: float | None  # restore → UP again
    failed: int  # requests failed from the fault until it was restored


@dataclass
class VariantResult:
    variant: str
    requests: int
    failed: int
    phases: list[Phase]
    faults: list[FaultResult]
    transitions: list[dict]

    def as_dict(self) -> dict:
        return asdict(self)


def phases_of(timeline: list[Event], duration: float) -> list[Phase]:
    cuts = [0.0] + [e.at for e in timeline] + [duration]
    out = []
    for i in range(len(cuts) - 1):
        if i == 0:
            name, fault, backend = "baseline", None, None
        else:
            ev = timeline[i - 1]
            name, fault, backend = ev.label, ev.fault, ev.backend
            if ev.fault is None:
                name = f"after {ev.label}"
        out.append(Phase(name, cuts[i], cuts[i + 1], fault, backend))
    return out


def analyse(variant: str, records: list[dict], transitions: list[dict], timeline: list[Event],
            t0: float, duration: float) -> VariantResult:
    phases = phases_of(timeline, duration)
    lat: list[list[float]] = [[] for _ in phases]
    for rec in records:
        rel = rec["t"] - t0
        idx = next((i for i, p in enumerate(phases) if p.start <= rel < p.end), len(phases) - 1)
        p = phases[idx]
        p.requests += 1
        lat[idx].append(rec["latency_ms"])
        if failed(rec):
            p.failed += 1
            kind = str(rec.get("status")) if rec.get("status") else rec.get("error", "error")
            p.failures[kind] = p.failures.get(kind, 0) + 1
        elif rec.get("backend"):
            p.by_backend[rec["backend"]] = p.by_backend.get(rec["backend"], 0) + 1
    for p, values in zip(phases, lat, strict=True):
        values.sort()
        p.p50_ms, p.p95_ms, p.p99_ms = (percentile(values, q) for q in (50, 95, 99))
    faults = []
    for i, ev in enumerate(timeline):
        if ev.fault is None:
            continue
        restore = next((e for e in timeline[i + 1:] if e.fault is None and e.backend == ev.backend),
                       None)
        end = restore.at if restore else duration
        down = next((tr["t"] - t0 - ev.at for tr in transitions
                     if tr["server"] == ev.backend and not tr["up"] and tr["t"] - t0 >= ev.at
                     and tr["t"] - t0 < end), None)
        up = None
        if restore:
            nxt = next((e.at for e in timeline if e.at > restore.at and e.backend == ev.backend
                        and e.fault), None)
            up = next((tr["t"] - t0 - restore.at for tr in transitions
                       if tr["server"] == ev.backend and tr["up"] and tr["t"] - t0 >= restore.at
                       and (nxt is None or tr["t"] - t0 < nxt)), None)
        n_failed = sum(1 for r in records if ev.at <= r["t"] - t0 < end and failed(r))
        faults.append(FaultResult(ev.fault, ev.backend, ev.at, restore.at if restore else None,
                                  None if down is None else round(down, 3),
                                  None if up is None else round(up, 3), n_failed))
    return VariantResult(variant, len(records), sum(1 for r in records if failed(r)), phases,
                         faults, transitions)
