"""The lab images loaded into the VM image's Docker store at build time (issue 18.6), so the
first boot has nothing to load: `docker load` under TCG took 150–190 s of every first `vm up`.

The image's own dockerd (the very version the VM runs) is started over the image's
/var/lib/docker from the host, in namespaces of its own — mount, network, PID — and chrooted
into the image root: it can neither touch the host's firewall, sysctls or interfaces (it sees
only a loopback; NAT, bridge and forwarding are off besides), nor outlive the build (the PID
namespace ends with its first process).  It loads the saved images and is stopped."""

from __future__ import annotations

import subprocess
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.net.rootfs import DEFAULT_CACHE, ID_LEN

INSIDE_TAR = "/tmp/netdojo-images.tar"
SOCK = "/run/netdojo-preload.sock"
DOCKERD = ("dockerd --data-root /var/lib/docker --exec-root /run/netdojo-preload "
           f"-H unix://{SOCK} --pidfile /run/netdojo-preload.pid --iptables=false "
           "--ip6tables=false --ip-forward=false --ip-masq=false --bridge=none "
           "--userland-proxy=false --storage-driver overlay2")
# Inside the chroot: start dockerd, wait for it (60 s), load, stop it and wait until it is gone
# (its store must be whole before mke2fs copies it).
SCRIPT = f"""set -e
{DOCKERD} >/tmp/netdojo-preload.log 2>&1 &
pid=$!
n=0
until docker -H unix://{SOCK} version >/dev/null 2>&1; do
  n=$((n + 1))
  if [ "$n" -gt 120 ] || ! kill -0 "$pid" 2>/dev/null; then
    tail -n 20 /tmp/netdojo-preload.log >&2; exit 1
  fi
  sleep 0.5
done
docker -H unix://{SOCK} load -i {INSIDE_TAR}
# the sandbox's copy of the image's files, named as net/rootfs.py names it: exporting it at a first lab check
# under TCG ran past the scripts' time limit (arp-routing 0/10 on a fresh boot, measured)
for image in "$@"; do
  id=$(docker -H unix://{SOCK} image inspect --format '{{{{.Id}}}}' "$image" | cut -d: -f2 | cut -c1-{ID_LEN})
  part={DEFAULT_CACHE}/.$id.build
  mkdir -p "$part"
  cid=$(docker -H unix://{SOCK} create --network none "$image" true)
  docker -H unix://{SOCK} export "$cid" | tar --numeric-owner -C "$part" -xf -
  docker -H unix://{SOCK} rm "$cid" >/dev/null
  mv "$part" "{DEFAULT_CACHE}/$id"
done
kill "$pid"
wait "$pid" || true
rm -f /tmp/netdojo-preload.log {INSIDE_TAR}
"""


def preload(root: Path, images_tar: Path, names: list[str], log) -> None:
    """Load `images_tar` (a `docker save` of `names`) into the Docker store of the image
    rooted at `root`, and unpack each for the sandbox.  Needs the image's docker.io."""
    if not (root / "usr" / "sbin" / "dockerd").exists():
        raise NetdojoError("vm build: the image has no dockerd to load the lab images into")
    log("stage 2/2: loading the lab images into the image's Docker store (no load at first boot)")
    (root / INSIDE_TAR.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "--reflink=auto", str(images_tar), str(root / INSIDE_TAR.lstrip("/"))],
                   check=True)
    # the mounts dockerd needs, private to its namespace: the root a mount point of its own
    # (dockerd's tar extraction remounts / as a slave), /run a tmpfs so nothing of the
    # daemon's run state lands in the image
    inner = (f'mount --bind "{root}" "{root}" && mount --bind /dev "{root}/dev" && '
             f'mount -t proc proc "{root}/proc" && mount -t sysfs sys "{root}/sys" && '
             f'mount --rbind /sys/fs/cgroup "{root}/sys/fs/cgroup" && '
             f'mount -t tmpfs tmpfs "{root}/run" && exec chroot "{root}" /bin/sh -c "$0" preload "$@"')
    r = subprocess.run(["unshare", "--mount", "--propagation", "private", "--net", "--pid",
                        "--fork", "--kill-child", "sh", "-c", inner, SCRIPT, *names],
                       capture_output=True, text=True, timeout=1800)
    (root / INSIDE_TAR.lstrip("/")).unlink(missing_ok=True)
    if r.returncode != 0:
        raise NetdojoError("vm build: loading the lab images into the image failed:\n"
                           f"{(r.stdout + r.stderr).strip()[-2000:]}")
    if not any((root / "var" / "lib" / "docker" / "image").glob("*/repositories.json")):
        raise NetdojoError("vm build: the image's Docker store has no images after the load")
