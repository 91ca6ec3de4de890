"""Student code in a sandbox: bubblewrap inside the node's network namespace.

A script a student hands in is hostile until shown otherwise.  It runs with:
- `/` the lab image's files read-only (a container node: that container's own files,
  read-only), a private `/tmp`, `$LAB_OUT` its only writable folder that outlives it;
- the node's network namespace and nothing else of the host: no host files, no project, no
  checks or solutions, no gradebook, no docker socket, no other run;
- its own PID, IPC and UTS namespaces, no new privileges, user nobody with only CAP_NET_ADMIN
  and CAP_NET_RAW (ambient, bounding set likewise);
- a cgroup of at most 256 processes, 256 MiB (its tmpfs files count) and one core, and a
  per-process CPU-time limit; at its time limit every process of the group is killed;
- `netdojo exec/fail/restore` through a narrow channel (net/sandbox_channel.py) that accepts
  only this run's own nodes and links.

bubblewrap (Flatpak's sandbox, Debian's `bubblewrap`) starts in ~30 ms here; a throwaway
container per script would cost a second (benchmarks/results/sandbox.md).
"""

from __future__ import annotations

import os
import secrets
import selectors
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from netdojo.errors import BuildError
from netdojo.net import cgroups, containers, rootfs
from netdojo.net.images import NODE_IMAGE
from netdojo.net.sandbox_channel import Channel

if TYPE_CHECKING:
    from netdojo.net.network import Network

SCRATCH = Path(os.environ.get("NETDOJO_SANDBOX_DIR", "/dev/shm"))  # tmpfs: charged to the cgroup
# Where the `netdojo` shim lives: it must be executable, and a container's /dev/shm is mounted
# noexec (Docker's default; measured in the netdojo image and in a Debian 13 container: the
# script's `netdojo exec` ended "Permission denied", exit 126).  The first of these that allows
# execution.
SHIM_DIRS = (SCRATCH, Path("/var/tmp"))


def _shim_root() -> Path:
    for d in SHIM_DIRS:
        try:
            if not os.statvfs(d).f_flag & os.ST_NOEXEC:
                return d
        except OSError:
            continue
    raise BuildError(f"no directory of {', '.join(map(str, SHIM_DIRS))} allows executing a "
                     "file (all mounted noexec): set NETDOJO_SANDBOX_DIR to one that does")
SHIM = Path(__file__).with_name("sandbox_shim.py")
INSIDE = "/run/sandbox"
PATH = f"{INSIDE}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
STDOUT_CAP = 1 << 20
STDERR_CAP = 64 << 10
FILE_CAP = 1 << 20
CAPS = ["CAP_NET_ADMIN", "CAP_NET_RAW"]
DROPPER_CAPS = ["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"]  # for setpriv, then dropped by it
_ONLY = "-all," + ",".join("+" + c[4:].lower() for c in CAPS)
SETPRIV = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
           "--inh-caps", _ONLY, "--ambient-caps", _ONLY, "--bounding-set", _ONLY]


@dataclass
class Outcome:
    code: int
    stdout: bytes
    stderr: str
    files: dict[str, bytes] = field(default_factory=dict)
    problem: str | None = None  # why it was stopped, in words for the student
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.code == 0 and self.problem is None


def available() -> bool:
    return shutil.which("bwrap") is not None


