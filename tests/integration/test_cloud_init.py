"""The cloud-init user data for Multipass and clouds is valid by cloud-init's own schema, and
the same check refuses a broken copy (so it could fail)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = Path("/var/cache/netdojo/cloud-init/root")


def _schema(path: Path) -> subprocess.CompletedProcess:
    if not (TOOL / "usr/bin/cloud-init").is_file():
        pytest.skip("cloud-init is not unpacked: scripts/install-vm.sh does it")
    env = {**os.environ, "PYTHONPATH": str(TOOL / "usr/lib/python3/dist-packages")}
    return subprocess.run(["/usr/bin/python3", str(TOOL / "usr/bin/cloud-init"), "schema",
                           "--config-file", str(path)], capture_output=True, text=True, env=env)


def test_the_user_data_is_valid_cloud_config():
    r = _schema(ROOT / "docs/vm/cloud-init.yaml")
    assert r.returncode == 0 and "Valid cloud-config" in r.stdout, r.stdout + r.stderr
    text = (ROOT / "docs/vm/cloud-init.yaml").read_text()
    assert "scripts/install.sh" in text and "scripts/install-docker.sh" in text


def test_a_broken_copy_is_refused(tmp_path):
    bad = tmp_path / "user-data"
    bad.write_text((ROOT / "docs/vm/cloud-init.yaml").read_text()
                   .replace("packages:\n  - git\n  - ca-certificates", "packages: git"))
    r = _schema(bad)
    assert r.returncode != 0 and "packages" in r.stdout + r.stderr, r.stdout + r.stderr
