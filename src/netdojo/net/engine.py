"""The Docker engine, spoken to through the Docker SDK for Python (Containernet's choice), so
that limits, exit codes and errors come back as data whichever docker client is on PATH.

What is left to the docker CLI is `docker exec` for commands that stream (see
containers.exec_argv): a shell, a student's script, a probe — their own stdin, stdout and tty,
netdojo reading the command's output, never docker's.  A service's start, which runs to its end
with its files on stdin, goes over the API (engine_exec.py)."""

from __future__ import annotations

import functools
import http.client
import io
import json
import os
import socket
import struct
import tarfile
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Any

from netdojo.errors import BuildError


@functools.cache
def sdk() -> Any:
    """The Docker SDK, loaded on first use (0.1 s at import; `netdojo down` lists containers
    over the socket without it)."""
    try:
        import docker
    except ImportError:  # a broken install; pyproject names the package
        raise BuildError("the Docker SDK for Python is missing: reinstall netdojo "
                         "(scripts/install.sh)") from None
    return docker


@functools.cache
def client() -> Any:
    docker = sdk()
    try:
        c = docker.from_env(timeout=180)
        c.ping()
    except docker.errors.DockerException as e:
        raise BuildError(f"the Docker engine does not answer ({_short(e)}): "
                         "run scripts/install-docker.sh") from None
    return c


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


def _get(api_path: str) -> tuple[int, bytes] | None:
    """GET from the engine's API over its local Unix socket; None when it has none."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://") or not os.path.exists(host[len("unix://"):]):
        return None
    try:
        conn = _UnixHTTP(host[len("unix://"):])
        conn.request("GET", api_path)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
    except OSError:
        return None
    return resp.status, body


@functools.cache
def is_podman() -> bool:
    """Podman behind the Docker API (issue 22.2): a few of its answers differ from Docker's."""
    try:
        parts = client().version().get("Components") or []
    except sdk().errors.DockerException:
        return False
    return any("podman" in str(p.get("Name", "")).lower() for p in parts)


@functools.cache
def hard_limits() -> dict[str, int]:
    """The engine's own hard limits on open files and processes, read from /proc by the pid
    at the other end of its socket (SO_PEERCRED); {} when the engine is not local.  A
    container may not be given more than the engine has, and Podman asks for more by default
    (1048576 files, 4194304 processes): a host root without CAP_SYS_RESOURCE refuses that
    ("error setting rlimit type 7"), and no container would start."""
    pid = _engine_pid()
    try:
        text = Path(f"/proc/{pid}/limits").read_text() if pid else ""
    except OSError:
        return {}
    out = {}
    for name, label in (("nofile", "Max open files"), ("nproc", "Max processes")):
        for line in text.splitlines():
            if line.startswith(label):
                hard = line[len(label):].split()[1]
                if hard.isdigit():
                    out[name] = int(hard)
    return out


@functools.cache
def _engine_pid() -> int | None:
    """The pid at the other end of the engine's local socket (SO_PEERCRED), or None."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(host[len("unix://"):])
            cred = s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return None
    return struct.unpack("3i", cred)[0] or None


@functools.cache
def sees_our_files() -> bool:
    """Whether the engine sees this process's files at the same paths (the same mount
    namespace), so a file netdojo writes can be bound into a container by its path.  Not so
    when netdojo runs in its own container beside the host's engine (netdojo/netdojo), or
    speaks to a remote one."""
    pid = _engine_pid()
    try:
        return bool(pid) and (os.stat(f"/proc/{pid}/ns/mnt").st_ino
                              == os.stat("/proc/self/ns/mnt").st_ino)
    except OSError:
        return False


_PIDS: dict[str, tuple[int, str]] = {}  # container → (pid, its start time in /proc/PID/stat)


def pid_of(name: str) -> int | None:
    """The host PID of a running container's first process (0/None when it is not running).

    Remembered with the process's start time, so a probe (dozens per graded run) does not ask
    the engine each time; a container restarted since, or a PID reused, starts at another
    time and is asked again."""
    known = _PIDS.pop(name, None)  # put back below while it still holds
    if known and _start_time(known[0]) == known[1]:
        _PIDS[name] = known
        return known[0]
    got = _get(f"/containers/{urllib.parse.quote(name)}/json")
    if got is None or got[0] != 200:
        return None
    pid = json.loads(got[1]).get("State", {}).get("Pid") or None
    started = _start_time(pid) if pid else None
    if pid and started:
        _PIDS[name] = (pid, started)
    return pid


def forget(names: list[str]) -> None:
    """Removed containers leave the PID memory (a long-lived server sees many runs)."""
    for name in names:
        _PIDS.pop(name, None)


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat (after the command name, which may hold spaces)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def list_labelled(label: str) -> list[tuple[str, dict[str, str]]] | None:
    """(name, labels) of every container with this label filter, read from the engine's API
    over its Unix socket — no SDK import, so `down` and `status` stay quick.  None when the
    engine is not on a local socket (then the SDK is asked); [] when no engine answers."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return None
    query = urllib.parse.urlencode({"all": "1", "filters": json.dumps({"label": [label]})})
    got = _get(f"/containers/json?{query}")
    if got is None:
        return []
    status, body = got
    if status != 200:
        return None
    return [(c["Names"][0].lstrip("/"), c.get("Labels") or {}) for c in json.loads(body)
            if c.get("Names")]


