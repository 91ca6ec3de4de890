"""Which ports a node's network namespace listens on, read from the host without starting a
process: /proc/PID/net/{tcp,udp}{,6} list every socket of the namespace PID lives in.

A readiness poll asks this first (a daemon that has not bound its port is not ready) and only
then runs the real client (dig, curl) — each `nsenter … dig` costs ~15 ms of CPU, and a lab
starting four daemons polls every 0.1 s; on a machine grading two labs at once that CPU is
taken from the other lab (issue 18.4)."""

from __future__ import annotations

from pathlib import Path

TCP_LISTEN = "0A"
UDP_UNCONNECTED = "07"  # a bound UDP socket with no peer: what `ss -lu` lists


def ports_in_table(text: str, state: str) -> set[int]:
    """The local ports of the sockets in `state` in a /proc/net/{tcp,udp}[6] table."""
    ports = set()
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[3] == state:
            _, _, port = fields[1].rpartition(":")
            try:
                ports.add(int(port, 16))
            except ValueError:
                continue
    return ports


def listening(pid: int, port: int, udp: bool = False) -> bool | None:
    """Whether PID's network namespace has a listening TCP socket (or a bound, unconnected UDP
    socket) on `port`; None when its tables cannot be read (the process is gone)."""
    proto, state = ("udp", UDP_UNCONNECTED) if udp else ("tcp", TCP_LISTEN)
    found = None
    for v6 in ("", "6"):  # no udp6 table where IPv6 is off
        try:
            text = Path(f"/proc/{pid}/net/{proto}{v6}").read_text()
        except OSError:
            continue
        found = found or port in ports_in_table(text, state)
    return found
