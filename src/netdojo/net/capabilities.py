"""What this host offers, found by trying it in a scratch namespace (never in the root one)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from netdojo.net import netns


@dataclass
class Capabilities:
    netem: bool = False
    htb: bool = False
    nfqueue: bool = False
    physdev: bool = False
    statistic: bool = False
    br_netfilter: bool = False
    docker: bool = False
    ovs: bool = False
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def userspace_shaper(self) -> bool:
        return self.htb and self.nfqueue and self.physdev and self.statistic and self.br_netfilter


def _ok(ns: str, *cmd: str) -> tuple[bool, str]:
    r = subprocess.run(["ip", "netns", "exec", ns, *cmd], capture_output=True, text=True)
    return r.returncode == 0, (r.stderr or r.stdout).strip()


_GIVEN: Capabilities | None = None


def use(caps: Capabilities | None) -> None:
    """Answer probe() with `caps`, found by this process's parent (a class grader probes the host
    once and its workers use that: a probe is a scratch namespace, a veth pair and five tc and
    iptables commands, 30 ms of CPU that every graded run paid).  None: probe again."""
    global _GIVEN
    _GIVEN = caps


def probe() -> Capabilities:
    if _GIVEN is not None:
        return _GIVEN
    caps = Capabilities()
    ns = f"ndprobe{secrets.token_hex(3)}"
    netns.create([ns])
    try:
        netns.ip_batch(["link add name pa type veth peer name pb"], netns=ns)
        caps.netem, caps.notes["netem"] = _ok(ns, "tc", "qdisc", "add", "dev", "pa", "root",
                                              "netem", "delay", "1ms")
        caps.htb, caps.notes["htb"] = _ok(ns, "tc", "qdisc", "add", "dev", "pb", "root",
                                          "handle", "1:", "htb")
        rules = [("nfqueue", ["-j", "NFQUEUE", "--queue-num", "9"]),
                 ("physdev", ["-m", "physdev", "--physdev-in", "pa", "-j", "ACCEPT"]),
                 ("statistic", ["-m", "statistic", "--mode", "random", "--probability", "0.5",
                                "-j", "DROP"])]
        for name, rule in rules:
            ok, msg = _ok(ns, "iptables", "-t", "raw", "-A", "PREROUTING", *rule)
            setattr(caps, name, ok)
            caps.notes[name] = msg
        with netns.entered(ns):
            caps.br_netfilter = Path("/proc/sys/net/bridge/bridge-nf-call-iptables").exists()
    finally:
        netns.delete([ns])
    caps.docker = _docker_answers()
    caps.ovs = Path("/sys/module/openvswitch").exists() and shutil.which("ovs-vsctl") is not None
    return caps


def _docker_answers() -> bool:
    path = "/var/run/docker.sock"
    if not os.path.exists(path):
        return False
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1)
            s.connect(path)
            s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            return b"OK" in s.recv(256)
    except OSError:
        return False
