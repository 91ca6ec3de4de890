"""A lab session: the network (build layer) plus its services, brought up together and torn
down together — on failure too, so a broken daemon config leaves nothing running.

`Session` is the object a caller holds for one running lab (the web console, the shell):

    with Session.start(topology) as s:
        s.node("h1").run(["ping", "-c", "1", "h2"])
        s.link("r1-r2").cut(); s.link("r1-r2").restore()

`Session.attach(run_id)` gives the same object over a run that another command started; it
does not own that run, so leaving it tears nothing down.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netdojo.errors import NetdojoError
from netdojo.measure.capture import CaptureResult, capture
from netdojo.net import failures, lifecycle, runs
from netdojo.net.network import Network
from netdojo.services.base import Service
from netdojo.services.startup import GivenFiles, plan, start_services
from netdojo.topo.model import Topology


def up(topo: Topology, shaper: str = "auto", detached: bool = False, log=None,
       builder: str = "netdojo", given: GivenFiles | None = None) -> Network:
    """Build the network, then start its services; `given(net)`, once the network stands,
    returns people's own files for services to start on (services/startup.GivenFiles)."""
    net = lifecycle.up(topo, shaper, detached=detached, builder=builder)
    try:
        net.services = start_services(net, log=log, given=given)
    except BaseException:
        net.run.teardown()
        raise
    return net


@dataclass
class NodeHandle:
    """One node of a running lab: run a command in it, as `netdojo exec` does."""

    net: Network
    name: str

    @property
    def kind(self) -> str:
        return self.net.topo.nodes[self.name].kind

    def argv(self, cmd: list[str], interactive: bool = False) -> list[str]:
        return self.net.exec_argv(self.name, cmd, interactive)

    def run(self, cmd: list[str], timeout: float = 30, input: str | None = None
            ) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(cmd), input=input, capture_output=True, text=True,
                              timeout=timeout)


@dataclass
class LinkHandle:
    """One link (`a-b`) or node of a running lab, as the failure commands name them."""

    net: Network
    name: str

    def cut(self) -> None:
        failures.fail(self.net, self.name)

    def restore(self) -> None:
        failures.restore(self.net, self.name)

    @property
    def is_cut(self) -> bool:
        return failures.element(self.net, self.name).name in failures.failed(self.net)


class Session:
    """One running lab: its network, its services, and how to reach into both."""

    def __init__(self, net: Network, owned: bool):
        self.net = net
        self.owned = owned  # only the session that built a run tears it down
        self._services: list[Service] | None = net.services or None

    # ----- how a session comes to be ----------------------------------------------------------
    @classmethod
    def start(cls, topo: Topology, shaper: str = "auto", builder: str = "netdojo",
              detached: bool = False, log=None,
              given: GivenFiles | None = None) -> Session:
        return cls(up(topo, shaper, detached=detached, log=log, builder=builder, given=given),
                   owned=True)

    @classmethod
    def attach(cls, run_id: str | None = None) -> Session:
        """A run that is up already (`netdojo up --detach`, `lab start`), by id or the only one."""
        return cls(Network.attach(runs.pick(run_id)), owned=False)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.teardown()

    # ----- what it offers ---------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return self.net.run.id

    @property
    def topology(self) -> Topology:
        return self.net.topo

    def node(self, name: str) -> NodeHandle:
        if name not in self.net.topo.nodes:
            raise NetdojoError(f"no node {name!r} in this lab (nodes: "
                               f"{', '.join(sorted(self.net.topo.nodes))})")
        return NodeHandle(self.net, name)

    def link(self, name: str) -> LinkHandle:
        failures.element(self.net, name)  # names it or says what exists
        return LinkHandle(self.net, name)

    def failed(self) -> list[str]:
        return failures.failed(self.net)

    def services(self) -> list[Service]:
        """The lab's services (started by this session, or planned again for an attached run:
        the objects only read the daemons' state, they start nothing)."""
        if self._services is None:
            self._services = plan(self.net)
        return self._services

    def service(self, node: str, kind: str) -> Service:
        for s in self.services():
            if s.node == node and s.name == kind:
                return s
        raise NetdojoError(f"no {kind} service on {node}")

    def capture(self, node: str, ifname: str, out: Path, seconds: float | None = None,
                count: int | None = None, bpf: str | None = None) -> CaptureResult:
        return capture(self.net.ns(node), ifname, out, count=count, seconds=seconds, bpf=bpf)

    def teardown(self) -> None:
        if self.owned:
            self.net.run.teardown()
            self.owned = False
