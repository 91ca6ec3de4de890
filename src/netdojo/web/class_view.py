"""The instructor's read-only view of a graded class (`netdojo web --gradebook OUT`): the score
histogram, each check's pass rate, every student's feedback, the regrade list — read from the
gradebook, never written.  `class_view` is plain data; the app around it has no POST route."""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from netdojo.errors import NetdojoError
from netdojo.grade.gradebook import Attempt, Gradebook

GRADEBOOK = "gradebook.sqlite"
BINS = 10


def find_gradebook(out: Path) -> Path:
    path = out / GRADEBOOK if out.is_dir() else out
    if not path.is_file():
        raise NetdojoError(f"{out}: no {GRADEBOOK} here (give the folder `netdojo grade` wrote "
                           "with -o)")
    return path


def histogram(scores: list[float], top: float, bins: int = BINS) -> list[dict[str, float]]:
    """Counts of scores in `bins` equal ranges of [0, top]; a full score in the last."""
    if top <= 0:
        return []
    width = top / bins
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, max(0, int(s / width)))] += 1
    return [{"from": round(i * width, 3), "to": round((i + 1) * width, 3), "count": c}
            for i, c in enumerate(counts)]


def lab_view(attempts: list[Attempt]) -> dict[str, Any]:
    graded = [a for a in attempts if a.status in ("graded", "regrade")]
    top = max((a.max_score for a in graded), default=0.0)
    checks: dict[str, dict[str, Any]] = {}
    for a in graded:
        for c in a.checks:
            row = checks.setdefault(c["name"], {"name": c["name"], "title": c["title"],
                                                "points": c["points"], "hidden": not c["visible"],
                                                "full": 0, "students": 0})
            row["students"] += 1
            row["full"] += c["score"] >= c["points"] - 1e-9
    for row in checks.values():
        row["pass_rate"] = round(row["full"] / row["students"], 3) if row["students"] else 0
    scores = [a.score for a in graded]
    return {
        "lab": attempts[0].lab if attempts else "", "students": len(attempts),
        "graded": len(graded), "max_score": top,
        "median": statistics.median(scores) if scores else None,
        "full_marks": sum(a.score >= a.max_score - 1e-9 for a in graded),
        "histogram": histogram(scores, top), "checks": list(checks.values()),
        "regrade": sorted(a.student for a in attempts if a.status == "regrade"),
        "not_graded": [{"student": a.student, "status": a.status, "message": a.message}
                       for a in attempts if a.status not in ("graded", "regrade")],
        "feedback": [{"student": a.student, "score": a.score, "max_score": a.max_score,
                      "status": a.status,
                      "checks": [{k: c[k] for k in ("name", "title", "score", "points",
                                                    "message", "visible")} for c in a.checks]}
                     for a in attempts],
    }


def class_view(path: Path) -> dict[str, Any]:
    try:
        book = Gradebook.read_only(path)
    except sqlite3.Error as e:
        raise NetdojoError(f"{path}: not a gradebook ({e})") from None
    try:
        latest = book.latest()
    except sqlite3.Error as e:
        raise NetdojoError(f"{path}: not a gradebook ({e})") from None
    finally:
        with contextlib.suppress(sqlite3.Error):
            book.close()
    labs = sorted({a.lab for a in latest})
    return {"gradebook": str(path),
            "labs": [lab_view([a for a in latest if a.lab == lab]) for lab in labs]}


def build_class_app(path: Path, static: Path) -> Starlette:
    async def page(_: Request) -> Response:
        return FileResponse(static / "class.html", headers={"cache-control": "no-store"})

    async def data(_: Request) -> Response:
        return JSONResponse(class_view(path))

    return Starlette(routes=[Route("/", page), Route("/api/class", data),
                             Mount("/static", StaticFiles(directory=static), name="static")])
