"""A lab's fingerprints: one hash over every file of its folder, so a record (a grade) can say
which version of the lab made it; and one over what decides a grade only, so a self-test result
stays valid while a worksheet's wording is fixed (the worksheets and the drawing grade nothing)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from netdojo.labs.model import Lab

# Read by people, never by a check: README.md, README.ko.md, the topology drawing.
_WORDS = ("README", )
_PICTURES = (".svg", ".png")


def _hash(lab: Lab, keep: Callable[[Path], bool]) -> str:
    h = hashlib.sha256()
    for p in sorted(q for q in lab.dir.rglob("*")
                    if q.is_file() and "__pycache__" not in q.parts and keep(q)):
        h.update(str(p.relative_to(lab.dir)).encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def lab_hash(lab: Lab) -> str:
    """Every file of the lab folder (checks, topology, worksheets, solution), names and bytes."""
    return _hash(lab, lambda p: True)


def checks_hash(lab: Lab) -> str:
    """Every file that can change a grade: checks, lab.yaml, topology, starter, solution,
    mutants — all but the top-level worksheets and pictures."""
    def grading(p: Path) -> bool:
        top = p.parent == lab.dir
        return not (top and (p.name.startswith(_WORDS) or p.suffix in _PICTURES))
    return _hash(lab, grading)
