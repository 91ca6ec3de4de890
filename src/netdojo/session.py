"""A lab session: the network (build layer) plus its services, brought up together and torn
down together — on failure too, so a broken daemon config leaves nothing running."""

from __future__ import annotations

from netdojo.net import lifecycle
from netdojo.net.network import Network
from netdojo.services.runner import start_services
from netdojo.topo.model import Topology


def up(topo: Topology, shaper: str = "auto", detached: bool = False, log=None,
       builder: str = "netdojo") -> Network:
    net = lifecycle.up(topo, shaper, detached=detached, builder=builder)
    try:
        net.services = start_services(net, log=log)
    except BaseException:
        net.run.teardown()
        raise
    return net
