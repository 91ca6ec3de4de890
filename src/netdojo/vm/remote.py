"""netdojo commands on another machine over SSH (paramiko): the lab VM, or with --host any Linux
machine with netdojo installed.  Known-hosts checking is always on: the VM's host key is made
at build time, and for --host the user's ~/.ssh/known_hosts must already know the machine.

`run_netdojo` sends the files a command names up by SFTP, runs it with its output streamed
and its exit code returned, and brings its --out folder back."""

from __future__ import annotations

import posixpath
import shlex
import socket
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from netdojo.errors import NetdojoError
from netdojo.vm.state import VmDir

OUT_FLAGS = ("--out", "-o", "--junitxml")


@dataclass
class Target:
    hostname: str
    port: int
    user: str
    key: Path | None
    known_hosts: Path | None  # None: the user's own ~/.ssh/known_hosts
    netdojo: str              # the netdojo command on that machine
    label: str

    @classmethod
    def vm(cls, vm: VmDir) -> Target:
        st = vm.running()
        if st is None:
            raise NetdojoError("the VM is not running: netdojo vm up")
        return cls("127.0.0.1", st["port"], "root", vm.client_key, vm.known_hosts,
                   "/usr/local/bin/netdojo", "the VM")

    @classmethod
    def host(cls, spec: str, port: int = 22, identity: str | None = None) -> Target:
        user, sep, host = spec.rpartition("@")
        if not sep or not user or not host:
            raise NetdojoError(f"--host {spec!r}: write it USER@HOST")
        prefix = "" if user == "root" else "sudo -n "  # netdojo builds namespaces: root
        return cls(host, port, user, Path(identity) if identity else None, None,
                   prefix + "netdojo", spec)

    # ----- connection -------------------------------------------------------------------------
    def connect(self, timeout: float = 10):
        import paramiko

        client = paramiko.SSHClient()
        if self.known_hosts:
            client.load_host_keys(str(self.known_hosts))
        else:
            client.load_system_host_keys()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(self.hostname, self.port, self.user,
                           key_filename=str(self.key) if self.key else None,
                           timeout=timeout, banner_timeout=timeout, auth_timeout=timeout,
                           look_for_keys=self.key is None, allow_agent=self.key is None)
        except paramiko.BadHostKeyException as e:
            raise NetdojoError(f"{self.label}: its host key is not the one known for it ({e}); "
                               "if the machine was rebuilt, remove its old known_hosts "
                               "line") from None
        except paramiko.SSHException as e:
            if "not found in known_hosts" in str(e):
                raise NetdojoError(
                    f"{self.label}: {self.hostname} is not in your known_hosts; connect once "
                    f"with `ssh -p {self.port} {self.user}@{self.hostname}` and check its key "
                    "fingerprint") from None
            raise NetdojoError(f"{self.label}: ssh: {e}") from None
        except (TimeoutError, OSError) as e:
            raise NetdojoError(f"{self.label}: cannot reach {self.hostname}:{self.port} "
                               f"({e})") from None
        return client

    def wait(self, deadline_s: float, alive: Callable[[], bool] = lambda: True) -> float:
        """Poll until SSH logs in and runs a command; seconds waited."""
        t0 = time.monotonic()
        last = ""
        while time.monotonic() - t0 < deadline_s:
            if not alive():
                raise NetdojoError(f"{self.label}: QEMU ended before SSH answered")
            if not _banner(self.hostname, self.port):
                # QEMU's forwarder accepts at once and closes until sshd listens; paramiko would
                # print a traceback for each of those tries
                time.sleep(1)
                continue
            try:
                c = self.connect(timeout=5)
                try:
                    _, out, _ = c.exec_command("true", timeout=10)
                    if out.channel.recv_exit_status() == 0:
                        return time.monotonic() - t0
                finally:
                    c.close()
            except NetdojoError as e:
                last = str(e)
            time.sleep(1)
        raise NetdojoError(f"{self.label}: SSH did not answer within {deadline_s:.0f} s "
                           f"({last})")

    def exec(self, command: str, timeout: float = 60) -> tuple[int, str, str]:
        c = self.connect()
        try:
            _, out, err = c.exec_command(command, timeout=timeout)
            code = out.channel.recv_exit_status()
            return code, out.read().decode(errors="replace"), err.read().decode(errors="replace")
        finally:
            c.close()

    def ssh_argv(self, command: list[str]) -> list[str]:
        argv = ["ssh", "-p", str(self.port), "-o", "StrictHostKeyChecking=yes"]
        if self.known_hosts:
            argv += ["-o", f"UserKnownHostsFile={self.known_hosts}"]
        if self.key:
            argv += ["-i", str(self.key), "-o", "IdentitiesOnly=yes"]
        return [*argv, f"{self.user}@{self.hostname}", *command]


def _banner(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=5) as s:
            s.settimeout(5)
            return s.recv(4).startswith(b"SSH-")
    except OSError:
        return False


