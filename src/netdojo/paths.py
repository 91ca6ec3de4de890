"""Where netdojo's data folders (labs, topologies, scenarios, docker, scripts) are: named by an
environment variable (NETDOJO_LABS, NETDOJO_TOPOLOGIES, …), next to the source in a checkout,
or inside the installed package (netdojo/_data, see pyproject.toml)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def project_root() -> Path:
    return PACKAGE.parents[1]


def in_checkout() -> bool:
    """True when netdojo runs from its source tree (an editable install or PYTHONPATH)."""
    root = project_root()
    return (root / "pyproject.toml").is_file() and (root / "labs").is_dir()


def data_dir(name: str) -> Path:
    override = os.environ.get(f"NETDOJO_{name.upper()}")
    if override:
        return Path(override)
    return project_root() / name if in_checkout() else PACKAGE / "_data" / name