def available() -> bool:
    try:
        client()
    except BuildError:
        return False
    return True


def _short(e: BaseException) -> str:
    text = getattr(e, "explanation", None) or str(e)
    return str(text).strip()[-600:]


def error(what: str, e: BaseException) -> BuildError:
    return BuildError(f"{what}: {_short(e)}")


def errors() -> Any:
    return sdk().errors


def get(name: str) -> Any | None:
    """The container called `name`, or None when there is none."""
    try:
        return client().containers.get(name)
    except errors().NotFound:
        return None
    except errors().APIError as e:
        # Podman answers 500, not 404, for a container it is removing or has just created and
        # lost ("does not exist in database: no such container")
        if "no such container" in _short(e).lower():
            return None
        raise


def put_file(name: str, src: Path, dest: str) -> None:
    """Copy a host file (or folder) into a container, as `docker cp SRC NAME:DEST` does."""
    target = PurePosixPath(dest)
    c = get(name)
    if c is None:
        raise BuildError(f"no container {name}")
    into_dir = dest.endswith("/") or _is_dir(c, dest)
    folder, arcname = (target, src.name) if into_dir else (target.parent, target.name)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(str(src), arcname=arcname)
    try:
        c.put_archive(str(folder), buf.getvalue())
    except errors().APIError as e:
        raise error(f"copy {src} -> {name}:{dest}", e) from None


def put_tar(name: str, folder: str, data: bytes) -> None:
    """Unpack a tar stream into a running container at `folder` with the engine's archive API:
    one call, no exec — so no docker CLI, no runc and no process in the container (the lab
    CA goes in this way; missing parent folders are made, as tar would)."""
    try:
        client().api.put_archive(name, folder, data)
    except errors().NotFound:
        raise BuildError(f"no container {name}") from None
    except errors().APIError as e:
        raise error(f"copy into {name}:{folder}", e) from None


def _is_dir(c: Any, path: str) -> bool:
    try:
        stat = c.get_archive(path)[1]
    except errors().NotFound:
        return False
    return bool(stat.get("mode", 0) & (1 << 31))  # Go's os.ModeDir


def get_file(name: str, src: str, dest: Path) -> None:
    """Copy a file or folder out of a container, as `docker cp NAME:SRC DEST` does."""
    c = get(name)
    if c is None:
        raise BuildError(f"no container {name}")
    try:
        stream, _stat = c.get_archive(src)
    except errors().NotFound:
        raise BuildError(f"copy {name}:{src}: no such file in the node") from None
    buf = io.BytesIO(b"".join(stream))
    with tarfile.open(fileobj=buf) as tar:
        members = tar.getmembers()
        top = PurePosixPath(src).name or members[0].name
        base = dest / top if dest.is_dir() else dest
        for m in members:
            rel = PurePosixPath(m.name).relative_to(top) if m.name != top else PurePosixPath()
            out = base / rel
            if m.isdir():
                out.mkdir(parents=True, exist_ok=True)
            elif m.isfile():
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(m).read())  # type: ignore[union-attr]
