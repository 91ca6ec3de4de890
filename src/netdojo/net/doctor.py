"""`netdojo doctor`: what the host offers, which backend each feature will use, how to fix."""

from __future__ import annotations

import shutil
from pathlib import Path

from netdojo.net import congestion, images, netns
from netdojo.net.capabilities import probe


def report() -> str:
    c = probe()
    rows = [
        ("sch_netem", c.netem, "delay/jitter/loss in the kernel (TCLink style)",
         "load sch_netem (modprobe sch_netem) or use a stock distro kernel; "
         "the userspace shaper covers for it"),
        ("sch_htb", c.htb, "link rate (bw)", "enable CONFIG_NET_SCH_HTB"),
        ("NFQUEUE target", c.nfqueue, "userspace delay line", "enable CONFIG_NETFILTER_XT_TARGET_NFQUEUE"),
        ("xt_physdev", c.physdev, "per-port rules on wire bridges",
         "enable CONFIG_NETFILTER_XT_MATCH_PHYSDEV"),
        ("xt_statistic", c.statistic, "userspace loss", "enable CONFIG_NETFILTER_XT_MATCH_STATISTIC"),
        ("br_netfilter", c.br_netfilter, "iptables sees bridged frames", "modprobe br_netfilter"),
        ("Docker engine", c.docker, "container nodes",
         "scripts/install-docker.sh (installs docker.io, starts dockerd)"),
        ("Open vSwitch", c.ovs, "not needed: switches are Linux bridges in namespaces",
         "apt-get install openvswitch-switch (optional)"),
    ]
    lines = ["feature          present  used for / fix"]
    for name, ok, use, fix in rows:
        lines.append(f"{name:16} {'yes' if ok else 'NO ':7}  {use}" + ("" if ok else f"\n{'':26}fix: {fix}"))
    shaper = "netem" if c.netem else "userspace" if c.userspace_shaper else "none (links unshaped)"
    lines.append("")
    lines.append(f"link shaper (--shaper auto): {shaper}")
    lines.append("switches: Linux bridges, each in its own namespace (works with dockerd's "
                 "FORWARD DROP; root namespace untouched)")
    try:
        import mininet.net  # noqa: F401

        mn = "available (--builder mininet: " + ("rate, delay, jitter, loss" if c.netem
                                                 else "rate only: no netem") + ")"
    except ImportError:
        mn = "missing (apt-get install mininet, or run scripts/install.sh)"
    lines.append(f"builders: netdojo (default, netlink); Mininet {mn}")
    if c.docker:
        have = images.exists(images.NODE_IMAGE)
        lines.append(f"container nodes: Docker engine answers; {images.NODE_IMAGE} "
                     + ("is built" if have else "is missing: netdojo images build"))
    else:
        lines.append("container nodes: no Docker engine (scripts/install-docker.sh)")
    allowed = Path("/proc/sys/net/ipv4/tcp_allowed_congestion_control").read_text().split()
    lines.append(f"TCP congestion control: this host's default is {netns.congestion()} "
                 f"(available: {', '.join(congestion.available())}; a namespace may make its "
                 f"default only {', '.join(allowed)}); every lab route carries the lab's own, "
                 "cubic unless the lab says otherwise (tcp: {congestion: …})")
    for tool in ("ip", "tc", "iptables", "ping", "iperf3", "traceroute", "tcpdump", "mnexec",
                 "dig", "curl"):
        if not shutil.which(tool):
            lines.append(f"missing tool: {tool} (run scripts/install.sh)")
    return "\n".join(lines)
