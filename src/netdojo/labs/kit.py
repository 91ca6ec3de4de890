"""`netdojo lab kit LAB --student ID`: what one student is handed, and nothing more.

The lab's worksheets, starter files, topology (the template, never the student's secret values
filled in) and its drawing with link settings hidden where the lab keeps values secret, the
visible checks only (hidden ones cut out of checks.py by their decorator), and the student's
own shown values.  No solution, no mutants, no hidden check: an instructor hands this out, or
publishes a class's kits, without giving the grader away.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import yaml

from netdojo.errors import NetdojoError
from netdojo.labs.model import Lab
from netdojo.labs.params import shown, values_for

PUBLIC = ("lab.yaml", "topology.yaml", "README.md", "README.ko.md")


def _is_hidden(node: ast.AST) -> bool:
    for dec in getattr(node, "decorator_list", []):
        if isinstance(dec, ast.Call) and any(
                k.arg == "hidden" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in dec.keywords):
            return True
    return False


def visible_checks(source: str) -> tuple[str, list[str]]:
    """checks.py with every hidden check cut out (decorator to last line); the names cut."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    cut: list[tuple[int, int]] = []
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and _is_hidden(node):
            start = min(d.lineno for d in node.decorator_list) - 1
            cut.append((start, node.end_lineno or node.lineno))
            names.append(node.name)
    for start, end in reversed(cut):
        del lines[start:end]
    header = ("# The visible checks of this lab (hidden ones count in the grade but are not "
              "shown).\n")
    return header + "".join(lines), names


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
