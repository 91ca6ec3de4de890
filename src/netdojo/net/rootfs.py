"""The lab image's files as a folder on the host: what a sandboxed student script sees as `/`
on a namespace node, read-only (the same tools as on container nodes, none of the host's files).

Exported once per image id (`docker export` through the SDK, about 3 s for the 430 MB node
image), unpacked into a temporary folder and renamed into place, so parallel graders share one
copy and never see half of it.  Older copies are removed when a new image replaces them.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from netdojo.errors import BuildError
from netdojo.net import engine

DEFAULT_CACHE = "/var/cache/netdojo/rootfs"  # the lab VM's image fills it at build time too
CACHE = Path(os.environ.get("NETDOJO_ROOTFS_CACHE", DEFAULT_CACHE))
ID_LEN = 16  # hex digits of the image id naming a copy


def image_id(image: str) -> str:
    try:
        return engine.client().images.get(image).id.split(":")[-1][:ID_LEN]
    except engine.errors().ImageNotFound:
        raise BuildError(f"image {image} is missing: run `netdojo images build`") from None


def path_for(image: str) -> Path:
    """The unpacked rootfs of `image`, exported now if this image id has none yet."""
    ident = image_id(image)
    target = CACHE / ident
    if (target / "bin").exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another grader may be exporting the same image
        if (target / "bin").exists():
            return target
        tmp = CACHE / f".{ident}.{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        _export(image, tmp)
        for old in CACHE.iterdir():  # one copy per image name is enough
            if old.name not in (ident, tmp.name, ".lock") and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
        tmp.rename(target)
    return target


def _export(image: str, into: Path) -> None:
    c = engine.client().containers.create(image, command=["true"])
    try:
        # numeric owners: the image's users are not the host's (bind is not the host's bind)
        tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(into), "-xf", "-"],
                               stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        assert tar.stdin is not None
        try:
            for chunk in c.export(chunk_size=1 << 20):
                tar.stdin.write(chunk)
        finally:
            tar.stdin.close()
            err = tar.stderr.read() if tar.stderr else b""
            tar.wait()
        if tar.returncode != 0:
            raise BuildError(f"unpacking {image} for the sandbox failed: "
                             f"{err.decode(errors='replace').strip()[-300:]}")
    finally:
        c.remove(force=True)


def container_root(name: str) -> tuple[Path, dict[str, Path]] | None:
    """A running container's merged filesystem as the host sees it, with the files Docker
    mounts over it (/etc/hosts, /etc/resolv.conf): a container node's own view, lab files
    included.  None when the storage driver does not show one (then the image's rootfs)."""
    c = engine.get(name)
    if c is None:
        return None
    attrs = c.attrs
    merged = (attrs.get("GraphDriver", {}).get("Data") or {}).get("MergedDir")
    if not merged or not Path(merged, "bin").exists():
        return None
    extra = {"/etc/hosts": attrs.get("HostsPath"), "/etc/resolv.conf": attrs.get("ResolvConfPath")}
    for m in attrs.get("Mounts") or []:  # netdojo's own, bound in (containers.start)
        if m.get("Destination") in extra and not extra[m["Destination"]]:
            extra[m["Destination"]] = m.get("Source")
    return Path(merged), {k: Path(v) for k, v in extra.items() if v and Path(v).is_file()}


# Public files of the host's /etc that programs from /usr need (the loader's cache, the
# alternatives' links for awk, nc, iptables…, name-service and protocol tables); nothing secret.
HOST_ETC = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "nsswitch.conf",
            "protocols", "services", "ethertypes"]
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"


def host_system(into: Path) -> tuple[Path, dict[str, Path], list[str]]:
    """Where the lab image is not built (a lab VM built without images, a host without Docker):
    a root of the host's /usr read-only, /usr/local hidden (a pip-installed netdojo, its labs'
    checks), and an /etc of public files only.  Returns (root, files bound into it, extra bwrap
    arguments)."""
    root = into / "root"
    for d in ("usr", "etc", "proc", "dev", "sys", "tmp", "run"):
        (root / d).mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    for link in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        host = Path("/", link)
        if host.is_symlink() and not (root / link).is_symlink():
            (root / link).symlink_to(os.readlink(host))
    (into / "passwd").write_text(PASSWD)
    (into / "group").write_text(GROUP)
    files = {"/etc/passwd": into / "passwd", "/etc/group": into / "group"}
    files.update({f"/etc/{n}": Path("/etc", n) for n in HOST_ETC if Path("/etc", n).exists()})
    for inside in [*files, "/etc/hosts", "/etc/resolv.conf"]:  # mount points, made read-only
        spot = root / inside.lstrip("/")
        if inside in files and files[inside].is_dir():
            spot.mkdir(exist_ok=True)
        elif not spot.exists():
            spot.touch()
    return root, files, ["--ro-bind", "/usr", "/usr", "--tmpfs", "/usr/local"]
