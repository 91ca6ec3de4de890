"""`netdojo grade similar OUT`: submissions that share more than their starter, ranked.

Every student's values differ, so a file copied from a classmate and adapted differs in exactly
those values.  Each student's own values are first replaced by their names (`10.238.1.1` →
`10.<net>.1.1`), then the lines that are left are compared: lines from the starter, and lines
that most of the class wrote (the obvious answer), say nothing and are set aside; what two
students share beyond that is what a reader should look at, side by side.
"""

from __future__ import annotations

import html
import re
import tempfile
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from netdojo.errors import NetdojoError
from netdojo.grade.gradebook import Gradebook
from netdojo.grade.intake import take
from netdojo.labs.catalog import find_lab
from netdojo.labs.model import Lab
from netdojo.labs.values import values_for

COMMON_SHARE = 0.5  # a line written by more than half of the class is the obvious answer
MIN_LINES = 2  # fewer own lines than this say nothing either way


@dataclass
class Pair:
    a: str
    b: str
    score: float  # shared distinctive lines / the smaller one's distinctive lines
    shared: list[str] = field(default_factory=list)


def normalise(text: str, values: dict[str, Any], student: str) -> list[str]:
    """The lines of a file with this student's values named, comments and blanks dropped."""
    subs = sorted(((str(v), k) for k, v in values.items()
                   if not isinstance(v, bool) and len(str(v)) >= 2), key=lambda x: -len(x[0]))
    out = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        line = line.replace(student, "<student>")
        for value, name in subs:
            line = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", f"<{name}>", line)
        out.append(re.sub(r"\s+", " ", line))
    return out


def lines_of(folder: Path, values: dict[str, Any], student: str) -> set[str]:
    found: set[str] = set()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.stat().st_size <= 1 << 20:
            try:
                text = p.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            found.update(f"{p.name}: {ln}" for ln in normalise(text, values, student))
    return found


def rank(lab: Lab, folders: dict[str, Path], values: dict[str, dict[str, Any]]) -> list[Pair]:
    starter = lab.dir / "starter"
    base = lines_of(starter, {}, "") if starter.is_dir() else set()
    lines = {s: lines_of(f, values[s], s) - base for s, f in folders.items()}
    counts: dict[str, int] = {}
    for ls in lines.values():
        for ln in ls:
            counts[ln] = counts.get(ln, 0) + 1
    common = {ln for ln, n in counts.items() if len(lines) > 2 and n / len(lines) > COMMON_SHARE}
    own = {s: ls - common for s, ls in lines.items()}
    pairs = []
    for a, b in combinations(sorted(own), 2):
        small = min(len(own[a]), len(own[b]))
        if small < MIN_LINES:
            continue
        shared = sorted(own[a] & own[b])
        if shared:
            pairs.append(Pair(a, b, round(len(shared) / small, 3), shared))
    return sorted(pairs, key=lambda p: (-p.score, -len(p.shared), p.a, p.b))


def from_gradebook(out: Path) -> tuple[Lab, list[Pair]]:
    """The latest submission of each student of the graded class in OUT, taken in again."""

    path = out / "gradebook.sqlite"
    if not path.is_file():
        raise NetdojoError(f"{out}: no gradebook.sqlite here (the --out folder of netdojo grade)")
    book = Gradebook(path)
    try:
        latest = [a for a in book.latest() if Path(a.source).exists()]
    finally:
        book.close()
    if not latest:
        raise NetdojoError(f"{out}: none of the graded submissions is where it was graded from")
    lab = find_lab(latest[0].lab)
    with tempfile.TemporaryDirectory(prefix="netdojo-similar-") as tmp:
        folders, values = {}, {}
        for a in latest:
            it = take(Path(a.source), lab, Path(tmp))
            if it.folder is not None and not it.error:
                folders[a.student] = it.folder
                values[a.student] = values_for(lab, a.student)
        return lab, rank(lab, folders, values)


def html_report(lab: Lab, pairs: list[Pair], path: Path, top: int = 50) -> Path:
    rows = []
    for p in pairs[:top]:
        shared = "".join(f"<tr><td>{html.escape(ln)}</td></tr>" for ln in p.shared[:40])
        rows.append(f"<section><h2>{html.escape(p.a)} ↔ {html.escape(p.b)}: {p.score:.0%} of "
                    f"the smaller one's own lines, {len(p.shared)} shared</h2>"
                    f"<table>{shared}</table></section>")
    body = "".join(rows) or "<p>No two submissions share more than their starter and the " \
                            "lines most of the class wrote.</p>"
    path.write_text(f"""<!doctype html><meta charset="utf-8"><title>similar: {lab.id}</title>
<style>body{{font:14px sans-serif;margin:2em}}td{{font-family:monospace;padding:2px 8px;
background:#fff3cd}}section{{margin-bottom:1.5em}}</style>
<h1>{html.escape(lab.id)}: submissions that share their own lines</h1>
<p>Each student's values were replaced by their names first (10.238. → 10.&lt;net&gt;.), and
lines of the starter or written by more than half of the class were set aside. A high score is
a reason to read both submissions, not a verdict.</p>{body}""", encoding="utf-8")
    return path
