"""Packet capture in a lab node with tcpdump, written as a classic pcap on the host (it opens in
Wireshark).  tcpdump runs in the node's network namespace, so a container node is captured the
same way as a namespace node, and nothing is captured outside the lab."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from netdojo.errors import NetdojoError

_COUNTS = re.compile(r"(\d+) packets? captured")


@dataclass
class CaptureResult:
    path: Path
    packets: int
    seconds: float


def _start(ns: str, iface: str, f, count: int | None, bpf: str | None,
           ready_timeout: float) -> subprocess.Popen:
    """tcpdump writing to `f`, returned once it says it is listening (or ended with one line
    why not); `--immediate-mode` so nothing waits in a buffer when the capture ends."""
    argv = ["ip", "netns", "exec", ns, "tcpdump", "--immediate-mode", "-n", "-U", "-i", iface,
            "-w", "-"]
    if count:
        argv += ["-c", str(count)]
    if bpf:
        argv += bpf.split()
    proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + ready_timeout
        line = proc.stderr.readline()  # "listening on eth0, …" once it captures
        while "listening on" not in line:
            if (not line and proc.poll() is not None) or time.monotonic() > deadline:
                proc.kill()
                _, err = proc.communicate()
                raise NetdojoError(f"tcpdump on {iface}: {(line + err).strip()}")
            line = proc.stderr.readline()
    except BaseException:  # Ctrl-C while it starts: no tcpdump left behind
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise
    return proc


def capture(ns: str, iface: str, out: Path, count: int | None = None,
            seconds: float | None = None, bpf: str | None = None,
            ready_timeout: float = 10) -> CaptureResult:
    """Capture on `iface` inside namespace `ns` until `count` packets, `seconds` have passed,
    or Ctrl-C."""
    t0 = time.monotonic()
    with open(out, "wb") as f:
        proc = _start(ns, iface, f, count, bpf, ready_timeout)
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass  # the time is up: stop it below
        except KeyboardInterrupt:
            pass  # Ctrl-C ends a capture and keeps what it has
        finally:
            if proc.poll() is None:
                proc.terminate()
            _, err = proc.communicate(timeout=10)
    took = time.monotonic() - t0
    m = _COUNTS.search(err or "")
    return CaptureResult(out, int(m.group(1)) if m else 0, took)


@contextmanager
def capturing(ns: str, iface: str, out: Path, bpf: str | None = None,
              ready_timeout: float = 10) -> Iterator[None]:
    """A capture that runs exactly while the with-block does (a load timed inside it)."""
    with open(out, "wb") as f:
        proc = _start(ns, iface, f, None, bpf, ready_timeout)
        try:
            yield
        finally:
            proc.terminate()
            proc.communicate(timeout=10)
