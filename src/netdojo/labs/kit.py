"""`netdojo lab kit LAB --student ID`: what one student is handed, and nothing more.

The lab's worksheets, starter files, topology (the template, never the student's secret values
filled in) and its drawing with link settings hidden where the lab keeps values secret, the
visible checks only (hidden ones cut out of checks.py by their decorator), and the student's
own shown values.  No solution, no mutants, no hidden check: an instructor hands this out, or
publishes a class's kits, without giving the grader away.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from netdojo.errors import NetdojoError
from netdojo.labs.model import Lab
from netdojo.labs.values import shown, values_for
from netdojo.labs.visible import visible_checks

PUBLIC = ("lab.yaml", "topology.yaml", "README.md", "README.ko.md")


def build(lab: Lab, student: str, out: Path) -> list[str]:
    """Write the kit into `out` (new or empty).  Returns the files written, relative."""
    if out.exists() and any(out.iterdir()):
        raise NetdojoError(f"{out} is not empty: give a new folder for the kit")
    out.mkdir(parents=True, exist_ok=True)
    for name in PUBLIC:
        if (lab.dir / name).is_file():
            shutil.copy(lab.dir / name, out / name)
    if (lab.dir / "starter").is_dir():
        shutil.copytree(lab.dir / "starter", out / "starter")
    text, _ = visible_checks((lab.dir / "checks.py").read_text())
    (out / "checks.py").write_text(text)
    values = values_for(lab, student)
    mine = shown(lab, values)
    (out / "my-values.yaml").write_text(
        f"# {lab.id}: the values of student {student} (secret ones you measure in the lab)\n"
        + yaml.safe_dump({"student": student, **mine}, sort_keys=False, allow_unicode=True))
    if (lab.dir / "topology.svg").is_file():  # drawn from the template: no student's values
        shutil.copy(lab.dir / "topology.svg", out / "topology.svg")
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
