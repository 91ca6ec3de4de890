"""The gradebook: one SQLite file (nbgrader's choice; the standard library's sqlite3).  Every
attempt is kept with the submission's hash, each check's score, message and samples, timings,
netdojo's version and the machine; exports are made from it, never from a run's memory."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netdojo.errors import NetdojoError
from netdojo.grade import seal

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    lab TEXT NOT NULL, student TEXT NOT NULL, sha256 TEXT NOT NULL,
    source TEXT, started REAL, seconds REAL,
    status TEXT NOT NULL,             -- graded | error | timeout | unreadable
    score REAL, max_score REAL, message TEXT,
    intake TEXT, timings TEXT, version TEXT, machine TEXT,
    lab_hash TEXT, images TEXT, seal TEXT
);
CREATE TABLE IF NOT EXISTS checks (
    attempt INTEGER NOT NULL REFERENCES attempts(id),
    position INTEGER, name TEXT, title TEXT, points REAL, score REAL, message TEXT, hint TEXT,
    visible INTEGER, seconds REAL, samples TEXT, error INTEGER
);
CREATE INDEX IF NOT EXISTS by_student ON attempts (lab, student, id);
CREATE TABLE IF NOT EXISTS calibrations (
    id INTEGER PRIMARY KEY,
    lab TEXT NOT NULL, started REAL, seconds REAL, status TEXT,
    score REAL, max_score REAL, unstable TEXT, machine TEXT
);
"""


@dataclass
class Attempt:
    id: int
    lab: str
    student: str
    sha256: str
    source: str
    started: float
    seconds: float
    status: str
    score: float
    max_score: float
    message: str
    intake: dict[str, Any]
    timings: dict[str, Any]
    version: str
    machine: str
    checks: list[dict[str, Any]]
    lab_hash: str = ""
    images: dict[str, str] | None = None
    seal: str = ""

    @classmethod
    def of(cls, lab: str, student: str, sha256: str, source: str, status: str,
           report: dict[str, Any] | None, message: str = "", *, started: float | None = None,
           seconds: float = 0.0, intake: dict[str, Any] | None = None, version: str = "",
           machine: str = "", lab_hash: str = "", images: dict[str, str] | None = None
           ) -> Attempt:
        """A new attempt from a grading run's report (None: nothing was graded)."""
        r = report or {}
        return cls(id=0, lab=lab, student=student, sha256=sha256, source=source,
                   started=time.time() if started is None else started, seconds=seconds,
                   status=status, score=r.get("score", 0.0), max_score=r.get("max_score", 0.0),
                   message=message, intake=intake or {}, timings=r.get("timings", {}),
                   version=version, machine=machine or this_machine(),
                   checks=r.get("checks", []), lab_hash=lab_hash, images=images)

    def sealed_fields(self) -> dict[str, Any]:
        return {"lab": self.lab, "student": self.student, "sha256": self.sha256,
                "status": self.status, "score": self.score, "max_score": self.max_score,
                "message": self.message, "version": self.version, "machine": self.machine,
                "lab_hash": self.lab_hash, "images": self.images or {}}


def this_machine() -> str:
    return f"{platform.node()} {platform.release()} {os.cpu_count()} CPUs"


