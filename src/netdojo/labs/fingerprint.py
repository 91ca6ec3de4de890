"""A lab's fingerprint: one hash over every file of its folder, so a record (a grade, a
self-test result) can say which version of the lab's checks, topology and solution made it."""

from __future__ import annotations

import hashlib

from netdojo.labs.model import Lab


def lab_hash(lab: Lab) -> str:
    """Every file of the lab folder (checks, topology, worksheets, solution), names and bytes."""
    h = hashlib.sha256()
    for p in sorted(q for q in lab.dir.rglob("*") if q.is_file() and "__pycache__" not in q.parts):
        h.update(str(p.relative_to(lab.dir)).encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()
