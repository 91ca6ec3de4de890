"""Stage 3 of a VM for another CPU (`vm build --arch arm64`): the guest builds its own lab image.

The host's lab image is made for the host's CPU, and building an arm64 one on the host would
need its Docker engine to run arm64 programs — the host-wide binfmt_misc registration netdojo
does not make.  So the guest builds it, from the same docker/Dockerfile, as any arm64 machine
would: the image is booted once (TCG here, several times slower than a native CPU), gets
what it cannot fetch itself — Debian's minimal base as a tarball (mmdebstrap on the host, in
vm/foreign.py's namespace) and the web stack's wheels (the host's pip reaches PyPI; the guest
has no proxy settings) — runs `netdojo images build` and unpacks the image for the sandbox,
and is shut down.  What it wrote is committed into disk.img, so every later boot has the image.
"""

from __future__ import annotations

import shlex
import subprocess
import threading
import time
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.net import images
from netdojo.vm import foreign, qemu
from netdojo.vm.payload import PIP_MACHINE
from netdojo.vm.remote import Target, put_tree
from netdojo.vm.state import VmDir

BASE_TAR = "/var/lib/netdojo/base.tar"
BUILD_LOG = "/var/log/netdojo-images-build.log"
DEADLINE_S = 5400.0  # the lab image's apt installs under TCG (measured in benchmarks/results/vm.md)
GUEST_SCRIPT = f"""set -e
exec >{BUILD_LOG} 2>&1
docker image inspect {images.BASE} >/dev/null 2>&1 || docker import {BASE_TAR} {images.BASE}
rm -f {BASE_TAR}
netdojo images build
/opt/netdojo/.venv/bin/python -c 'from netdojo.net import images, rootfs; \
print("sandbox copy:", rootfs.path_for(images.NODE_IMAGE))'
sync
"""


def needed(vm: VmDir) -> bool:
    info = vm.info()
    return foreign.is_foreign(vm.arch) and info.get("guest_images") != info.get("inputs")


def _base_tar(vm: VmDir, log) -> Path:
    tar = vm.dir / f"debian-bookworm-minbase-{vm.arch}.tar"
    if tar.is_file():
        return tar
    log(f"stage 3/3: Debian's minimal base for {vm.arch} (mmdebstrap under the emulator)")
    part = tar.with_suffix(".part.tar")
    r = subprocess.run(foreign.wrap(["mmdebstrap", "--variant=minbase", f"--arch={vm.arch}",
                                     "bookworm", str(part)], vm.arch),
                       capture_output=True, text=True)
    if r.returncode != 0:
        part.unlink(missing_ok=True)
        raise NetdojoError(f"vm build: mmdebstrap of the {vm.arch} base failed: "
                           f"{(r.stdout + r.stderr).strip()[-1500:]}")
    part.rename(tar)
    return tar


def _wheels(vm: VmDir, log) -> Path:
    dest = vm.dir / "node-wheels"
    if not any(dest.glob("hypercorn-*.whl")):
        dest.mkdir(parents=True, exist_ok=True)
        images.fetch_wheels(log, machine=PIP_MACHINE[vm.arch], dest=dest)
    return dest


def build_in_guest(vm: VmDir, log=print, memory_mb: int = 3072, cpus: int = 2) -> float:
    """Boot the image, build the lab image in it, shut it down, keep what it wrote; seconds."""
    base, wheels = _base_tar(vm, log), _wheels(vm, log)
    t0 = time.monotonic()
    log(f"stage 3/3: booting the {vm.arch} image to build its lab image in it (under TCG this "
        "takes a long while: its apt installs run on an emulated CPU)")
    qemu.up(vm, memory_mb=memory_mb, cpus=cpus, fresh=True, log=log)
    try:
        target = Target.vm(vm)
        client = target.connect()
        try:
            sftp = client.open_sftp()
            client.exec_command(f"mkdir -p {shlex.quote(str(Path(BASE_TAR).parent))} && "
                                "rm -rf /opt/netdojo/docker/.wheels")[1].channel.recv_exit_status()
            put_tree(sftp, base, BASE_TAR)
            put_tree(sftp, wheels, "/opt/netdojo/docker/.wheels")
            sftp.close()
        finally:
            client.close()
        done = threading.Event()

        def progress() -> None:
            while not done.wait(60):
                _, tail, _ = target.exec(f"tail -n 1 {BUILD_LOG}", timeout=30)
                log(f"  {time.monotonic() - t0:.0f} s: {tail.strip()[:100]}")

        threading.Thread(target=progress, daemon=True).start()
        try:
            code, _, _ = target.exec(f"sh -c {shlex.quote(GUEST_SCRIPT)}",
                                     timeout=DEADLINE_S)
        finally:
            done.set()
        if code != 0:
            _, tail, _ = target.exec(f"tail -n 25 {BUILD_LOG}", timeout=30)
            raise NetdojoError(f"vm build: the lab image's build in the {vm.arch} guest failed "
                               f"(exit {code}):\n{tail.strip()[-2000:]}")
    finally:
        qemu.down(vm)
    r = subprocess.run(["qemu-img", "commit", "-q", str(vm.overlay)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise NetdojoError(f"vm build: qemu-img commit: {r.stderr.strip()}")
    vm.fresh_overlay()
    info = vm.info()
    info["guest_images"] = info.get("inputs")
    info.setdefault("seconds", {})["guest_images_s"] = round(time.monotonic() - t0, 1)
    info["size_bytes"] = vm.disk.stat().st_blocks * 512
    vm.save_info(info)
    return time.monotonic() - t0
