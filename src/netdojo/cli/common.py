"""What several commands share: the root check and teardown on every way a command can end."""

from __future__ import annotations

import os

from netdojo.errors import NetdojoError
from netdojo.interrupts import tear_down_on_signals
from netdojo.net import runs
from netdojo.net.network import Network

__all__ = ["attach", "need_root", "tear_down_on_signals"]


def need_root() -> None:
    if os.geteuid() != 0:
        raise NetdojoError("this command builds network namespaces: run it as root")


def attach(run_id: str | None, *nodes: str) -> Network:
    """The running network a command means (reaping dead runs first), with its nodes checked."""
    need_root()
    runs.reap()
    net = Network.attach(runs.pick(run_id))
    for node in nodes:
        if node not in net.topo.nodes:
            raise NetdojoError(f"run {net.run.id} has no node {node!r} "
                               f"(nodes: {', '.join(net.topo.nodes)})")
    return net
