"""The wheel's package list in pyproject.toml is written out by hand (the data folders are
mapped into netdojo/_data); a package added under src/ must not be left out of it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_source_package_and_data_folder_ships_in_the_wheel():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(conf["packages"])
    found = {".".join(p.parent.relative_to(ROOT / "src").parts)
             for p in (ROOT / "src").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml's packages: {sorted(found - listed)}"
    data = {k.rsplit(".", 1)[1]: v for k, v in conf["package-dir"].items() if k}
    assert all((ROOT / v).is_dir() for v in data.values())
    assert {"labs", "topologies", "scenarios", "docker", "scripts"} <= set(data)