# ----- files ----------------------------------------------------------------------------------
def put_tree(sftp, local: Path, remote: str) -> int:
    """Upload a file or a folder (regular files and folders only; links are not followed)."""
    if local.is_file():
        sftp.put(str(local), remote)
        sftp.chmod(remote, local.stat().st_mode & 0o777)
        return 1
    sftp.mkdir(remote)
    n = 0
    for p in sorted(local.iterdir()):
        if p.is_symlink() or not (p.is_file() or p.is_dir()):
            continue
        n += put_tree(sftp, p, posixpath.join(remote, p.name))
    return n


def get_tree(sftp, remote: str, local: Path) -> int:
    try:
        st = sftp.stat(remote)
    except FileNotFoundError:
        return 0
    if not stat.S_ISDIR(st.st_mode or 0):
        local.parent.mkdir(parents=True, exist_ok=True)
        sftp.get(remote, str(local))
        return 1
    local.mkdir(parents=True, exist_ok=True)
    n = 0
    for entry in sftp.listdir_attr(remote):
        if stat.S_ISLNK(entry.st_mode or 0):
            continue
        n += get_tree(sftp, posixpath.join(remote, entry.filename), local / entry.filename)
    return n


def plan_transfers(argv: list[str], workdir: str,
                   exists: Callable[[str], bool] = lambda p: Path(p).exists()
                   ) -> tuple[list[str], list[tuple[Path, str]], list[tuple[str, Path]]]:
    """Which arguments name local files (sent up, rewritten to their remote copy) and which
    name an output (rewritten, brought back after).  Pure: the tests check it alone."""
    out_args, ups, downs = [], [], []
    i = 0
    while i < len(argv):
        arg = argv[i]
        flag, eq, value = arg.partition("=")
        if flag in OUT_FLAGS and (eq or i + 1 < len(argv)):
            target = value if eq else argv[i + 1]
            remote = posixpath.join(workdir, f"out{len(downs)}", Path(target).name or "out")
            downs.append((remote, Path(target)))
            out_args += [f"{flag}={remote}"] if eq else [flag, remote]
            i += 1 if eq else 2
            continue
        if not arg.startswith("-") and exists(arg):
            remote = posixpath.join(workdir, f"in{len(ups)}", Path(arg).resolve().name)
            ups.append((Path(arg), remote))
            out_args.append(remote)
        else:
            out_args.append(arg)
        i += 1
    return out_args, ups, downs


def run_netdojo(target: Target, argv: list[str], stdout: IO[str], stderr: IO[str]) -> int:
    client = target.connect()
    workdir = f"/tmp/netdojo-remote-{uuid.uuid4().hex[:12]}"
    try:
        args, ups, downs = plan_transfers(argv, workdir)
        sftp = client.open_sftp()
        sftp.mkdir(workdir)
        for local, remote in ups:
            sftp.mkdir(posixpath.dirname(remote))
            n = put_tree(sftp, local, remote)
            print(f"[{target.label}] sent {local} ({n} file(s))", file=stderr, flush=True)
        for remote, _ in downs:
            sftp.mkdir(posixpath.dirname(remote))
        # the shell's pid is its process group (sshd makes it a session leader), so an
        # interrupt here can be passed on to the whole command by that id
        command = (f"cd {workdir} && echo $$ > {workdir}/pid && exec "
                   f"{target.netdojo} {' '.join(shlex.quote(a) for a in args)}")
        chan = client.get_transport().open_session()
        chan.exec_command(command)
        try:
            code = _stream(chan, stdout, stderr)
        except KeyboardInterrupt:
            _interrupt(client, workdir)
            code = _stream(chan, stdout, stderr)
        for remote, local in downs:
            n = get_tree(sftp, remote, local)
            if n:
                print(f"[{target.label}] brought back {local} ({n} file(s))", file=stderr,
                      flush=True)
        sftp.close()
        return code
    finally:
        try:
            client.exec_command(f"rm -rf {workdir}", timeout=30)[1].channel.recv_exit_status()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            pass
        client.close()


def _stream(chan, stdout: IO[str], stderr: IO[str]) -> int:
    while True:
        got = False
        while chan.recv_ready():
            stdout.write(chan.recv(65536).decode(errors="replace"))
            got = True
        while chan.recv_stderr_ready():
            stderr.write(chan.recv_stderr(65536).decode(errors="replace"))
            got = True
        if got:
            stdout.flush()
            stderr.flush()
        if chan.exit_status_ready() and not chan.recv_ready() and not chan.recv_stderr_ready():
            return chan.recv_exit_status()
        if not got:
            time.sleep(0.05)


def _interrupt(client, workdir: str) -> None:
    """Ctrl-C here: SIGINT to the remote command's process group, so netdojo tears down there
    exactly as it would on a local Ctrl-C."""
    client.exec_command(f"kill -INT -- -$(cat {workdir}/pid)", timeout=10)
