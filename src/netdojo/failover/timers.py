"""Health-check timers read from a haproxy.cfg someone wrote by hand: for the server at an
address, is it checked, and how long can a dead server go unnoticed (inter × fall)?

Follows HAProxy's own rules for the subset a lab needs: `default-server` lines in a `defaults`
section carry into later backends and in a backend apply to its servers; times are in
milliseconds unless they carry a unit (us, ms, s, m, h); HAProxy's defaults are inter 2s,
fall 3, rise 2.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

DEFAULTS = {"inter": 2000.0, "fall": 3.0, "rise": 2.0}
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}
_TIME = re.compile(r"^(\d+(?:\.\d+)?)(us|ms|s|m|h)?$")
SECTIONS = ("global", "defaults", "frontend", "backend", "listen", "peers", "resolvers",
            "userlist", "mailers", "program", "http-errors", "ring", "cache")


@dataclass
class ServerTimers:
    section: str
    server: str
    checked: bool
    inter_ms: float
    fastinter_ms: float | None
    fall: int
    rise: int

    @property
    def detect_bound_s(self) -> float:
        """The longest a dead server can stay UP: fall failed checks, inter apart."""
        return self.inter_ms * self.fall / 1000.0


def parse_time_ms(text: str) -> float | None:
    m = _TIME.match(text)
    return float(m.group(1)) * UNITS[m.group(2) or "ms"] if m else None


def _options(tokens: list[str]) -> dict[str, str | bool]:
    opts: dict[str, str | bool] = {}
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in ("inter", "fastinter", "downinter", "fall", "rise") and i + 1 < len(tokens):
            opts[t] = tokens[i + 1]
            i += 2
            continue
        if t == "check":
            opts["check"] = True
        elif t == "no-check":
            opts["check"] = False
        i += 1
    return opts


def _value(opts: dict, key: str) -> float | None:
    """A timer in ms, or a count (a bare number reads the same either way); else the default."""
    v = opts.get(key)
    parsed = parse_time_ms(v) if isinstance(v, str) else None
    return parsed if parsed is not None else DEFAULTS.get(key)


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return line.split("#", 1)[0].split()


def server_timers(cfg: str, addresses: set[str]) -> list[ServerTimers]:
    """Every `server` line whose address (host part) is one of `addresses`."""
    found = []
    defaults_ds: dict[str, str | bool] = {}
    section, section_ds = "", {}
    for raw in cfg.splitlines():
        tokens = _split(raw)
        if not tokens:
            continue
        head = tokens[0]
        if head in SECTIONS:
            section = f"{head} {tokens[1]}" if len(tokens) > 1 else head
            section_ds = dict(defaults_ds) if head in ("backend", "listen") else {}
            if head == "defaults":
                defaults_ds = {}
            continue
        if head == "default-server":
            opts = _options(tokens[1:])
            if section.startswith("defaults"):
                defaults_ds.update(opts)
            section_ds.update(opts)
        elif head == "server" and len(tokens) >= 3 and section.split()[0] in ("backend",
                                                                                 "listen"):
            host = tokens[2].rsplit(":", 1)[0] if ":" in tokens[2] else tokens[2]
            if host not in addresses:
                continue
            opts = {**section_ds, **_options(tokens[3:])}

            found.append(ServerTimers(
                section, tokens[1], bool(opts.get("check", False)), _value(opts, "inter"),
                _value(opts, "fastinter"), int(_value(opts, "fall")), int(_value(opts, "rise"))))
    return found
