"""Where netdojo's data folders are: next to the source in a checkout, or named by an
environment variable (NETDOJO_TOPOLOGIES, NETDOJO_SCENARIOS, NETDOJO_LABS, NETDOJO_DOCKER)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def data_dir(name: str) -> Path:
    override = os.environ.get(f"NETDOJO_{name.upper()}")
    return Path(override) if override else project_root() / name
