"""Watches HAProxy's runtime API from inside the load balancer's namespace (a TCP socket on
127.0.0.1 there, no docker exec per poll) and records every UP/DOWN change with its time."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

from netdojo.build import netns
from netdojo.services.haproxy import API_PORT, parse_servers_state


@dataclass
class Transition:
    t: float  # wall clock
    server: str
    up: bool


class StateMonitor(threading.Thread):
    def __init__(self, ns: str, interval: float = 0.05, on_change=None):
        super().__init__(daemon=True)
        self.ns = ns
        self.interval = interval
        self.on_change = on_change
        self.transitions: list[Transition] = []
        self.errors = 0
        self._halt = threading.Event()
        self._last: dict[str, bool] = {}

    def query(self) -> str:
        with socket.create_connection(("127.0.0.1", API_PORT), timeout=1) as s:
            s.sendall(b"show servers state be_all\n")
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
                for st in states:
                    if self._last.get(st.server) != st.up:
                        if st.server in self._last:
                            tr = Transition(now, st.server, st.up)
                            self.transitions.append(tr)
                            if self.on_change:
                                self.on_change(tr)
                        self._last[st.server] = st.up
                self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)
