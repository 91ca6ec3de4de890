"""Lab images: the base made from Debian's archive when no registry answers, then the one
multi-role image built from docker/ with Docker's layer cache."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.paths import data_dir

BASE = "debian:bookworm-slim"
NODE_IMAGE = "netdojo/node:latest"
DOCKER_DIR = data_dir("docker")


def _docker(*args: str, timeout: float | None = None, check: bool = True,
            capture: bool = True) -> subprocess.CompletedProcess:
    try:
        r = subprocess.run(["docker", *args], capture_output=capture, text=True,
                           timeout=timeout)
    except FileNotFoundError:
        raise NetdojoError("no docker client: run scripts/install-docker.sh") from None
    if check and r.returncode != 0:
        raise NetdojoError(f"docker {' '.join(args[:2])}: {(r.stderr or '').strip()[-800:]}")
    return r


def exists(image: str) -> bool:
    return _docker("image", "inspect", image, check=False).returncode == 0


def ensure_base(log=print) -> float:
    """Make `debian:bookworm-slim` available; returns seconds spent (0 when present)."""
    if exists(BASE):
        return 0.0
    t = time.monotonic()
    if _docker("pull", BASE, timeout=60, check=False).returncode == 0:
        return time.monotonic() - t
    log(f"no registry answered for {BASE}: building it from Debian's archive (mmdebstrap)")
    if not shutil.which("mmdebstrap"):
        raise NetdojoError("mmdebstrap is missing: run scripts/install-docker.sh")
    with tempfile.TemporaryDirectory() as tmp:
        tar = Path(tmp) / "rootfs.tar"
        r = subprocess.run(["mmdebstrap", "--variant=minbase", "bookworm", str(tar)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise NetdojoError(f"mmdebstrap failed: {r.stderr.strip()[-800:]}")
        _docker("import", str(tar), BASE)
    return time.monotonic() - t


WHEELS = ["hypercorn[h3]>=0.16", "aioquic>=1.0", "httpx[http2]>=0.27"]


def fetch_wheels(log=print) -> None:
    """Download the web stack's wheels on the host, for Debian 12's Python 3.11 in the image.

    The host's pip is configured for this machine's network (proxies, CA); the image's is not."""
    dest = DOCKER_DIR / ".wheels"
    if dest.is_dir() and any(dest.glob("hypercorn-*.whl")):
        return
    dest.mkdir(exist_ok=True)
    log("fetching wheels for the image's web stack")
    r = subprocess.run(["/usr/bin/python3", "-m", "pip", "download", "-q", "-d", str(dest),
                        "--only-binary=:all:", *WHEELS], capture_output=True, text=True)
    if r.returncode != 0:
        raise NetdojoError(f"pip download for the image failed: {r.stderr.strip()[-800:]}")


def build(log=print, no_cache: bool = False) -> dict[str, float]:
    """Build what is missing; Docker's cache makes a rebuild of an unchanged image quick."""
    times = {"base_s": ensure_base(log)}
    t = time.monotonic()
    fetch_wheels(log)
    args = ["build", "--force-rm", "-t", NODE_IMAGE, str(DOCKER_DIR)] + (["--no-cache"] if no_cache else [])
    r = subprocess.run(["docker", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise NetdojoError(f"docker build {NODE_IMAGE} failed:\n{r.stdout[-1500:]}{r.stderr[-800:]}")
    times["node_s"] = time.monotonic() - t
    return times


def listing() -> list[dict[str, str]]:
    out = _docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}\t{{.Size}}\t{{.CreatedSince}}")
    rows = []
    for line in out.stdout.splitlines():
        name, size, age = line.split("\t")
        if name.startswith(("netdojo/", "debian:")):
            rows.append({"image": name, "size": size, "created": age})
    return rows
