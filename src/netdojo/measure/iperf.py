"""iperf3 (JSON) → goodput and retransmits.  The server is a one-off, ended by its pid."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass

from netdojo.errors import NetdojoError
from netdojo.net import netns


@dataclass
class IperfResult:
    src: str
    dst: str
    seconds: float
    goodput_mbps: float  # what the receiver got
    sent_mbps: float
    retransmits: int


def parse_iperf(text: str, src: str = "", dst: str = "") -> IperfResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise NetdojoError(f"iperf3 gave no JSON: {text.strip()[:200]}") from None
    if "error" in data:
        raise NetdojoError(f"iperf3: {data['error']}")
    end = data["end"]
    recv, sent = end["sum_received"], end["sum_sent"]
    return IperfResult(src, dst, recv["seconds"], recv["bits_per_second"] / 1e6,
                       sent["bits_per_second"] / 1e6, int(sent.get("retransmits", 0)))


def _listening(ns: str, port: int) -> bool:
    r = netns.run_in(ns, ["ss", "-Hltn", f"sport = :{port}"])
    return bool(r.stdout.strip())


def iperf(src_ns: str, dst_ns: str, dst_ip: str, seconds: float = 5, port: int = 5201,
          omit: int = 1, src: str = "", dst: str = "", window: int | None = None,
          congestion: str | None = None) -> IperfResult:
    """TCP goodput src → dst.  `omit` drops slow-start seconds, as iperf3 -O does; `window`
    (bytes) sets both ends' socket buffers, as iperf3 -w does, which caps TCP's window;
    `congestion` sets the sender's algorithm for this transfer only (iperf3 -C)."""
    server = netns.popen_in(dst_ns, ["iperf3", "-s", "-1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while not _listening(dst_ns, port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise NetdojoError(f"iperf3 server in {dst} did not start listening")
            time.sleep(0.02)
        argv = ["iperf3", "-c", dst_ip, "-p", str(port), "-J", "-t", str(seconds), "-O", str(omit)]
        if window:
            argv += ["-w", str(int(window))]
        if congestion:
            argv += ["-C", congestion]
        r = netns.run_in(src_ns, argv, timeout=seconds + omit + 30)
        return parse_iperf(r.stdout, src, dst)
    finally:
        if server.poll() is None:
            server.terminate()
        try:
            server.wait(timeout=3)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
