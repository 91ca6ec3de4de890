"""Putting one service in place: its files written into the container, its config checked by
the daemon's own checker, the daemon started, and readiness polled with a deadline.  Also the
swap of a rendered config for one a person wrote (a student's haproxy.cfg)."""

from __future__ import annotations

import io
import shlex
import subprocess
import tarfile
import time
from typing import TYPE_CHECKING

from netdojo.errors import BuildError
from netdojo.net import engine
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


def put_files(net: Network, node: str, files: dict[str, str]) -> str | None:
    """Write files into a node as one tar stream (the lab CA into every container); the
    error's words, or None.  A container gets it through the engine's archive API, with no
    process in the container; a namespace node, which shares the host's files, through tar
    in its namespace.  A service's own files go in with its start (install)."""
    data = _tar(files)
    if net.is_container(node):
        try:
            engine.put_tar(net.run.container(node), "/", data)
        except BuildError as e:
            return str(e)
        return None
    r = subprocess.run(net.exec_argv(node, ["tar", "-x", "-C", "/"]), input=data,
                       capture_output=True)
    return None if r.returncode == 0 else r.stderr.decode(errors="replace").strip()


# the node-side script's own exit codes, apart from the daemon's
WRITE_FAILED, CHECK_REFUSED, CHECK_TIMED_OUT = 97, 98, 99
START_TIMEOUT = 30.0
# a checker that reads only world-readable files runs as nobody, with no capability
AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]


def install(svc: Service, stop_first: str | None = None) -> None:
    """Put a service in place with one command in its node: its files unpacked from a tar
    stream, its config judged by the daemon's own checker, the daemon started.  For a
    container that is one `docker exec`, confined by the engine as the daemon must be, where
    it took two (files, start) — measured ~75 ms of CPU each, most of it runc, containerd and
    dockerd, and two graders side by side queue on that one engine.  `stop_first`: the shell
    that stops the running daemon, for a restart on new files in that same command."""
    check = svc.check_argv()
    script = ["set -u", *([stop_first] if stop_first else [])]
    if svc.files:
        script.append(f"tar -x -C / || exit {WRITE_FAILED}")
    if check:
        who = AS_NOBODY if svc.check_unprivileged else []
        script.append(f"timeout -k 2 {svc.check_timeout:g} {shlex.join(who + check)} >&2; "
                      f"s=$?; [ $s -eq 0 ] || {{ [ $s -eq 124 ] && exit {CHECK_TIMED_OUT}; "
                      f"exit {CHECK_REFUSED}; }}")
    script.append(f"exec timeout -k 2 {START_TIMEOUT:g} {shlex.join(svc.start_argv())}")
    # the whole command is bounded inside the node too (a stop that waits for a daemon that
    # never ends): a killed `docker exec` client would leave it running there
    limit = (svc.check_timeout if check else 0) + 2 * START_TIMEOUT
    argv = ["timeout", "-k", "2", f"{limit:g}", "sh", "-c", "\n".join(script)]
    try:
        r = svc.net.run_in(svc.node, argv, _tar(svc.files) if svc.files else b"",
                           timeout=limit + 10)
    except subprocess.TimeoutExpired:
        r = None
    if r is None or r.returncode == 124 or (r.returncode == 137 and not r.stderr.strip()):
        raise svc.fail(f"did not start within {limit:g} s")
    said = (r.stdout + r.stderr).decode(errors="replace").strip()
    if r.returncode == WRITE_FAILED:
        raise svc.fail(f"could not write its files: {said[-600:]}")
    if r.returncode == CHECK_TIMED_OUT:
        raise svc.fail(f"`{check[0]}` did not finish within {svc.check_timeout:g} s")
    if r.returncode == CHECK_REFUSED:
        raise svc.fail(f"{svc.config_path} rejected by `{check[0]}`: {said[-1200:]}")
    if r.returncode != 0:
        raise svc.fail(f"did not start: {said[-1200:]}")


def wait_ready(group: list[Service]) -> None:
    """Poll each service's readiness to a deadline; one started on a person's files (`given`)
    need only run and answer, as after replace_files: its ready() may ask for what netdojo
    rendered."""
    pending = list(group)
    deadline = time.monotonic() + max(s.ready_timeout for s in group)
    while pending:
        pending = [s for s in pending if not (s.started() if s.given else s.ready())]
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


def overlay(svc: Service, texts: dict[str, str]) -> dict[str, str]:
    """A person's files put over a service's rendered ones, not yet started: each file that is
    not the main config is judged by its checker alone and, if refused, replaced by its
    stand-in; returns {path: the checker's words} for those.  A main config replaces every
    rendered file but the support files (its daemon's checker judges it at the start)."""
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
    return problems


def replace_files(svc: Service, texts: dict[str, str]) -> dict[str, str]:
    """Several of a service's files replaced at once, with one restart (a student's zone and
    reverse zone: BIND restarted once, not once per file), as `overlay` puts them; a refused
    file comes back in the result as {path: the checker's words}.  A main config the daemon
    refuses raises, and leaves the service stopped."""
    problems = overlay(svc, texts)
    stop = svc.stop_sh()
    if stop is None:
        svc.stop()
    install(svc, stop_first=stop)
    deadline = time.monotonic() + svc.ready_timeout
    while not svc.started():
        if time.monotonic() > deadline:
            raise svc.fail(f"did not answer within {svc.ready_timeout:.0f} s on the new config")
        time.sleep(0.1)
    return problems