class Gradebook:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.executescript(SCHEMA)
        have = {r[1] for r in self.db.execute("PRAGMA table_info(attempts)")}
        for col in ("lab_hash", "images", "seal"):  # a gradebook from before seals
            if col not in have:
                self.db.execute(f"ALTER TABLE attempts ADD COLUMN {col} TEXT")

    @classmethod
    def read_only(cls, path: Path) -> Gradebook:
        """Opened for reading only (SQLite's mode=ro): a viewer can never change a grade."""
        book = cls.__new__(cls)
        book.path = path
        book.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return book

    def close(self) -> None:
        self.db.close()

    def unchanged(self, lab: str, student: str, sha256: str) -> bool:
        """The student's latest graded attempt is of these very files."""
        row = self.db.execute("SELECT sha256, status FROM attempts WHERE lab=? AND student=? "
                              "ORDER BY id DESC LIMIT 1", (lab, student)).fetchone()
        return bool(row) and row[0] == sha256 and row[1] == "graded"

    def record(self, a: Attempt) -> int:
        """Keep one attempt, sealed (an HMAC over its fields and checks), and its checks."""
        stamp = seal.seal(a.sealed_fields(), a.checks)
        with self.db:
            cur = self.db.execute(
                "INSERT INTO attempts (lab, student, sha256, source, started, seconds, status, "
                "score, max_score, message, intake, timings, version, machine, lab_hash, "
                "images, seal) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (a.lab, a.student, a.sha256, a.source, a.started, round(a.seconds, 3), a.status,
                 a.score, a.max_score, a.message, json.dumps(a.intake, ensure_ascii=False),
                 json.dumps(a.timings), a.version, a.machine, a.lab_hash,
                 json.dumps(a.images or {}), stamp))
            aid = cur.lastrowid
            self.db.executemany(
                "INSERT INTO checks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(aid, i, c["name"], c["title"], c["points"], c["score"], c["message"],
                  c["hint"], int(c["visible"]), c["seconds"],
                  json.dumps(c.get("samples", []), default=str), int(c.get("error", False)))
                 for i, c in enumerate(a.checks)])
        return int(aid)

    def calibration(self, lab: str, started: float, seconds: float, status: str, score: float,
                    max_score: float, unstable: list[str]) -> int:
        """A run of the lab's reference solution on this machine, before a batch."""
        with self.db:
            cur = self.db.execute(
                "INSERT INTO calibrations (lab, started, seconds, status, score, max_score, "
                "unstable, machine) VALUES (?,?,?,?,?,?,?,?)",
                (lab, started, round(seconds, 3), status, score, max_score,
                 json.dumps(unstable), this_machine()))
        return int(cur.lastrowid)

    def to_regrade(self, lab: str) -> set[str]:
        """Students whose latest attempt has checks marked "error — regrade"."""
        return {a.student for a in self.latest(lab) if a.status == "regrade"}

    def latest(self, lab: str | None = None) -> list[Attempt]:
        """Each student's latest attempt (per lab), by student id."""
        where, args = ("WHERE lab=?", (lab,)) if lab else ("", ())
        rows = self.db.execute(
            f"SELECT * FROM attempts WHERE id IN (SELECT MAX(id) FROM attempts {where} "
            "GROUP BY lab, student) ORDER BY lab, student", args).fetchall()
        return [self._attempt(r) for r in rows]

    def _attempt(self, r: tuple) -> Attempt:
        checks = [dict(zip(("position", "name", "title", "points", "score", "message", "hint",
                            "visible", "seconds", "samples", "error"), c[1:], strict=True))
                  for c in self.db.execute("SELECT * FROM checks WHERE attempt=? "
                                           "ORDER BY position", (r[0],))]
        for c in checks:
            c["visible"], c["error"] = bool(c["visible"]), bool(c["error"])
            c["samples"] = json.loads(c["samples"] or "[]")
        return Attempt(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8] or 0.0,
                       r[9] or 0.0, r[10] or "", json.loads(r[11] or "{}"),
                       json.loads(r[12] or "{}"), r[13], r[14], checks, r[15] or "",
                       json.loads(r[16] or "{}"), r[17] or "")

    def attempts(self) -> list[Attempt]:
        """Every attempt, oldest first (to verify them all)."""
        return [self._attempt(r) for r in
                self.db.execute("SELECT * FROM attempts ORDER BY id").fetchall()]

    def merge_from(self, other: Path) -> int:
        """Copy every attempt of another gradebook (a shard's) into this one."""
        src = Gradebook(other)
        n = 0
        try:
            for (aid,) in src.db.execute("SELECT id FROM attempts ORDER BY id").fetchall():
                a = src._attempt(src.db.execute("SELECT * FROM attempts WHERE id=?",
                                                (aid,)).fetchone())
                state = seal.verify(a.sealed_fields(), a.checks, a.seal)
                if state == "changed":  # never launder an edited record into a sealed one
                    raise NetdojoError(f"{other}: attempt {a.id} ({a.student}) was changed after "
                                       "grading; `netdojo grade verify` shows it")
                self.record(a)  # verified above, so sealed anew here as it stands
                n += 1
        finally:
            src.close()
        return n


def now() -> float:
    return time.time()
