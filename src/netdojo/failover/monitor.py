"""Watches HAProxy's runtime API from inside the load balancer's namespace (a TCP socket on
127.0.0.1 there, no docker exec per poll) and records every UP/DOWN change with its time.

Servers are told apart by their address, mapped to node names, so a hand-written config with
its own backend and server names is watched the same way; a node listed in several backends
counts as UP only while every entry is UP."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

from netdojo.net import netns
from netdojo.services.haproxy import API_PORT, parse_servers_state


@dataclass
class Transition:
    t: float  # wall clock
    server: str
    up: bool


class StateMonitor(threading.Thread):
    def __init__(self, ns: str, interval: float = 0.05, on_change=None,
                 names: dict[str, str] | None = None):
        super().__init__(daemon=True)
        self.names = names or {}  # server address → node name
        self.ns = ns
        self.interval = interval
        self.on_change = on_change
        self.transitions: list[Transition] = []
        self.errors = 0
        self._halt = threading.Event()
        self._last: dict[str, bool] = {}

    def query(self) -> str:
        with socket.create_connection(("127.0.0.1", API_PORT), timeout=1) as s:
            s.sendall(b"show servers state\n")
            chunks = []
            while data := s.recv(65536):
                chunks.append(data)
        return b"".join(chunks).decode()

    def run(self) -> None:
        with netns.entered(self.ns):  # this thread only: sockets made here live in the LB's ns
            while not self._halt.is_set():
                now = time.time()
                try:
                    states = parse_servers_state(self.query())
                except OSError:
                    self.errors += 1
                    states = []
                nodes: dict[str, bool] = {}
                for st in states:
                    node = self.names.get(st.address, st.server)
                    nodes[node] = nodes.get(node, True) and st.up
                for node, up in nodes.items():
                    if self._last.get(node) != up:
                        if node in self._last:
                            tr = Transition(now, node, up)
                            self.transitions.append(tr)
                            if self.on_change:
                                self.on_change(tr)
                        self._last[node] = up
                self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)
