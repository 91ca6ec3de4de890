"""The VM's folder: the image and its cached stages, the keys, and the running VM's record.

In a checkout it is `.vm/` (gitignored: the image is never committed); elsewhere it is
$XDG_CACHE_HOME/netdojo/vm.  NETDOJO_VM_DIR names another.  An arm64 VM (`--arch arm64`) is a
folder of its own inside it, `arm64/`: its image, kernel and running record are its own, and
both can be built and run side by side."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from netdojo.paths import in_checkout, project_root


def default_dir() -> Path:
    if os.environ.get("NETDOJO_VM_DIR"):
        return Path(os.environ["NETDOJO_VM_DIR"])
    if in_checkout():
        return project_root() / ".vm"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "netdojo" / "vm"


ARCHES = ("amd64", "arm64")  # Debian's names for the guest's architecture


@dataclass
class VmDir:
    dir: Path
    arch: str = "amd64"

    @classmethod
    def at(cls, path: str | Path | None = None, arch: str = "amd64") -> VmDir:
        base = Path(path) if path else default_dir()
        return cls(base if arch == "amd64" else base / arch, arch)

    @property
    def disk(self) -> Path:
        return self.dir / "disk.img"

    @property
    def overlay(self) -> Path:
        """What a running VM writes: a qcow2 over the built image, which stays as built."""
        return self.dir / "overlay.qcow2"

    @property
    def kernel(self) -> Path:
        return self.dir / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.dir / "initrd.img"

    @property
    def client_key(self) -> Path:
        return self.dir / "id_ed25519"

    @property
    def host_key(self) -> Path:
        return self.dir / "ssh_host_ed25519_key"

    @property
    def known_hosts(self) -> Path:
        return self.dir / "known_hosts"

    @property
    def running_file(self) -> Path:
        return self.dir / "running.json"

    @property
    def console(self) -> Path:
        return self.dir / "console.log"

    def info(self) -> dict:
        try:
            return json.loads((self.dir / "build.json").read_text())
        except (OSError, ValueError):
            return {}

    def save_info(self, info: dict) -> None:
        (self.dir / "build.json").write_text(json.dumps(info, indent=1) + "\n")

    def fresh_overlay(self) -> None:
        self.overlay.unlink(missing_ok=True)

    def running(self) -> dict | None:
        try:
            return json.loads(self.running_file.read_text())
        except (OSError, ValueError):
            return None
