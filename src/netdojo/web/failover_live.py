"""The failover reproduction, live in the page: the runner's own progress lines (load
generator ticks, HAProxy's verdicts, the faults as they land) turned into timeline events.
Parsing is pure; running is the failover runner itself, in a thread, with its report folder
kept for the page to open."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

TICK = re.compile(r"^\[(?P<v>[\w.-]+)\] t=\s*(?P<t>[\d.]+)s sent=(?P<sent>\d+) ok=(?P<ok>\d+) "
                  r"failed=(?P<failed>\d+)")
STATE = re.compile(r"^\[(?P<v>[\w.-]+)\] t=\s*(?P<t>[\d.]+)s HAProxy: (?P<server>\S+) "
                   r"(?P<state>UP|DOWN)")
EVENT = re.compile(r"^\[(?P<v>[\w.-]+)\] t=\s*(?P<t>[\d.]+)s (?P<label>.+)$")
VARIANT = re.compile(r"^\[(?P<v>[\w.-]+)\] configuring HAProxy")


def event(line: str) -> dict[str, Any]:
    """One progress line of `netdojo failover` as a timeline event."""
    if m := TICK.match(line):
        return {"type": "tick", "variant": m["v"], "t": float(m["t"]), "sent": int(m["sent"]),
                "ok": int(m["ok"]), "failed": int(m["failed"])}
    if m := STATE.match(line):
        return {"type": "state", "variant": m["v"], "t": float(m["t"]), "server": m["server"],
                "up": m["state"] == "UP"}
    if m := EVENT.match(line):
        return {"type": "fault", "variant": m["v"], "t": float(m["t"]), "label": m["label"]}
    if m := VARIANT.match(line):
        return {"type": "variant", "variant": m["v"], "line": line}
    return {"type": "log", "line": line}


def scenarios(folder: Path) -> dict[str, Path]:
    """The scenarios the page may start, by name: only files of the scenarios folder (the page
    never names a path)."""
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}
