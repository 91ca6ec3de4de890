"""Scenario files: load, HAProxy variants and a fault timeline, validated with file and line.

    name: lb-failover
    topology: lb-failover          # a topology name or file (default lb-failover)
    url: http://shop.lab.example/whoami
    client: client                 # the node that sends the load
    lb: lb                         # the node running HAProxy
    rate: 200                      # requests/s, open loop
    protocols: [h1, h2]            # HTTP/1.1 keep-alive and HTTP/2, alternating
    timeout: 5                     # client timeout, s
    duration: 60                   # seconds of load per variant
    variants: [defaults, tuned, tuned-retry, l4]
    timeline:
      - {at: 5, fault: crash, backend: web1}     # crash | hang | 5xx | cut
      - {at: 15, restore: web1}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netdojo.errors import SpecError
from netdojo.failover.variants import VARIANTS
from netdojo.paths import data_dir
from netdojo.topo.spec import Seq, parse_yaml, read_text

FAULTS = ("crash", "hang", "5xx", "cut")
KEYS = {"name", "topology", "url", "client", "lb", "rate", "protocols", "timeout", "duration",
        "variants", "timeline", "backends"}


@dataclass
class Event:
    at: float
    backend: str
    fault: str | None  # None = restore
    line: int | None = None

    @property
    def label(self) -> str:
        return f"{self.fault} {self.backend}" if self.fault else f"restore {self.backend}"


@dataclass
class Scenario:
    name: str = "lb-failover"
    topology: str = "lb-failover"
    url: str = "http://shop.lab.example/whoami"
    client: str = "client"
    lb: str = "lb"
    backends: list[str] = field(default_factory=lambda: ["web1", "web2", "web3"])
    rate: float = 200
    protocols: list[str] = field(default_factory=lambda: ["h1", "h2"])
    timeout: float = 5
    duration: float = 60
    variants: list[str] = field(default_factory=lambda: list(VARIANTS))
    timeline: list[Event] = field(default_factory=list)
    source: str | None = None


def default_scenario_path(job: str) -> Path:
    """scenarios/<job>.yaml of this checkout (the built-in scenario)."""
    return data_dir("scenarios") / f"{job}.yaml"


def load_scenario(path: str | Path) -> Scenario:
    return parse_scenario(read_text(path, "scenario"), str(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    doc = parse_yaml(text, source, "scenario")

    def fail(msg: str, key: str | None = None, line: int | None = None) -> SpecError:
        return SpecError(msg, source, line or (doc.key_lines.get(key) if key else None))

    for key in doc:
        if key not in KEYS:
            raise fail(f"unknown key {key!r} (allowed: {', '.join(sorted(KEYS))})", key)
    sc = Scenario(source=source)
    for key in ("name", "topology", "url", "client", "lb"):
        if key in doc:
            setattr(sc, key, str(doc[key]))
    for key in ("rate", "timeout", "duration"):
        if key in doc:
            v = doc[key]
            if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
                raise fail(f"'{key}' must be a positive number, got {v!r}", key)
            setattr(sc, key, float(v))
    if "protocols" in doc:
        protos = doc["protocols"]
        if not isinstance(protos, list) or not protos or not set(protos) <= {"h1", "h2"}:
            raise fail("'protocols' is a list of h1 and/or h2", "protocols")
        sc.protocols = [str(p) for p in protos]
    if "backends" in doc:
        sc.backends = [str(b) for b in doc["backends"]]
    if "variants" in doc:
        vs = doc["variants"]
        if not isinstance(vs, list) or not vs:
            raise fail("'variants' is a non-empty list", "variants")
        for v in vs:
            if v not in VARIANTS:
                raise fail(f"unknown variant {v!r} (known: {', '.join(VARIANTS)})", "variants")
        sc.variants = [str(v) for v in vs]
    timeline = doc.get("timeline", Seq())
    if not isinstance(timeline, list):
        raise fail("'timeline' is a list of events", "timeline")
    lines = getattr(timeline, "item_lines", [None] * len(timeline))
    faulted: dict[str, str] = {}
    last = -1.0
    for item, line in zip(timeline, lines, strict=False):
        if not isinstance(item, dict) or "at" not in item:
            raise fail("an event needs 'at' (seconds) and a fault or a restore", line=line)
        at = item["at"]
        if isinstance(at, bool) or not isinstance(at, int | float) or at < 0:
            raise fail(f"'at' must be seconds >= 0, got {at!r}", line=line)
        if at <= last:
            raise fail(f"events must be in time order: {at} s comes after {last} s", line=line)
        if at >= sc.duration:
            raise fail(f"event at {at} s is after the load ends ({sc.duration:g} s)", line=line)
        last = float(at)
        extra = set(item) - {"at", "fault", "backend", "restore"}
        if extra:
            raise fail(f"unknown event keys {sorted(extra)}", line=line)
        if "restore" in item:
            backend = str(item["restore"])
            if backend not in faulted:
                raise fail(f"restore {backend!r}: it has no fault to restore", line=line)
            del faulted[backend]
            sc.timeline.append(Event(float(at), backend, None, line))
            continue
        fault, backend = item.get("fault"), str(item.get("backend", ""))
        if fault not in FAULTS:
            raise fail(f"unknown fault {fault!r} (known: {', '.join(FAULTS)})", line=line)
        if backend not in sc.backends:
            raise fail(f"unknown backend {backend!r} (backends: {', '.join(sc.backends)})",
                       line=line)
        if backend in faulted:
            raise fail(f"{backend} already has a {faulted[backend]} fault; restore it first",
                       line=line)
        faulted[backend] = fault
        sc.timeline.append(Event(float(at), backend, fault, line))
    return sc
