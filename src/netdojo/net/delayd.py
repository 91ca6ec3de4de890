"""The userspace delay line: holds queued packets for their delay, then releases them in order.

Runs inside the run's wire namespace, where every shaped link is a two-port bridge.  iptables
there sends each direction of each link to its own NFQUEUE number (loss is dropped before, by
xt_statistic; rate is htb on the egress port after).  Packets are owned by no socket here, so
TCP Small Queues does not throttle the sender, and ping's receive stamp comes after the delay.

Jitter is uniform in ±jitter like netem's default, but release times never go backwards within
one direction (a real wire does not reorder), so one batch verdict per tick releases a prefix.

Usage: python -m netdojo.net.delayd CONFIG.json   (prints "ready" once every queue is bound)
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import select
import signal
import socket
import sys
import time
from collections import deque

from netdojo.net import nfqueue

PR_SET_TIMERSLACK = 29


class DelayLine:
    """Pure scheduling state for all queues; the I/O loop below feeds it."""

    def __init__(self, queues: dict[int, tuple[float, float]], overhead_s: float = 0.0,
                 seed: int | None = None):
        # queue -> (delay s, jitter s); overhead is subtracted for the time the kernel's
        # re-injection adds on its own, so the measured delay matches the configured one.
        self.params = queues
        self.overhead = overhead_s
        # How late this loop releases packets (wake-up and send), learned as it runs: a
        # loaded machine wakes us later, and the hold shrinks by as much.
        self.lateness = 0.0
        self.pending: dict[int, deque[tuple[float, int]]] = {q: deque() for q in queues}
        self.last: dict[int, float] = {q: 0.0 for q in queues}
        self.rng = random.Random(seed)

    def arrive(self, queue: int, packet_id: int, now: float) -> None:
        delay, jitter = self.params.get(queue, (0.0, 0.0))
        hold = (delay + (self.rng.uniform(-jitter, jitter) if jitter else 0.0) - self.overhead
                - self.lateness)
        due = max(now + max(hold, 0.0), self.last[queue])
        self.last[queue] = due
        self.pending[queue].append((due, packet_id))

    def due(self, now: float) -> list[tuple[int, int]]:
        """(queue, highest id to release) for every queue with packets whose time has come."""
        out = []
        for q, dq in self.pending.items():
            top = -1
            while dq and dq[0][0] <= now:
                due, top = dq.popleft()
                self.learn(now - due)
            if top >= 0:
                out.append((q, top))
        return out

    def learn(self, late: float) -> None:
        """Fold one release's lateness into the running estimate (bounded to 0..1 ms)."""
        # `due` already has the estimate taken off, so `late` is the loop's own lateness
        self.lateness += 0.05 * (min(max(late, 0.0), 0.001) - self.lateness)

    def next_due(self) -> float | None:
        heads = [dq[0][0] for dq in self.pending.values() if dq]
        return min(heads) if heads else None


def _open_socket() -> socket.socket:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, nfqueue.NETLINK_NETFILTER)
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE: bursts at 1 Gbit/s
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
    s.setsockopt(270, 5, 1)  # SOL_NETLINK, NETLINK_NO_ENOBUFS: never lose the socket on overrun
    s.bind((0, 0))
    return s


def _bind_all(s: socket.socket, queues: list[int]) -> None:
    seq = 1
    for q in queues:
        for msg in nfqueue.bind(q, seq):
            s.send(msg)
            while True:
                replies = list(nfqueue.parse(s.recv(65536)))
                acks = [r for r in replies if isinstance(r, nfqueue.Ack)]
                if acks:
                    if acks[0].error:
                        raise OSError(-acks[0].error, f"binding NFQUEUE {q}: "
                                      f"{os.strerror(-acks[0].error)}")
                    break
            seq += 1


def serve(config: dict) -> None:
    queues = {int(q): (v["delay_ms"] / 1000.0, v["jitter_ms"] / 1000.0)
              for q, v in config["queues"].items()}
    line = DelayLine(queues, config.get("overhead_us", 0) / 1e6)
    try:  # finer timer wake-ups than the default 50 µs slack
        ctypes.CDLL(None).prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    s = _open_socket()
    _bind_all(s, sorted(queues))
    s.setblocking(False)
    print("ready", flush=True)
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    clock = time.monotonic
    while True:
        nxt = line.next_due()
        timeout = None if nxt is None else max(0.0, nxt - clock())
        readable, _, _ = select.select([s], [], [], timeout)
        if readable:
            now = clock()
            # the kernel's receive stamp, where the skb has one, is the true arrival: the time
            # the packet spent reaching this loop is then part of its hold, not added to it
            to_mono = now - time.time()
            while True:
                try:
                    n = s.recv_into(buf)
                except BlockingIOError:
                    break
                for item in nfqueue.parse(view[:n]):
                    if isinstance(item, nfqueue.Packet):
                        t = now
                        if item.stamp:
                            t = min(now, max(now - 0.05, item.stamp + to_mono))
                        line.arrive(item.queue, item.packet_id, t)
        for q, top in line.due(clock()):
            s.send(nfqueue.verdict_batch(q, top))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        config = json.load(f)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(config)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
