"""Putting one service in place: its files written into the container, its config checked by
the daemon's own checker, the daemon started, and readiness polled with a deadline.  Also the
swap of a rendered config for one a person wrote (a student's haproxy.cfg)."""

from __future__ import annotations

import io
import subprocess
import tarfile
import time
from typing import TYPE_CHECKING

from netdojo.services.base import Service

if TYPE_CHECKING:
    from netdojo.net.network import Network


def _tar(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size = len(data)
            info.mode = 0o600 if path.endswith((".key", ".secret")) else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def put_files(net: Network, node: str, files: dict[str, str]) -> subprocess.CompletedProcess:
    """Write files into a node's container with one exec (a tar stream)."""
    return subprocess.run(net.exec_argv(node, ["tar", "-x", "-C", "/"]), input=_tar(files),
                          capture_output=True)


def install(svc: Service) -> None:
    if svc.files:
        r = put_files(svc.net, svc.node, svc.files)
        if r.returncode != 0:
            raise svc.fail(f"could not write its files: {r.stderr.decode().strip()}")
    argv = svc.check_argv()
    if argv:
        r = svc.look(argv, svc.check_timeout) if svc.check_unprivileged else svc.sh(argv)
        if r.returncode == 124 and svc.check_unprivileged:
            raise svc.fail(f"`{argv[0]}` did not finish within {svc.check_timeout:g} s")
        if r.returncode != 0:
            msg = (r.stdout + r.stderr).strip()
            raise svc.fail(f"{svc.config_path} rejected by `{argv[0]}`: {msg[-1200:]}")
    r = svc.sh(svc.start_argv())
    if r.returncode != 0:
        raise svc.fail(f"did not start: {(r.stdout + r.stderr).strip()[-1200:]}")


def wait_ready(group: list[Service]) -> None:
    pending = list(group)
    deadline = time.monotonic() + max(s.ready_timeout for s in group)
    while pending:
        pending = [s for s in pending if not s.ready()]
        if not pending:
            return
        if time.monotonic() > deadline:
            s = pending[0]
            raise s.fail(f"not ready after {s.ready_timeout:.0f} s")
        time.sleep(0.1)


def replace_config(svc: Service, text: str, path: str | None = None) -> None:
    """Run the service on `text` instead of the config netdojo rendered.  The daemon's own
    checker judges it first; if it refuses, the service is left stopped (so nothing answers on
    a config the person did not write) and the ServiceError quotes the daemon.

    With `path`, `text` replaces that one file (a zone) and the rest stays as rendered; a file
    its checker refuses is replaced by the service's stand-in, so what else was handed in is
    still served, and the ServiceError quotes the checker."""
    path = path or svc.config_path
    problem = replace_files(svc, {path: text}).get(path)
    if problem:
        raise svc.fail(f"{path} refused: {problem}")


def replace_files(svc: Service, texts: dict[str, str]) -> dict[str, str]:
    """Several of a service's files replaced at once, with one restart (a student's zone and
    reverse zone: BIND started once, not once per file).  Each file that is not the main
    config is judged by its checker alone; a refused one is served by its stand-in, and comes
    back in the result as {path: the checker's words}.  A main config the daemon refuses
    raises, and leaves the service stopped."""
    problems: dict[str, str] = {}
    files = dict(svc.files)
    if svc.config_path in texts:  # a whole config of one's own: nothing rendered stays
        files = {**svc.support_files(), svc.config_path: texts[svc.config_path]}
    for path, text in texts.items():
        if path == svc.config_path:
            continue
        problem = svc.check_file(path, text)
        if problem:
            problems[path] = problem
        files[path] = svc.stand_in(path) if problem else text
    svc.files = files
    svc.stop()
    install(svc)
    deadline = time.monotonic() + svc.ready_timeout
    while not svc.started():
        if time.monotonic() > deadline:
            raise svc.fail(f"did not answer within {svc.ready_timeout:.0f} s on the new config")
        time.sleep(0.1)
    return problems
