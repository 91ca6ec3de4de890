"""What the lab tests share: checking a folder, scores by check, two students whose values
differ, the lab containers that exist (for the `nothing_left` fixture in conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from netdojo.labs.catalog import find_lab
from netdojo.labs.runner import LabReport, check_lab
from netdojo.labs.values import draw


def labelled_containers() -> set[str]:
    r = subprocess.run(["docker", "ps", "-aq", "--filter", "label=netdojo.run"],
                       capture_output=True, text=True)
    return set(r.stdout.split()) if r.returncode == 0 else set()


def check(lab_id: str, student: str, folder: Path) -> LabReport:
    return check_lab(find_lab(lab_id), student, folder, log=lambda m: None)


def scores(rep: LabReport) -> dict[str, float]:
    return {r.name: r.score for r in rep.results}


def solution_copy(tmp_path: Path, lab_id: str) -> Path:
    dst = tmp_path / lab_id
    shutil.copytree(find_lab(lab_id).dir / "solution", dst)
    return dst


def two_students(lab_id: str, key: str) -> tuple[str, str]:
    """Two student ids whose values differ in `key` (so the solution must adapt)."""
    lab = find_lab(lab_id)
    first = "alice"
    other = next(f"s{i:03d}" for i in range(100)
                 if draw(lab, f"s{i:03d}")[key] != draw(lab, first)[key])
    return first, other


def assert_full(rep: LabReport) -> None:
    assert rep.full_marks, "\n".join(f"{r.name}: {r.score}/{r.points} {r.message}"
                                     for r in rep.results if not r.full)


def check_edited(tmp_path: Path, lab_id: str, file: str, old: str, new: str,
                 student: str = "alice") -> LabReport:
    """The lab's solution with one mistake made in one of its files, checked."""
    sub = solution_copy(tmp_path, lab_id)
    text = (sub / file).read_text()
    assert text.count(old) == 1, f"{file}: {old!r} occurs {text.count(old)} times"
    (sub / file).write_text(text.replace(old, new))
    return check(lab_id, student, sub)
