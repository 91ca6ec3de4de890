"""What the lab VM's disk carries besides Debian: the Python wheels netdojo installs offline
(fetched with the host's pip into a folder named by the requirements, so a changed dependency
fetches again instead of failing offline in the image), and the lab image saved from the host's
Docker engine."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.net import engine
from netdojo.paths import project_root
from netdojo.vm.state import VmDir

WHEEL_EXTRAS = ["setuptools>=61", "wheel"]  # install.sh's editable install builds offline


def _run(argv: list[str], what: str) -> None:
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise NetdojoError(f"vm build: {what} failed (exit {r.returncode}): "
                           f"{(r.stderr or r.stdout).strip()[-1500:]}")


PIP_MACHINE = {"amd64": "x86_64", "arm64": "aarch64"}


def wheels_for(vm: VmDir, log, arch: str = "amd64") -> Path:
    """The folder of wheels for today's requirements (fetched once per set of them)."""
    reqs = [*WHEEL_EXTRAS, *_requirements()]
    key = hashlib.sha256("\n".join([*reqs, *([arch] if arch != "amd64" else [])]).encode()
                         ).hexdigest()[:12]
    wheels = vm.dir / f"wheels-{key}"
    if not any(wheels.glob("*.whl")):
        for old in [*vm.dir.glob("wheels-*"), vm.dir / "wheels"]:
            if old.is_dir() and old != wheels:
                shutil.rmtree(old)
        _fetch_wheels(wheels, reqs, log, PIP_MACHINE[arch])
    return wheels


def _fetch_wheels(dest: Path, reqs: list[str], log, machine: str = "x86_64") -> None:
    """The project's Python dependencies (and the dev extras the tests need), downloaded with
    the host's pip, whose configuration reaches PyPI here; installed offline in the image."""
    dest.mkdir(parents=True, exist_ok=True)
    log("stage 2/2: fetching the Python wheels the image installs offline")
    _run([sys.executable, "-m", "pip", "download", "-q", "-d", str(dest), "--only-binary=:all:",
          "--python-version", "3.11", "--platform", f"manylinux2014_{machine}",
          "--platform", f"manylinux_2_28_{machine}", "--platform", f"manylinux_2_17_{machine}",
          "--platform", f"linux_{machine}", "--platform", "any", *reqs], "pip download")


def _requirements() -> list[str]:
    conf = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]
    return list(conf["dependencies"]) + list(conf["optional-dependencies"]["dev"])


def saved_images(vm: VmDir, name: str, log) -> tuple[Path | None, str]:
    """The lab image saved from the host's engine, or None when it has none (then the VM's
    `netdojo images build` makes it)."""

    if not engine.available():
        log("no Docker engine on the host: the VM will build its lab image itself")
        return None, "none"
    try:
        img = engine.client().images.get(name)
    except engine.errors().ImageNotFound:
        log(f"{name} is not built on the host: the VM will build it itself")
        return None, "none"
    tar = vm.dir / f"images-{img.id.split(':')[1][:16]}.tar"
    if not tar.is_file():
        for old in vm.dir.glob("images-*.tar"):
            old.unlink()
        log(f"saving {name} for the image ({img.attrs['Size'] / 1e6:.0f} MB)")
        part = tar.with_suffix(".part")
        with part.open("wb") as f:
            for chunk in img.save(named=True):
                f.write(chunk)
        part.rename(tar)
    return tar, img.id

def apt_packages() -> list[str]:
    """The apt packages scripts/install.sh installs, less the browser the VM does not need."""
    text = (project_root() / "scripts" / "install.sh").read_text()
    block = re.search(r"APT_PACKAGES=\((.*?)\n\)", text, re.S)
    if not block:
        raise NetdojoError("scripts/install.sh: no APT_PACKAGES=( … ) list found")
    words = " ".join(line.split("#")[0] for line in block.group(1).splitlines()).split()
    return [w for w in words if w != "chromium"]


def source_files() -> list[Path]:
    """The checkout's files as git sees them (tracked, and new ones not ignored), or every
    file but the local and generated ones."""
    root = project_root()
    r = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                        "--exclude-standard"], capture_output=True)
    if r.returncode == 0 and r.stdout:
        return sorted(root / p for p in r.stdout.decode().split("\0")
                      if p and (root / p).is_file())
    skip = {".git", ".venv", ".vm", "build", "__pycache__", ".pytest_cache", ".ruff_cache",
            "reports", ".wheels"}
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and not skip & set(p.relative_to(root).parts))
