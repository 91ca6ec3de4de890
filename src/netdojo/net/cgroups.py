"""A cgroup per sandboxed student script: at most so many processes, so much memory and one
core's worth of CPU for the whole process tree, and a way to end every process in it.

Root is exempt from RLIMIT_NPROC, and a sandboxed script runs as root (it needs CAP_NET_ADMIN
in its node's namespace), so only a cgroup can bound its processes.  Both layouts are handled:
cgroup v1 (one folder per controller, as on this project's CI machines) and v2 (one unified
tree, as on a student's systemd VM).  Groups are named netdojo-<run>-<n>, so a run's teardown
finds and removes the ones its killed owner left.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(os.environ.get("NETDOJO_CGROUP_ROOT", "/sys/fs/cgroup"))
PREFIX = "netdojo-"


@dataclass(frozen=True)
class Limits:
    pids: int = 256
    memory: int = 256 << 20
    cpu_share: float = 1.0  # cores' worth of CPU time per wall-clock second


DEFAULT = Limits()


def unified() -> bool:
    return (ROOT / "cgroup.controllers").is_file()


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def procs_files_of(pid: int) -> list[Path]:
    """The cgroup.procs files of the groups process `pid` is in (pids, memory and cpu on v1;
    the one group on v2): writing a PID there puts that process beside it."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if not controllers and unified():
            out.append(ROOT / path.lstrip("/") / "cgroup.procs")
        for c in ("pids", "memory", "cpu"):
            if c in controllers.split(",") and (ROOT / c).is_dir():
                out.append(ROOT / c / path.lstrip("/") / "cgroup.procs")
    return [p for p in out if p.is_file()]


class Group:
    """One cgroup (a folder per controller on v1, one folder on v2)."""

    def __init__(self, name: str, limits: Limits = DEFAULT):
        self.name, self.limits = name, limits
        self.dirs: list[Path] = []
        if unified():
            for c in ("pids", "memory", "cpu"):  # may already be on; a refusal is not fatal
                _write(ROOT / "cgroup.subtree_control", f"+{c}")
            self.dirs = [ROOT / name]
        else:
            self.dirs = [ROOT / c / name for c in ("pids", "memory", "cpu")
                         if (ROOT / c).is_dir()]

    def create(self) -> Group:
        for d in self.dirs:
            d.mkdir(exist_ok=True)
        lim, period = self.limits, 100_000
        quota = max(1000, int(period * lim.cpu_share))
        if unified():
            d = self.dirs[0]
            _write(d / "pids.max", str(lim.pids))
            _write(d / "memory.max", str(lim.memory))
            _write(d / "memory.swap.max", "0")
            _write(d / "cpu.max", f"{quota} {period}")
        else:
            for d in self.dirs:
                ctl = d.parent.name
                if ctl == "pids":
                    _write(d / "pids.max", str(lim.pids))
                elif ctl == "memory":
                    _write(d / "memory.limit_in_bytes", str(lim.memory))
                    _write(d / "memory.memsw.limit_in_bytes", str(lim.memory))
                elif ctl == "cpu":
                    _write(d / "cpu.cfs_period_us", str(period))
                    _write(d / "cpu.cfs_quota_us", str(quota))
        return self

    @property
    def enforced(self) -> list[str]:
        """Which limits really hold here (a kernel may lack a controller)."""
        if unified():
            d = self.dirs[0]
            return [c for c, f in (("pids", "pids.max"), ("memory", "memory.max"),
                                   ("cpu", "cpu.max")) if (d / f).is_file()]
        return [d.parent.name for d in self.dirs if d.is_dir()]

    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in self.dirs]

    def join_command(self) -> str:
        """Shell words that move the shell running them into this group (before it execs)."""
        return "".join(f"echo $$ > '{p}'; " for p in self.procs_files())

    def pids(self) -> list[int]:
        out: set[int] = set()
        for p in self.procs_files():
            try:
                out.update(int(x) for x in p.read_text().split())
            except OSError:
                pass
        return sorted(out)

    def memory_peak(self) -> int | None:
        for d in self.dirs:
            for f in ("memory.peak", "memory.max_usage_in_bytes"):
                try:
                    return int((d / f).read_text())
                except (OSError, ValueError):
                    continue
        return None

    def oom_killed(self) -> bool:
        for d in self.dirs:
            for f in ("memory.events", "memory.oom_control"):
                try:
                    text = (d / f).read_text()
                except OSError:
                    continue
                for line in text.splitlines():
                    key, _, val = line.partition(" ")
                    if key == "oom_kill" and val.strip() not in ("", "0"):
                        return True
        return False

    def kill_all(self, deadline: float = 5.0) -> None:
        """SIGKILL every process in the group until none is left (a fork races one pass)."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        self.kill_all()
        for d in self.dirs:
            for _ in range(50):  # rmdir fails while the last killed process is still exiting
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def leftovers(run_id: str) -> Iterable[Group]:
    """Groups a run's sandboxes left behind (their owner was killed before it removed them)."""
    names: set[str] = set()
    bases = [ROOT] if unified() else [ROOT / c for c in ("pids", "memory", "cpu")]
    for base in bases:
        try:
            names.update(p.name for p in base.glob(f"{PREFIX}{run_id}-*"))
        except OSError:
            pass
    return [Group(n) for n in sorted(names)]
