"""A run's Wi-Fi: a mac80211_hwsim radio in every node with `wifi:`, the APs' bridges, the
stations' addresses, and the channel's airtime as one shaper for both directions.

What the emulation is, and is not: hwsim delivers every frame to every radio of the run on the
same channel at once, without airtime — no contention, no CSMA/CA back-off, no collisions.  A
real channel carries one frame at a time whichever way it goes (half duplex), and its stations
take turns (CSMA/CA), so they share its rate.  That sharing is what the labs measure, and it is
made here by one queue per AP for all of the radio's traffic, in and out: the radio's ingress
and egress are both redirected into one ifb device whose single htb class has the channel's
rate, with sfq beneath it so the flows get equal turns (as CSMA/CA gives stations roughly equal
chances to send).  A wired veth in the same run keeps a separate shaper per direction (full
duplex): the contrast the labs show with `iperf3 --bidir`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdojo.errors import BuildError
from netdojo.net import hwsim, netns

if TYPE_CHECKING:
    from netdojo.net.network import Network

WLAN = "wlan0"
BRIDGE = "br0"  # an AP's bridge: its wired port and (hostapd adds it) its radio
IFB = "air0"


def nodes(net: Network) -> dict[str, dict]:
    return {n: node.wifi for n, node in net.topo.nodes.items() if node.wifi}


def air_ns(net: Network) -> str:
    """The namespace the run's radios are made in: their netgroup, heard only by each other."""
    return net.run.air_ns


def airtime_lines(rate_mbit: float) -> list[list[str]]:
    """The tc commands that make one shared queue of `rate_mbit` for both directions of the
    AP's radio (pure: tested without a kernel)."""
    rate = f"{rate_mbit * 1000:.0f}kbit"
    # a burst of a few frames: htb's default for a low rate is one MTU, which under a slow
    # (emulated) CPU's timer makes the rate fall short
    redirect = ["u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect",
                "dev", IFB]
    return [
        ["tc", "qdisc", "add", "dev", IFB, "root", "handle", "1:", "htb", "default", "1"],
        ["tc", "class", "add", "dev", IFB, "parent", "1:", "classid", "1:1", "htb", "rate",
         rate, "burst", "15k"],
        ["tc", "qdisc", "add", "dev", IFB, "parent", "1:1", "handle", "10:", "sfq",
         "perturb", "10"],
        ["tc", "qdisc", "add", "dev", WLAN, "clsact"],
        ["tc", "filter", "add", "dev", WLAN, "ingress", "protocol", "all", *redirect],
        ["tc", "filter", "add", "dev", WLAN, "egress", "protocol", "all", *redirect],
    ]


def require_radios(net: Network) -> None:
    """One clear line, before anything is built, where a topology has radios and the kernel
    has no mac80211_hwsim (many hosts, every container): where it runs, and how to get there."""
    if nodes(net) and not hwsim.available():
        raise BuildError(f"{net.topo.name} needs Wi-Fi radios (the kernel's mac80211_hwsim), "
                         "which this kernel lacks: run it in the lab VM — netdojo vm up, then "
                         "the same command after `netdojo vm run --`, e.g. netdojo vm run -- "
                         f"lab check {net.topo.name} --dir YOUR_FOLDER (docs/vm/README.md)")


def _run(net: Network, node: str, argv: list[str]) -> None:
    r = netns.run_in(net.ns(node), argv, timeout=30)
    if r.returncode != 0:
        raise BuildError(f"wifi on {node}: `{' '.join(argv)}`: {(r.stderr or r.stdout).strip()}")


def wired_port(net: Network, node: str) -> str:
    ports = [lk.endpoint(node).ifname for lk in net.topo.links if node in (lk.a.node, lk.b.node)]
    if len(ports) != 1:
        raise BuildError(f"wifi AP {node} needs exactly one wired link (its uplink), has "
                         f"{len(ports)}")
    return ports[0]  # type: ignore[return-value]


def build(net: Network, log=None) -> None:
    """Radios made in the air namespace and moved into their nodes; each AP's wired port put
    in its bridge (an AP works at layer 2: the port's planned address is dropped); each
    station's address on its radio."""
    want = nodes(net)
    if not want:
        return
    air = air_ns(net)
    for node in want:
        name = net.ns(node)
        hwsim.new_radio(air, name)
        hwsim.move_radio(name, air, name, WLAN)
    for node, w in want.items():
        if w["role"] == "ap":
            port = wired_port(net, node)
            for argv in (["ip", "link", "add", BRIDGE, "type", "bridge"],
                         ["ip", "addr", "flush", "dev", port],
                         ["ip", "link", "set", port, "master", BRIDGE],
                         ["ip", "link", "set", BRIDGE, "up"]):
                _run(net, node, argv)
            if "airtime" in w:
                _run(net, node, ["ip", "link", "add", IFB, "type", "ifb"])
                _run(net, node, ["ip", "link", "set", IFB, "up"])
                for argv in airtime_lines(w["airtime"]):
                    _run(net, node, argv)
        else:
            _run(net, node, ["ip", "addr", "add", w["ip"], "dev", WLAN])
            _run(net, node, ["ip", "link", "set", "lo", "up"])
    if log:
        log(f"wifi: {len(want)} mac80211_hwsim radios ({', '.join(want)})")
