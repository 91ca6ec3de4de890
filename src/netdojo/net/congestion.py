"""TCP congestion control, the lab's choice in every node, never the host's default.

A new network namespace inherits the host's default (BBR on this project's CI hosts), and the
kernel lets a namespace other than the host's choose as its own default only an algorithm of
`net.ipv4.tcp_allowed_congestion_control` — a host-wide setting ("reno bbr" there, so not
CUBIC), which netdojo must not touch.  A route, though, may name any available algorithm
(`ip route … congctl cubic`), and both ends of a connection take it from the route they use
(tcp_connect_init and tcp_ca_openreq_child).  So every route netdojo installs carries the
lab's algorithm, and the namespace default is set too where the kernel allows it, for routes
that come from elsewhere (a student's `ip route add`, a DHCP client's lease).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from netdojo.errors import BuildError
from netdojo.net import netns

AVAILABLE = Path("/proc/sys/net/ipv4/tcp_available_congestion_control")


def available() -> list[str]:
    return AVAILABLE.read_text().split()


def check_available(algo: str) -> None:
    have = available()
    if algo not in have:
        raise BuildError(f"TCP congestion control {algo!r} is not available in this kernel "
                         f"(it has {', '.join(have)}); choose one of those with tcp: "
                         "{congestion: …}")


def try_default(algo: str) -> None:
    """Make `algo` the current namespace's default where the kernel allows (routes that come
    from elsewhere then get it too); the routes netdojo makes carry it in any case."""
    try:
        netns.write_sysctl("net.ipv4.tcp_congestion_control", algo)
    except OSError:  # EPERM: not in tcp_allowed_congestion_control; the routes carry it
        pass


def connected_lines(addresses: list[tuple[str, object]], algo: str) -> list[str]:
    """`ip -batch` lines that put `algo` back on a node's connected routes: the kernel re-adds
    them without it when an interface comes back up (a restored link)."""
    return [f"route replace {ip.network} dev {ifname} proto kernel scope link src {ip.ip} "
            f"congctl {algo}" for ifname, ip in addresses]


def local_lines(addresses: list[tuple[str, object]], algo: str) -> list[str]:
    """`ip -batch` lines that put `algo` on the local table's routes, the ones a connection to
    the node's own addresses (127.0.0.1 included) follows."""
    own = [(str(ip.ip), ifname) for ifname, ip in addresses] + [("127.0.0.1", "lo")]
    return ([f"route replace local 127.0.0.0/8 dev lo table local proto kernel scope host "
             f"src 127.0.0.1 congctl {algo}"]
            + [f"route replace local {ip} dev {dev} table local proto kernel scope host "
               f"src {ip} congctl {algo}" for ip, dev in own])


def in_force(ns: str, dst_ip: str) -> str:
    """The algorithm a TCP connection from namespace `ns` to `dst_ip` starts with: the route's,
    else the namespace default — read from the kernel, not from the lab file."""
    out = subprocess.run(["ip", "-n", ns, "route", "get", dst_ip], capture_output=True,
                         text=True).stdout.split()
    if "congctl" in out and out.index("congctl") + 1 < len(out):
        return out[out.index("congctl") + 1]
    return netns.congestion(ns)
