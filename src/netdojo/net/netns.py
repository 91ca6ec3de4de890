"""Named network namespaces (the ones `ip netns` shows), entered in-process with setns(2).

Entering a namespace in-process lets one Python process configure hundreds of nodes over
netlink without spawning a tool per node, which is what makes netdojo's start fast.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from netdojo.errors import BuildError

NETNS_DIR = Path("/run/netns")
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


@contextlib.contextmanager
def entered(name: str) -> Iterator[None]:
    """Run the body with this thread inside namespace `name`; always come back."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(NETNS_DIR / name, os.O_RDONLY)
    try:
        _setns(target)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(target)
        os.close(home)


def write_sysctl(key: str, value: str | int) -> None:
    """Write a sysctl of the *current* namespace (call inside `entered`)."""
    Path("/proc/sys", *key.split(".")).write_text(f"{value}\n")


def congestion(name: str | None = None) -> str:
    """The TCP congestion control in force in a namespace (the host's with None), as read."""
    key = Path("/proc/sys/net/ipv4/tcp_congestion_control")
    if name is None:
        return key.read_text().strip()
    with entered(name):
        return key.read_text().strip()


def exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def listed(prefix: str = "") -> list[str]:
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(prefix))


def ip_batch(lines: Iterable[str], netns: str | None = None) -> None:
    """Feed many `ip` commands to one process (one fork for the lot)."""
    text = "\n".join(lines)
    if not text:
        return
    cmd = ["ip"] + (["-n", netns] if netns else []) + ["-batch", "-"]
    res = subprocess.run(cmd, input=text, capture_output=True, text=True)
    if res.returncode != 0:
        raise BuildError(f"ip -batch failed: {res.stderr.strip()}")


def ip_batches(batches: dict[str, list[str]], workers: int = 4, force: bool = False) -> None:
    """One `ip -batch` in each namespace, a few at once; the first failure is raised, naming
    its namespace.  The thread enters the namespace and `ip` is forked from it, so it starts
    there: `ip -n NS` would unshare a mount namespace and remount /sys first, which made each
    call 20 ms instead of 3 (2,000 namespaces: 10 s of a linear,1000 start).  With `force`,
    every line is tried and failures are expected (ip's -force), none raised."""
    def one(item: tuple[str, list[str]]) -> str:
        ns, lines = item
        with entered(ns):
            r = subprocess.run(["ip", *(["-force"] if force else []), "-batch", "-"],
                               input="\n".join(lines) + "\n", capture_output=True, text=True)
        return f"{ns}: {r.stderr.strip()}" if r.returncode != 0 and not force else ""

    with ThreadPoolExecutor(max_workers=workers) as pool:
        errors = [e for e in pool.map(one, batches.items()) if e]
    if errors:
        raise BuildError(f"ip -batch failed in {errors[0]}")


def create(names: Sequence[str]) -> None:
    ip_batch(f"netns add {n}" for n in names)


def inode(name: str) -> int | None:
    try:
        return os.stat(NETNS_DIR / name).st_ino
    except FileNotFoundError:
        return None


def pids_inside(inodes: set[int]) -> list[int]:
    """Processes whose network namespace is one of `inodes` — provably ours to end."""
    found = []
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if os.stat(f"/proc/{entry.name}/ns/net").st_ino in inodes:
                found.append(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError, NotADirectoryError):
            continue
    return found


def end_processes(pids: Iterable[int], grace: float = 2.0) -> None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL what is left."""
    pids = list(pids)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        if alive:
            time.sleep(0.02)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def delete(names: Iterable[str]) -> None:
    """Remove namespaces (and so every veth/bridge inside them), after ending their processes."""
    names = [n for n in names if exists(n)]
    if not names:
        return
    inodes = {i for i in (inode(n) for n in names) if i is not None}
    end_processes(pids_inside(inodes))
    ip_batch(f"netns del {n}" for n in names)


def run_in(name: str, cmd: Sequence[str], timeout: float | None = None,
           check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a command inside namespace `name` and capture its output."""
    return subprocess.run(["ip", "netns", "exec", name, *cmd], capture_output=True, text=True,
                          timeout=timeout, check=check)


def popen_in(name: str, cmd: Sequence[str], **kw) -> subprocess.Popen:
    return subprocess.Popen(["ip", "netns", "exec", name, *cmd], **kw)
