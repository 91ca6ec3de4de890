"""Dumbbell: two LANs joined by one slow link — the classic bottleneck.

    netdojo up topologies/dumbbell.py     (or: netdojo up dumbbell)

Every flow from the left to the right shares r1 -- r2; its queue is where delay builds up.
"""

from netdojo.topo import Topology


def topology(pairs: int = 3, bottleneck_mbps: float = 20, delay_ms: float = 10) -> Topology:
    t = Topology("dumbbell")
    t.add_switch("sl").add_switch("sr").add_router("r1").add_router("r2")
    t.add_link("r1", "sl", profile="lan").add_link("r2", "sr", profile="lan")
    t.add_link("r1", "r2", bw=bottleneck_mbps, delay=delay_ms, queue=50)
    for i in range(1, pairs + 1):
        t.add_host(f"left{i}").add_link(f"left{i}", "sl", profile="lan")
        t.add_host(f"right{i}").add_link(f"right{i}", "sr", profile="lan")
    return t
