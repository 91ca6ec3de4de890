"""Faults on a backend, and their undoing: crash (container killed), hang (SIGSTOP of the
server: the pid it wrote and its worker children), 5xx (the server answers 503 to everything,
health included), cut (its cable pulled at the switch side, so it sees no carrier and nothing
reaches it)."""

from __future__ import annotations

import subprocess

from netdojo.errors import NetdojoError
from netdojo.net import containers, failures
from netdojo.net.network import Network


def _run(argv: list[str]) -> None:
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise NetdojoError(f"{' '.join(argv[:4])}…: {(r.stderr or r.stdout).strip()}")


class Faults:
    def __init__(self, net: Network):
        self.net = net

    def _in(self, node: str, script: str) -> None:
        _run(self.net.exec_argv(node, ["sh", "-c", script]))

    def inject(self, fault: str, node: str) -> None:
        if fault == "crash":
            if not self.net.topo.nodes[node].restartable:
                raise NetdojoError(f"{node} cannot crash and come back: give it `restartable: "
                                   "true` in the topology")
            containers.kill(self.net.run.container(node))
        elif fault == "hang":
            self._in(node, 'p=$(cat /run/web.pid); kill -STOP $p $(pgrep -P "$p")')
        elif fault == "5xx":
            self._in(node, "echo 5xx > /run/netdojo-fault")
        elif fault == "cut":
            failures.set_port(*self.net.far_end(node), "down")
        else:
            raise NetdojoError(f"unknown fault {fault!r}")

    def restore(self, fault: str, node: str) -> None:
        if fault == "crash":
            containers.restart(self.net.run.container(node))
            web = next(s for s in self.net.services if s.node == node and s.name == "http")
            web.restart()  # the server died with the container; its pid file did not
        elif fault == "hang":
            self._in(node, 'p=$(cat /run/web.pid); kill -CONT $(pgrep -P "$p") $p')
        elif fault == "5xx":
            self._in(node, "rm -f /run/netdojo-fault")
        elif fault == "cut":
            failures.set_port(*self.net.far_end(node), "up")
