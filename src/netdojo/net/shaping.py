"""Turning link parameters into kernel configuration, with netem or with the userspace line.

netem: htb (rate) + netem (delay, jitter, loss, limit) on each end's egress, as Mininet's
TCLink does.  userspace: the link runs through a two-port bridge in the run's wire namespace;
iptables there drops for loss (xt_statistic) and queues for delay (NFQUEUE → delayd), and htb
on the bridge's egress port sets the rate.  Both give each direction the same parameters.
"""

from __future__ import annotations

from netdojo.errors import NetdojoError
from netdojo.topo.model import LinkParams

SHAPERS = ("auto", "netem", "userspace")
# Time the kernel round trip through NFQUEUE and this loop's wake-up add on their own, per
# direction; subtracted from the hold so measured delay matches configured (benchmarks/).
DELAYD_OVERHEAD_US = 10


def choose(requested: str, caps) -> str:
    if requested not in SHAPERS:
        raise NetdojoError(f"unknown shaper {requested!r} (choose {', '.join(SHAPERS)})")
    if requested == "netem":
        if not caps.netem:
            raise NetdojoError("--shaper netem: this kernel has no sch_netem "
                               f"({caps.notes.get('netem', '')}); use --shaper userspace")
        return "netem"
    if requested == "userspace":
        if not caps.userspace_shaper:
            raise NetdojoError("--shaper userspace needs htb, NFQUEUE, physdev, statistic and "
                               "br_netfilter; run `netdojo doctor` to see which is missing")
        return "userspace"
    if caps.netem:
        return "netem"
    if caps.userspace_shaper:
        return "userspace"
    raise NetdojoError("this kernel can shape links neither with netem nor in userspace; "
                       "run `netdojo doctor`")


def _rate(bw: float) -> str:
    return f"{bw * 1000:.0f}kbit"


def _burst(bw: float) -> str:
    # enough bytes for ~1 ms at the rate (GSO bursts at high rates), never below 2 frames
    return f"{max(3028, int(bw * 1e6 / 8 / 1000))}b"


def netem_lines(dev: str, p: LinkParams) -> list[str]:
    """`tc -batch` lines shaping one interface's egress with htb + netem."""
    netem = []
    if p.delay or p.jitter:
        netem += ["delay", f"{p.delay}ms"] + ([f"{p.jitter}ms"] if p.jitter else [])
    if p.loss:
        netem += ["loss", f"{p.loss}%"]
    netem += ["limit", str(p.queue or 1000)]
    lines = []
    if p.bw:
        lines += [f"qdisc add dev {dev} root handle 1: htb default 1",
                  f"class add dev {dev} parent 1: classid 1:1 htb rate {_rate(p.bw)} "
                  f"burst {_burst(p.bw)}",
                  f"qdisc add dev {dev} parent 1:1 handle 10: netem {' '.join(netem)}"]
    else:
        lines.append(f"qdisc add dev {dev} root handle 10: netem {' '.join(netem)}")
    return lines


def rate_lines(dev: str, p: LinkParams) -> list[str]:
    """`tc -batch` lines for the wire's egress port: htb for rate, pfifo for the queue."""
    limit = p.queue or 1000
    if p.bw:
        return [f"qdisc add dev {dev} root handle 1: htb default 1",
                f"class add dev {dev} parent 1: classid 1:1 htb rate {_rate(p.bw)} "
                f"burst {_burst(p.bw)}",
                f"qdisc add dev {dev} parent 1:1 handle 10: pfifo limit {limit}"]
    if p.queue:
        return [f"qdisc add dev {dev} root handle 10: pfifo limit {limit}"]
    return []


def wire_rules(port_in: str, queue: int, p: LinkParams) -> list[str]:
    """iptables-restore lines (raw table) for one direction of one wire."""
    rules = []
    if p.loss:
        rules.append(f"-A PREROUTING -m physdev --physdev-in {port_in} -m statistic "
                     f"--mode random --probability {p.loss / 100:.6f} -j DROP")
    if p.delay or p.jitter:
        rules.append(f"-A PREROUTING -m physdev --physdev-in {port_in} "
                     f"-j NFQUEUE --queue-num {queue}")
    return rules
