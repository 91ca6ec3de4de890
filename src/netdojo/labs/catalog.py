"""Which labs exist: every folder under labs/ with a lab.yaml."""

from __future__ import annotations

from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.labs.loader import load_lab
from netdojo.labs.model import Lab
from netdojo.paths import data_dir


def labs_dir() -> Path:
    return data_dir("labs")


def lab_ids() -> list[str]:
    root = labs_dir()
    if not root.is_dir():
        return []
    return sorted(d.name for d in root.iterdir() if (d / "lab.yaml").is_file())


def find_lab(ref: str) -> Lab:
    """A lab by id, or by the path of its folder."""
    path = Path(ref)
    if (path / "lab.yaml").is_file():
        return load_lab(path.resolve())
    if ref in lab_ids():
        return load_lab(labs_dir() / ref)
    known = ", ".join(lab_ids()) or "none"
    raise NetdojoError(f"unknown lab {ref!r} (known: {known}; `netdojo lab list` shows them)")


def all_labs() -> list[Lab]:
    return [load_lab(labs_dir() / i) for i in lab_ids()]
