"""Lab images: the base made from Debian's archive when no registry answers, then the one
multi-role image built from docker/ with Docker's layer cache."""

from __future__ import annotations

import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.net import engine
from netdojo.paths import data_dir

BASE = "debian:bookworm-slim"
NODE_IMAGE = "netdojo/node:latest"
DOCKER_DIR = data_dir("docker")


def _images():
    return engine.client().images


def exists(image: str) -> bool:
    try:
        _images().get(image)
    except engine.errors().ImageNotFound:
        return False
    return True


def ensure_base(log=print) -> float:
    """Make `debian:bookworm-slim` available; returns seconds spent (0 when present)."""
    if exists(BASE):
        return 0.0
    t = time.monotonic()
    try:
        _images().pull(BASE)
        return time.monotonic() - t
    except engine.errors().APIError:
        pass
    log(f"no registry answered for {BASE}: building it from Debian's archive (mmdebstrap)")
    if not shutil.which("mmdebstrap"):
        raise NetdojoError("mmdebstrap is missing: run scripts/install-docker.sh")
    with tempfile.TemporaryDirectory() as tmp:
        tar = Path(tmp) / "rootfs.tar"
        r = subprocess.run(["mmdebstrap", "--variant=minbase", "bookworm", str(tar)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise NetdojoError(f"mmdebstrap failed: {r.stderr.strip()[-800:]}")
        try:
            # the name with its tag in one (the API allows it): Podman ignores a separate tag
            # and named the base debian:latest, which the Dockerfile's FROM then missed
            engine.client().api.import_image_from_file(str(tar), repository=BASE)
        except engine.errors().APIError as e:
            raise NetdojoError(f"docker import {BASE}: {e.explanation}") from None
    return time.monotonic() - t


WHEELS = ["hypercorn[h3]>=0.16", "aioquic>=1.0", "httpx[http2]>=0.27"]
IMAGE_PYTHON, IMAGE_GLIBC_MINOR = "3.11", 36  # Debian 12's, the base image's release


def for_the_image(machine: str | None = None) -> list[str]:
    """`pip download` options for the image's Python and C library, named, not the host's: a
    Debian 13 host (Python 3.13, glibc 2.41) would otherwise fetch wheels the image cannot
    install (measured: cffi for 3.13).  `machine`: another CPU's (aarch64 for an arm64 VM)."""
    arch = machine or platform.machine()
    tags = [f"manylinux_2_{m}_{arch}" for m in range(IMAGE_GLIBC_MINOR, 16, -1)]
    tags += [f"manylinux2014_{arch}", f"linux_{arch}"]
    return ["--only-binary=:all:", "--python-version", IMAGE_PYTHON, "--implementation", "cp",
            *[x for t in tags for x in ("--platform", t)]]


def fetch_wheels(log=print, machine: str | None = None, dest: Path | None = None) -> None:
    """Download the web stack's wheels on the host, for Debian 12's Python 3.11 in the image.

    The host's pip is configured for this machine's network (proxies, CA); the image's is not
    (nor is an arm64 lab VM's, which gets them from its host: vm/guest_images.py)."""
    dest = dest or DOCKER_DIR / ".wheels"
    if dest.is_dir() and any(dest.glob("hypercorn-*.whl")):
        return
    dest.mkdir(exist_ok=True)
    log("fetching wheels for the image's web stack")
    r = subprocess.run(["/usr/bin/python3", "-m", "pip", "download", "-q", "-d", str(dest),
                        *for_the_image(machine), *WHEELS], capture_output=True, text=True)
    if r.returncode != 0:
        raise NetdojoError(f"pip download for the image failed: {r.stderr.strip()[-800:]}")


def build(log=print, no_cache: bool = False) -> dict[str, float]:
    """Build what is missing; Docker's cache makes a rebuild of an unchanged image quick."""
    times = {"base_s": ensure_base(log)}
    t = time.monotonic()
    fetch_wheels(log)
    log(f"building {NODE_IMAGE} from {DOCKER_DIR}")
    lines: list[str] = []
    try:
        for chunk in engine.client().api.build(path=str(DOCKER_DIR), tag=NODE_IMAGE, rm=True,
                                               forcerm=True, nocache=no_cache, decode=True):
            if "error" in chunk:
                raise NetdojoError(f"docker build {NODE_IMAGE} failed:\n"
                                   + "".join(lines[-15:]) + chunk["error"].strip())
            text = chunk.get("stream", "")
            lines.append(text)
            # one line per Dockerfile step: progress, not noise (Podman writes "STEP 1/12:")
            if text[:5].lower() == "step ":
                log("  " + text.strip()[:100])
    except engine.errors().APIError as e:
        raise NetdojoError(f"docker build {NODE_IMAGE}: {e.explanation}") from None
    times["node_s"] = time.monotonic() - t
    return times


def listing() -> list[dict[str, str]]:
    rows = []
    for img in _images().list():
        created = img.attrs.get("Created", "")[:19].replace("T", " ")
        for name in img.tags:
            # Podman names a local image by its registry, localhost/, where Docker has none
            name = name.removeprefix("localhost/")
            if name.startswith(("netdojo/", "debian:")):
                rows.append({"image": name, "size": f"{img.attrs.get('Size', 0) / 1e6:.0f}MB",
                             "created": created})
    return rows
