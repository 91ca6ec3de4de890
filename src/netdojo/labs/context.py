"""What a check sees: the running lab, the student's values and files, and measuring helpers
that run inside the lab's nodes."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netdojo.labs.checks import CheckFailure
from netdojo.labs.model import Lab
from netdojo.labs.submission import Submission
from netdojo.measure.iperf import IperfResult, iperf
from netdojo.measure.ping import PingResult, ping
from netdojo.measure.traceroute import Hop, traceroute
from netdojo.net import failures

if TYPE_CHECKING:
    from netdojo.net.network import Network



TRUTH = "truth:"  # cache keys of the lab's own behaviour, kept when checks run again


class LabContext:
    def __init__(self, lab: Lab, student: str, params: dict[str, Any], net: Network,
                 submission: Submission, log: Callable[[str], None] = print):
        self.lab = lab
        self.student = student
        self.params = params
        self.net = net
        self.submission = submission
        self.log = log
        self.cache: dict[str, Any] = {}  # measurements several checks share

    def once(self, key: str, measure: Callable[[], Any]) -> Any:
        """A measurement made once per run and shared by the checks that need it."""
        if key not in self.cache:
            self.cache[key] = measure()
        return self.cache[key]

    def truth(self, key: str, measure: Callable[[], Any]) -> Any:
        """A measurement of the lab itself that no answer changes (a page's load times as the
        checker sees them).  Each call in a run of the checks is a new measurement, but the
        nth call of a later run on another answer sheet (the free-points proof grades a
        student's session up to four times, labs/freepoints.py) gets the nth of the first:
        the checker's figures are the same for every sheet, and taken once."""
        n = self.cache[f"calls:{key}"] = self.cache.get(f"calls:{key}", 0) + 1
        return self.once(f"{TRUTH}{key}#{n}", measure)

    # ----- the network ------------------------------------------------------------------------
    def sh(self, node: str, argv: list[str], timeout: float = 30,
           input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run a command in a node (its namespace or its container); never raises on exit code."""
        try:
            return subprocess.run(self.net.probe_argv(node, argv), capture_output=True,
                                  text=True, timeout=timeout, input=input)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, 124, "", f"timed out after {timeout:.0f} s")

    def ip(self, node: str, ifname: str | None = None) -> str:
        if ifname is None:
            return self.net.ip(node)
        iface = self.net.addr.ips.get((node, ifname))
        if iface is None:
            raise CheckFailure(f"{node}:{ifname} has no address in this lab")
        return str(iface.ip)

    def ping(self, src: str, dst: str, count: int = 10, interval: float = 0.2) -> PingResult:
        dst_ip = self.net.ip(dst) if dst in self.net.topo.nodes else dst
        return ping(self.net.ns(src), dst_ip, count=count, interval=interval, src=src, dst=dst)

    def iperf(self, src: str, dst: str, seconds: float = 4, window: int | None = None,
              omit: int = 1, port: int = 5299) -> IperfResult:
        """TCP goodput with the checker's own one-off server (on a port of its own, so a lab's
        long-running iperf3 server for the student stays free)."""
        return iperf(self.net.ns(src), self.net.ns(dst), self.net.ip(dst), seconds=seconds,
                     omit=omit, src=src, dst=dst, window=window, port=port)

    def serve(self, node: str, argv: list[str], port: int, timeout: float = 10) -> None:
        """Start a long-running server in a node for the whole run (ended at teardown) and
        wait until it listens on `port`."""
        proc = subprocess.Popen(self.net.exec_argv(node, argv), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        self.net.run.record_process(proc.pid, f"lab:{node}:{argv[0]}")
        deadline = time.monotonic() + timeout
        while not self.sh(node, ["ss", "-Hltn", f"sport = :{port}"]).stdout.strip():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise CheckFailure(f"{argv[0]} did not start listening on {node}:{port}")
            time.sleep(0.05)

    def traceroute(self, src: str, dst: str, max_hops: int = 8) -> list[Hop]:
        return traceroute(self.net.ns(src), self.net.ip(dst), max_hops=max_hops)

    def fail(self, element: str) -> None:
        """Take a node or a NODE-NODE link down, as the student's `fail` command does."""
        failures.fail(self.net, element)

    def restore_all(self) -> None:
        failures.restore_all(self.net)

    def serve_files(self, node: str, files: dict[str, bytes], port: int,
                    server_closes: bool = False) -> Path:
        """A small HTTP/1.1 file server (Python's, keep-alive) on a namespace node, serving
        `files` from a folder of the run (removed with it).  `server_closes`: HTTP/1.0, the
        server closing each connection first (its side then holds TIME-WAIT)."""
        www = Path(self.net.run.dir) / f"www-{node}-{port}"
        www.mkdir(exist_ok=True)
        for name, data in files.items():
            (www / name).write_bytes(data)
        script = Path(__file__).with_name("file_server.py")
        self.serve(node, ["/usr/bin/python3", str(script), str(port), str(www),
                          *(["close"] if server_closes else [])], port)
        return www

    def service(self, node: str, name: str) -> Any:
        for s in self.net.services:
            if s.node == node and s.name == name:
                return s
        raise CheckFailure(f"{node} runs no {name} service in this lab")

    # ----- the student's files -----------------------------------------------------------------
    def answers(self, name: str = "answers.yaml") -> dict[str, Any]:
        sf = self.submission[name]
        if not sf.ok:
            raise CheckFailure(sf.error or f"{name}: not handed in")
        if not isinstance(sf.data, dict):
            raise CheckFailure(f"{name}: expected key: value lines")
        return sf.data

    def answer(self, key: str, kind: type = float, name: str = "answers.yaml") -> Any:
        """One answer, converted to `kind`; missing or malformed → CheckFailure naming it."""
        data = self.answers(name)
        if key not in data or data[key] is None:
            raise CheckFailure(f"{name}: no answer for {key!r} — fill it in")
        value = data[key]
        try:
            if kind is float and isinstance(value, bool):
                raise ValueError
            return kind(value)
        except (TypeError, ValueError):
            raise CheckFailure(f"{name}: {key} = {value!r} is not a {kind.__name__}") from None