class Sandbox:
    """One student script's jail (and the jails of what it runs through `netdojo exec`)."""

    def __init__(self, net: Network, node: str, env: dict[str, str],
                 limits: cgroups.Limits = cgroups.DEFAULT, name: str = "script"):
        if not available():
            raise BuildError("bubblewrap is missing (student scripts run in its sandbox): "
                             "run scripts/install.sh")
        self.net, self.node, self.name = net, node, name
        self.env = {**env, "LAB_OUT": f"{INSIDE}/out", "LAB_RUN": net.run.id, "PATH": PATH, "HOME": "/tmp",
                    "NETDOJO_NODE": node}
        self.limits = limits
        self.cpu_seconds = 120.0  # per process (ulimit -t); the cgroup bounds the whole tree
        tag = f"{net.run.id}-{secrets.token_hex(3)}"
        self.dir = SCRATCH / f"{cgroups.PREFIX}{tag}"
        self.bin = _shim_root() / f"{cgroups.PREFIX}{tag}-bin"
        self.group = cgroups.Group(f"{cgroups.PREFIX}{tag}", limits)
        self.channel = None
        self._image_root: tuple[Path, dict[str, Path], list[str]] | None = None

    # ----- life cycle ----------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        self.dir.mkdir(mode=0o700)
        for sub in ("out", "ctl", "etc"):
            (self.dir / sub).mkdir(mode=0o755)
        os.chmod(self.dir / "out", 0o777)
        self.bin.mkdir(mode=0o755)
        shutil.copyfile(SHIM, self.bin / "netdojo")
        os.chmod(self.bin / "netdojo", 0o755)
        names = self.net.names()
        (self.dir / "etc" / "hosts").write_text(
            "127.0.0.1 localhost\n" + "".join(f"{ip} {n}\n" for n, ip in names.items()))
        dns = self.net.lab_resolvers()
        (self.dir / "etc" / "resolv.conf").write_text(
            "".join(f"nameserver {ip}\n" for ip in dns) or "# no resolver in this lab\n")
        self.group.create()
        self.channel = Channel(self, self.dir / "ctl" / "sock").start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.channel is not None:
            self.channel.stop()
        self.group.remove()
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.bin, ignore_errors=True)

    # ----- commands --------------------------------------------------------------------------
    def _root(self, node: str) -> tuple[Path, dict[str, Path], list[str]]:
        """The jail's / , the files bound into it, and any further bwrap arguments."""
        if self.net.is_container(node):
            found = rootfs.container_root(self.net.run.container(node))
            if found:
                return found[0], found[1], []
        etc = self.dir / "etc"
        names = {"/etc/hosts": etc / "hosts", "/etc/resolv.conf": etc / "resolv.conf"}
        if self._image_root is None:
            try:
                self._image_root = (rootfs.path_for(NODE_IMAGE), {}, [])
            except BuildError:
                # no lab image here (a VM built without images): the host's /usr instead
                self._image_root = rootfs.host_system(self.dir)
        root, files, extra = self._image_root
        return root, {**files, **names}, extra

    def jail_argv(self, node: str, argv: list[str], script: Path | None = None) -> list[str]:
        """argv run in `node`'s namespace inside a fresh jail, joined to this sandbox's cgroup."""
        root, files, extra = self._root(node)
        # the command itself runs as nobody with only NET_ADMIN and NET_RAW (ambient): as
        # root, Debian's tcpdump would need CAP_SETUID to drop to its own user
        usr = Path("/usr") if extra else root / "usr"
        drop = SETPRIV if (usr / "bin/setpriv").exists() else []
        caps = CAPS + DROPPER_CAPS if drop else CAPS
        b = ["bwrap", "--ro-bind", str(root), "/", *extra]
        for inside, host in files.items():
            b += ["--ro-bind", str(host), inside]
        b += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
              # only the node's own interfaces of /sys (ip netns exec mounted its view)
              # (parents made explicitly: bwrap makes the ones it needs 0700, unreadable to
              # the script's user)
              "--tmpfs", "/sys", *(w for d in ("/sys/class", "/sys/devices", "/sys/devices/virtual")
                                   for w in ("--perms", "0755", "--dir", d)),
              "--ro-bind", "/sys/class/net", "/sys/class/net",
              "--ro-bind", "/sys/devices/virtual/net", "/sys/devices/virtual/net",
              "--remount-ro", "/sys",
              "--tmpfs", "/run", "--dir", INSIDE,
              "--ro-bind", str(self.bin), f"{INSIDE}/bin",
              "--bind", str(self.dir / "out"), f"{INSIDE}/out",
              "--bind", str(self.dir / "ctl"), f"{INSIDE}/ctl"]
        if script is not None:
            b += ["--ro-bind", str(script), f"{INSIDE}/script"]
        b += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
              "--hostname", node, "--die-with-parent", "--new-session",
              "--cap-drop", "ALL", *(w for c in caps for w in ("--cap-add", c)),
              "--clearenv"]
        for k, v in self.env.items():
            b += ["--setenv", k, v]
        b += ["--chdir", "/tmp", *drop, *argv]
        return self._limited(["ip", "netns", "exec", self.net.ns(node), *b])

    def container_argv(self, node: str, argv: list[str]) -> list[str]:
        """`netdojo exec` into a container node: the container is the jail (its own files,
        no host files, capped by the engine), the client joined to this cgroup."""
        env = [f"{k}={v}" for k, v in self.env.items() if k.startswith("LAB_")]
        inner = ["env", *env, *argv] if env else argv
        return self._limited(containers.exec_argv(self.net.run.container(node), inner))

    def _limited(self, argv: list[str]) -> list[str]:
        cpu = max(1, int(self.cpu_seconds))
        return ["sh", "-c", f'{self.group.join_command()}ulimit -t {cpu}; exec "$@"', "sh",
                *argv]

    def run_script(self, text: str, timeout: float) -> Outcome:
        """The student's script on this sandbox's node: what it printed, what it left in
        $LAB_OUT, and why it was stopped if it was."""
        self.cpu_seconds = timeout
        script = self.dir / "script"
        script.write_text(text)
        argv = self.jail_argv(self.node, ["sh", f"{INSIDE}/script"], script)
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        out, err, problem = _collect(proc, t0 + timeout, timeout)
        if problem:
            self.group.kill_all()
        code = proc.wait()
        self.group.kill_all()  # whatever it left behind through `netdojo exec`, too
        if problem is None and self.group.oom_killed():
            problem = f"ran out of memory (the sandbox allows {self.limits.memory >> 20} MiB)"
        return Outcome(code if problem is None else (124 if "still" in problem else 137),
                       out, err.decode(errors="replace"), self._files(), problem,
                       time.monotonic() - t0)

    def run(self, node: str, argv: list[str], timeout: float) -> Outcome:
        """One command (a line of a student's commands file) in `node`'s jail, bounded in time
        and output like a script; never raises on its exit code."""
        full = (self.container_argv(node, argv) if self.net.is_container(node)
                else self.jail_argv(node, argv))
        t0 = time.monotonic()
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        out, err, problem = _collect(proc, t0 + timeout, timeout)
        code = proc.wait()
        self.group.kill_all()
        return Outcome(code if problem is None else 124, out, err.decode(errors="replace"), {},
                       problem, time.monotonic() - t0)

    def _files(self) -> dict[str, bytes]:
        """What the script wrote into $LAB_OUT: regular files only, never followed through a
        link (a link to /etc/shadow would be read on the host), each at most 1 MiB."""
        out: dict[str, bytes] = {}
        folder = self.dir / "out"
        for entry in sorted(os.listdir(folder))[:64]:
            try:
                fd = os.open(folder / entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    out[entry] = os.read(fd, FILE_CAP + 1)[:FILE_CAP]
            finally:
                os.close(fd)
        return out


def _collect(proc: subprocess.Popen, deadline: float, timeout: float
             ) -> tuple[bytes, bytes, str | None]:
    """Read stdout and stderr until the process ends, its time is up or it prints too much."""
    assert proc.stdout is not None and proc.stderr is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    out, err = bytearray(), bytearray()
    problem = None
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            problem = f"still running after {timeout:.0f} s: stopped with all its processes"
            break
        for key, _ in sel.select(min(left, 0.5)):
            chunk = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
            if not chunk:
                sel.unregister(key.fileobj)
                continue
            if key.data == "out":
                out += chunk
                if len(out) > STDOUT_CAP:
                    problem = f"printed more than {STDOUT_CAP >> 20} MiB: stopped"
            else:
                err = (err + chunk)[-STDERR_CAP:]
        if problem:
            break
        if proc.poll() is not None and not sel.select(0.05):
            break  # ended; a process it left may hold the pipes open, the cgroup ends it
    sel.close()
    if problem:
        proc.kill()
    proc.stdout.close()
    proc.stderr.close()
    return bytes(out[:STDOUT_CAP]), bytes(err), problem


def leftovers(run_id: str) -> None:
    """Remove the sandboxes of a run whose owner was killed before it could."""
    for g in cgroups.leftovers(run_id):
        g.remove()
    for root in {SCRATCH, *SHIM_DIRS}:
        for d in root.glob(f"{cgroups.PREFIX}{run_id}-*"):
            shutil.rmtree(d, ignore_errors=True)
