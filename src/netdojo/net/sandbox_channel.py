"""The one way out of a student script's sandbox: a Unix socket that runs `netdojo exec`,
`fail` and `restore` for this run's own nodes and links, and nothing else.

The shim inside (sandbox_shim.py) sends one JSON request and its own stdin, stdout and stderr
(SCM_RIGHTS); the command here runs with those as its stdio, so a script reads a remote
tcpdump line by line as it would a local one.  When the shim dies (the script's timeout, a
`terminate()`), its end of the socket closes and the command is killed.  A command on another
namespace node runs in a jail of its own in that node's namespace; on a container node through
`docker exec` (the container is its jail).  Every command joins the script's cgroup.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netdojo.errors import NetdojoError
from netdojo.net import failures

if TYPE_CHECKING:
    from netdojo.net.sandbox import Sandbox

MAX_REQUEST = 64 << 10
MAX_SESSIONS = 64


class Refused(Exception):
    pass


class Channel:
    def __init__(self, sandbox: Sandbox, path: Path):
        self.sandbox, self.path = sandbox, path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_SESSIONS)
        self._closed = False

    def start(self) -> Channel:
        self.sock.bind(str(self.path))
        os.chmod(self.path, 0o666)
        self.sock.listen(16)
        threading.Thread(target=self._accept, daemon=True, name="sandbox-channel").start()
        return self

    def stop(self) -> None:
        self._closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self._lock:
            for p in list(self._procs):
                p.kill()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                _reply(conn, 1, "too many netdojo commands at once from one script")
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        fds: list[int] = []
        try:
            msg, fds, _flags, _addr = socket.recv_fds(conn, MAX_REQUEST, 3)
            if len(fds) != 3:
                raise Refused("the request came without its stdin, stdout and stderr")
            req = json.loads(msg.decode())
            if not isinstance(req, dict):
                raise Refused("a request is a JSON object")
            code = self._handle(req, fds, conn)
            _reply(conn, code)
        except (Refused, NetdojoError) as e:
            if len(fds) == 3:
                os.write(fds[2], f"netdojo: {e}\n".encode())
            _reply(conn, 2)
        except (ValueError, OSError) as e:
            _reply(conn, 2, f"bad request: {e}")
        finally:
            for fd in fds:
                os.close(fd)
            conn.close()
            self._slots.release()

    def _handle(self, req: dict[str, Any], fds: list[int], conn: socket.socket) -> int:
        net = self.sandbox.net
        run = req.get("run")
        if run not in (None, net.run.id):
            raise Refused(f"run {run!r} is not this script's run ({net.run.id})")
        op = req.get("op")
        if op in ("fail", "restore"):
            target = str(req.get("target", ""))
            if op == "restore" and target == "all":
                failures.restore_all(net)
                os.write(fds[1], b"restored everything\n")
                return 0
            el = (failures.fail if op == "fail" else failures.restore)(net, target)
            os.write(fds[1], f"{'failed' if op == 'fail' else 'restored'} {el.name}\n".encode())
            return 0
        if op != "exec":
            raise Refused(f"{op!r} is not available inside a lab script "
                          "(exec, fail and restore are)")
        node, argv = req.get("node"), req.get("argv")
        if node not in net.topo.nodes:
            raise Refused(f"{node!r} is not a node of this lab")
        if not (isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv)):
            raise Refused("exec needs a command: netdojo exec NODE -- COMMAND …")
        sb = self.sandbox
        full = (sb.container_argv(node, argv) if net.is_container(node)
                else sb.jail_argv(node, argv))
        proc = subprocess.Popen(full, stdin=fds[0], stdout=fds[1], stderr=fds[2],
                                start_new_session=True)
        with self._lock:
            self._procs.add(proc)
        # the shim's end closes when it dies: then its command goes too
        watcher = threading.Thread(target=_kill_on_hangup, args=(conn, proc), daemon=True)
        watcher.start()
        code = proc.wait()
        with self._lock:
            self._procs.discard(proc)
        return code


def _kill_on_hangup(conn: socket.socket, proc: subprocess.Popen) -> None:
    try:
        while proc.poll() is None:
            if not conn.recv(1):
                break
    except OSError:
        pass
    if proc.poll() is None:
        proc.kill()


def _reply(conn: socket.socket, code: int, error: str | None = None) -> None:
    try:
        conn.sendall(json.dumps({"code": code, "error": error}).encode())
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass
