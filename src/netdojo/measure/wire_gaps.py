"""Where a page load's time goes, read from a capture at the client: how spread out a
server's answer arrives (a paced sender spaces its packets over part of a round trip; an
unpaced one sends them back to back, 0.1 ms apart at 100 Mbit/s), and how long each side
takes to answer the other beyond the path's round trip.  Pure: frames in, numbers out."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from netdojo.measure.pcap import Frame

FULL = 1000  # bytes of transport payload: a packet that carries data, not an ACK or a request
# Closing messages are smaller: TLS's close_notify (24 bytes), HTTP/2's GOAWAY, QUIC's
# CONNECTION_CLOSE and ACKs.  A client that sends close_notify may end with an RST after the
# server's own close_notify, so the close is told by size, not by the client's FIN alone.
CLOSING = 64


@dataclass
class Burst:
    first: float  # s, capture clock
    last: float
    packets: int
    median_gap_s: float

    @property
    def spread_s(self) -> float:
        return self.last - self.first


def arrivals(frames: list[Frame], client: str, min_payload: int = FULL) -> list[float]:
    """Times at which the client received packets carrying at least `min_payload` bytes."""
    return [f.time for f in frames
            if f.ip.get("dst") == client and f.payload_len >= min_payload]


def bursts(times: list[float], gap_s: float) -> list[Burst]:
    """Arrivals grouped into bursts: a new burst starts after a silence longer than `gap_s`
    (half a round trip separates one round's data from the next round's)."""
    out: list[Burst] = []
    group: list[float] = []
    for t in sorted(times):
        if group and t - group[-1] > gap_s:
            out.append(_burst(group))
            group = []
        group.append(t)
    if group:
        out.append(_burst(group))
    return out


def _burst(times: list[float]) -> Burst:
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    return Burst(times[0], times[-1], len(times), statistics.median(gaps) if gaps else 0.0)


@dataclass
class Turns:
    server_s: float  # beyond the round trip: the server's own time to answer, summed
    client_s: float  # the client's own time between an answer and its next message, summed
    answers: int  # client messages that the server answered
    wire_s: float  # from the client's first segment to the server's last data
    spread_s: float = 0.0  # first to last packet of each answer, summed (bytes at the rate,
    # and any pacing or work between the packets)


def turns(frames: list[Frame], client: str, rtt_s: float) -> Turns:
    """Exchanges seen at the client, up to the page's last data (the close is not the page's).
    TCP: only segments with payload count (pure ACKs do not answer anything), and SYN and
    SYN-ACK count as a message and its answer.  QUIC (UDP): the client's datagrams count when
    larger than `CLOSING` (its ACKs are encrypted, so size tells them), every one of the
    server's.  A server packet after a client one is an answer, its wait minus the round trip
    the server's time; server packets in a row are that answer's spread; a client packet after
    a server one is the client's turn.  What a loader times beyond `wire_s` happened before its
    first packet or after the last data: the client's own work off the wire (a socket, a TLS
    context, parsing)."""
    counted = [f for f in sorted(frames, key=lambda f: f.time)
               if (f.tcp is not None and (f.payload_len or "SYN" in f.tcp["flags"]))
               or (f.udp is not None and (f.payload_len > CLOSING or f.ip.get("src") != client))]
    last_data = max((f.time for f in counted if f.ip.get("dst") == client and f.payload_len),
                    default=None)
    end = _last_answer(frames, client, last_data)
    server = client_t = spread = 0.0
    answers = 0
    last_side, last_t = "", 0.0
    for f in counted:
        if end is not None and f.time > end:
            break
        side = "client" if f.ip.get("src") == client else "server"
        if side == "server" and last_side == "client":
            server += max(0.0, f.time - last_t - rtt_s)
            answers += 1
        elif side == "server" and last_side == "server":
            spread += f.time - last_t
        elif side == "client" and last_side == "server":
            client_t += f.time - last_t
        last_side, last_t = side, f.time
    first = counted[0].time if counted else None
    wire = end - first if first is not None and end is not None else 0.0
    return Turns(server, client_t, answers, wire, spread)


def _last_answer(frames: list[Frame], client: str, last_data: float | None) -> float | None:
    """When the load's last data arrived: the last server packet larger than a closing message,
    before the client's first FIN or RST over TCP (its last datagram over QUIC) — the close
    that follows is not the page's."""
    mine = [f for f in frames if f.ip.get("src") == client]
    closing = [f.time for f in mine if f.tcp and {"FIN", "RST"} & set(f.tcp["flags"])]
    cutoff = min(closing) if closing else (max(f.time for f in mine if f.udp) if any(
        f.udp for f in mine) else None)
    if cutoff is None:
        return last_data
    before = [f.time for f in frames if f.ip.get("dst") == client
              and f.payload_len > CLOSING and f.time < cutoff]
    return max(before) if before else last_data


def last_connection(frames: list[Frame], client: str) -> list[Frame]:
    """The frames of the connection that carried the last data (a 0-RTT load first makes an
    untimed visit for its ticket, from a port of its own)."""
    data = [f for f in frames if f.ip.get("dst") == client and f.payload_len]
    if not data:
        return frames
    port = (data[-1].tcp or data[-1].udp or {}).get("dport")
    return [f for f in frames
            if port in ((f.tcp or f.udp or {}).get("sport"), (f.tcp or f.udp or {}).get("dport"))]
