"""A terminal in a node for the page: a shell on a pseudo-terminal, what `netdojo exec NODE`
gives (root in the node's namespace or container), bridged to a WebSocket by the app.

The shell leads its own session with the pty as its controlling terminal (`setsid --ctty`),
so job control works and closing the page ends every process it started: the session is
hung up, then killed by the process group id recorded here."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios

# No rc files: the host's prompt would name the host, not the node (a namespace node shares
# the host's files); the prompt comes from the environment instead.
SHELL = ["bash", "--noprofile", "--norc", "-i"]


def shell_in(node: str) -> list[str]:
    """The shell's command, set up inside the node (a container gets no environment of ours)."""
    return ["env", "TERM=xterm-256color", f"PS1={node}:\\w# ", *SHELL]


def set_size(fd: int, cols: int, rows: int) -> None:
    cols, rows = max(2, min(int(cols), 1000)), max(2, min(int(rows), 500))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Terminal:
    def __init__(self, argv: list[str], cols: int = 100, rows: int = 30):
        master, slave = os.openpty()
        set_size(master, cols, rows)
        env = {"TERM": "xterm-256color", "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": "/root", "LANG": os.environ.get("LANG", "C.UTF-8")}
        try:
            # not start_new_session: then setsid(1) would fork, and the pid recorded here would
            # not lead the shell's group.  Here it calls setsid() itself, keeps its pid, and
            # the shell it execs leads a group whose id is that pid.
            self.proc = subprocess.Popen(["setsid", "--ctty", *argv], stdin=slave, stdout=slave,
                                         stderr=slave, env=env, close_fds=True)
        finally:
            os.close(slave)
        self.fd = master
        os.set_blocking(master, False)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.fd, view)
            except BlockingIOError:  # the shell is slow to read: wait until it takes more
                if not select.select([], [self.fd], [], 2)[1]:
                    return  # it takes nothing for 2 s (stopped): drop the rest, not the page
                continue
            view = view[n:]

    def read(self) -> bytes | None:
        """What the shell wrote since the last read; None if nothing yet, b"" once it ended."""
        try:
            return os.read(self.fd, 65536)
        except BlockingIOError:
            return None
        except OSError:  # EIO: the other side is closed, the shell has exited
            return b""

    def resize(self, cols: int, rows: int) -> None:
        set_size(self.fd, cols, rows)

    def close(self) -> None:
        """Hang up, then kill what is left of the shell's session; close the pty."""
        for sig in (signal.SIGHUP, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)  # setsid: its group id is its pid
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                continue
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.close(self.fd)
        except OSError:
            pass
