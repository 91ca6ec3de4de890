"""What every service is: files to write, a check, a start command, a readiness probe."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netdojo.errors import NetdojoError

if TYPE_CHECKING:
    from netdojo.net.network import Network


class ServiceError(NetdojoError):
    """A service's settings or its daemon's config is wrong; names the topology file, the node
    and quotes the daemon's own message."""


@dataclass
class Service:
    net: Network
    node: str
    settings: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)
    # files a person wrote that went in before the daemon's first start: path -> the checker's
    # words if it refused the file (its stand-in was served), None if it took it
    given: dict[str, str | None] = field(default_factory=dict)

    # Class-level, overridden by each service (not dataclass fields, so subclasses' values hold).
    phase = 1  # lower phases start first (DNS before DHCP before DHCP clients)
    ready_timeout = 20.0
    name = "service"
    config_path = ""  # the file a check failure is about
    # its checker reads only world-readable files, so it runs as nobody without the engine
    # (see look); a checker that reads a private key (haproxy, sshd) or needs root does not
    check_unprivileged = False
    check_timeout = 30.0

    # ----- to override -----------------------------------------------------------------------
    def render(self) -> None:
        """Fill self.files from the settings and the network."""

    def check_argv(self) -> list[str] | None:
        return None

    def start_argv(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        return True

    def started(self) -> bool:
        """The daemon runs and answers (ready() may demand more, e.g. healthy backends)."""
        return self.ready()

    def stop(self) -> None:
        script = self.stop_sh()
        if script is None:
            raise self.fail("its config cannot be replaced while it runs (no stop defined)")
        self.sh(["sh", "-c", script])

    def check_file(self, path: str, text: str) -> str | None:
        """For a file other than the main config (a zone): its checker's words if it refuses."""
        return None

    def stand_in(self, path: str) -> str:
        """What takes a refused file's place so the daemon still serves the rest."""
        raise self.fail(f"{path} cannot be replaced on its own")

    def support_files(self) -> dict[str, str]:
        """Files netdojo keeps next to a config a person wrote (e.g. HAProxy's API socket)."""
        return {}

    # ----- helpers ---------------------------------------------------------------------------
    def fail(self, message: str) -> ServiceError:
        node = self.net.topo.nodes[self.node]
        where = self.net.topo.source or self.net.topo.name
        if node.line:
            where = f"{where}:{node.line}"
        return ServiceError(f"{where}: node {self.node!r}, service {self.name!r}: {message}")

    def sh(self, cmd: list[str], input: str | None = None,
           timeout: float = 30) -> subprocess.CompletedProcess:
        """Run a command inside this service's container, within `timeout` seconds.

        The limit is enforced inside the node as well (coreutils' timeout): a killed
        `docker exec` client would leave its process running in the container."""
        argv = ["timeout", "-k", "2", f"{timeout:g}", *cmd]
        try:
            r = subprocess.run(self.net.exec_argv(self.node, argv), input=input,
                               capture_output=True, text=True, timeout=timeout + 10)
        except subprocess.TimeoutExpired:
            r = None
        if r is None or r.returncode in (124, 137) and _timed_out(r):
            raise self.fail(f"`{' '.join(cmd)[:80]}` did not finish within {timeout:g} s")
        return r

    def look(self, cmd: list[str], timeout: float = 10,
             input: str | None = None) -> subprocess.CompletedProcess:
        """A look into the node that needs no privilege (a readiness poll: dig, curl, ss):
        nsenter as nobody instead of `docker exec`, which costs the engine ~120 ms of CPU a
        call — polled every 0.1 s while a lab starts, on a machine grading two labs at once.
        Starting or changing a daemon stays with the engine (sh), which confines it."""
        argv = ["timeout", "-k", "2", f"{timeout:g}", *cmd]
        try:
            return subprocess.run(self.net.probe_argv(self.node, argv, unprivileged=True),
                                  capture_output=True, text=True, timeout=timeout + 10,
                                  input=input)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, 124, "", "")

    def allow(self, *keys: str) -> None:
        """Refuse settings this service does not know (a typo must not be ignored silently)."""
        unknown = set(self.settings) - set(keys)
        if unknown:
            raise self.fail(f"unknown settings {sorted(unknown)} (allowed: {', '.join(keys)})")

    def ip_of(self, ref: str) -> str:
        """A node name or a literal address → an address."""
        if ref in self.net.topo.nodes:
            return self.net.ip(ref)
        return ref

    def first_ifname(self) -> str:
        for lk in self.net.topo.links:
            if self.node in (lk.a.node, lk.b.node):
                return lk.endpoint(self.node).ifname  # type: ignore[return-value]
        raise self.fail("the node has no interfaces")

    def stop_sh(self) -> str | None:
        """The shell that stops the daemon, when one does: stop() runs it, and a config
        replaced restarts in the same command as its files are written (install.py)."""
        return None

    def stop_pidfile(self, pidfile: str, children: bool = False) -> None:
        """End the daemon by the pid it wrote (and its children), and wait until it is gone."""
        self.sh(["sh", "-c", self.pidfile_stop_sh(pidfile, children)])

    @staticmethod
    def pidfile_stop_sh(pidfile: str, children: bool = False) -> str:
        kids = '$(pgrep -P "$p") ' if children else ""
        return (f'if p=$(cat {pidfile} 2>/dev/null); then kill {kids}"$p" 2>/dev/null; '
                f'while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; rm -f {pidfile}; fi')

    @staticmethod
    def add_users_sh(users: list[str]) -> str:
        """Shell that creates each login (with a home) unless it exists: the names were checked
        as login names by the service's render."""
        return " && ".join(f"(id {u} >/dev/null 2>&1 || useradd -m -s /bin/bash {u})"
                           for u in users)

    def listening(self, port: int, udp: bool = False) -> bool:
        """Read from the host for a container (no process started), else `ss` in the node."""
        known = self.net.listening(self.node, port, udp)
        if known is not None:
            return known
        r = self.look(["ss", "-Hln" + ("u" if udp else "t"), f"sport = :{port}"])
        return bool(r.stdout.strip())

    def not_yet_bound(self, port: int, udp: bool = False) -> bool:
        """A readiness poll's first, free question: the daemon has not bound its port yet (only
        told for a container; then no client need be started to learn it is not ready)."""
        return self.net.listening(self.node, port, udp) is False

    def answers_ok(self, path: str, port: int = 80) -> bool:
        """An HTTP server's readiness: bound (when the host can tell), then GET `path` on the
        node's loopback answers 200 within a second (its own health page)."""
        if self.not_yet_bound(port):
            return False
        r = self.look(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "1",
                       f"http://127.0.0.1:{port}{path}"])
        return r.stdout.strip() == "200"


def _timed_out(r: subprocess.CompletedProcess) -> bool:
    # 124: timeout's TERM worked; 137: its KILL was needed.  A command of ours that exits 124
    # on its own would be misread, and none does.
    return r.returncode == 124 or (r.returncode == 137 and not r.stderr.strip())
