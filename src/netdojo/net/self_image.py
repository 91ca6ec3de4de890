"""`netdojo images build --self`: netdojo itself as an image (netdojo/netdojo:latest) for hosts
where installing it is the hard part — Docker Desktop on macOS and Windows, a distribution with
an externally managed Python.  Built offline like the lab image: the host builds netdojo's
wheel (the published one: visible checks only, no solutions) and downloads its dependencies'
wheels; the image installs them with no network of its own.

How it runs (docs/container.md): with the capabilities to make namespaces and links, in the
host's PID and cgroup namespaces, with the engine's socket: it makes namespaces and links in
the kernel it runs on and starts container nodes through the same engine, exactly as netdojo
on the host does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.net import engine, images
from netdojo.paths import in_checkout, project_root

SELF_IMAGE = "netdojo/netdojo:latest"

# The flags `docker run` needs, and why: each one is checked by tests/integration/test_self_image.py
RUN_FLAGS = [
    "--rm",
    # namespaces, veth, tc, nftables and mounts in the kernel it runs on.  Named capabilities,
    # not --privileged: a host whose root lacks one (this one has no CAP_SYS_RESOURCE) refuses
    # --privileged outright ("unable to apply caps")
    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW",
    "--cap-add", "SYS_PTRACE",  # into container nodes' namespaces by their pids
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--security-opt", "systempaths=unconfined",  # per-namespace sysctls under /proc/sys
    "--pid", "host",  # container nodes' namespaces are reached by their host pids
    "--cgroupns", "host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup",  # script limits, probes
    "-v", "/var/run/docker.sock:/var/run/docker.sock",  # container nodes, on the host's engine
    "-v", "netdojo-cache:/var/cache/netdojo",  # the sandbox's exported image, kept between runs
]


def run_argv(engine_cli: str = "docker", workdir: str | None = None) -> list[str]:
    """`docker run …` up to the image name: the command a README gives (with `-v $PWD:/work`)."""
    argv = [engine_cli, "run", *RUN_FLAGS]
    if workdir:
        argv += ["-v", f"{workdir}:/work"]
    return argv + [SELF_IMAGE]


def _deps() -> list[str]:
    meta = tomllib.loads((project_root() / "pyproject.toml").read_text())
    return list(meta["project"]["dependencies"])


def _pip(args: list[str], what: str) -> None:
    r = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise NetdojoError(f"{what} failed: {r.stderr.strip()[-800:]}")


def build(log=print) -> float:
    """Build netdojo/netdojo on top of the lab image; seconds taken."""
    if not in_checkout():
        raise NetdojoError("netdojo images build --self builds from a checkout of netdojo "
                           "(its wheel is made from the source): run it there")
    images.build(log)  # the lab image it stands on
    t = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="netdojo-self-") as tmp:
        ctx = Path(tmp)
        wheels = ctx / "wheels"
        wheels.mkdir()
        log("building netdojo's wheel (visible checks only, no solutions)")
        _pip(["wheel", "-q", "--no-deps", "-w", str(wheels), str(project_root())], "pip wheel")
        log("fetching the wheels netdojo depends on, for the image's Python")
        _pip(["download", "-q", "-d", str(wheels), *images.for_the_image(), *_deps()],
             "pip download")
        shutil.copy(images.DOCKER_DIR / "Dockerfile.self", ctx / "Dockerfile")
        log(f"building {SELF_IMAGE}")
        try:
            for chunk in engine.client().api.build(path=str(ctx), tag=SELF_IMAGE, rm=True,
                                                   forcerm=True, decode=True):
                if "error" in chunk:
                    raise NetdojoError(f"docker build {SELF_IMAGE}: {chunk['error'].strip()}")
                text = chunk.get("stream", "")
                if text.startswith("Step "):
                    log("  " + text.strip()[:100])
        except engine.errors().APIError as e:
            raise NetdojoError(f"docker build {SELF_IMAGE}: {e.explanation}") from None
    return time.monotonic() - t
