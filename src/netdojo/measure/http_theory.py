"""What the textbook says a page load costs, version by version, in round trips and bytes.

A page is one HTML document that links N objects.  R is the round-trip time.  The counts
assume what the chapter assumes: the client knows the server's address (no DNS), every request
fits in one packet, the server answers at once, and nothing is lost.  Round trips:

    HTTP/1.0           a new TCP connection per document and object:      2(N+1) R
    HTTP/1.1           one keep-alive connection, objects in turn:         (N+2) R
    HTTP/1.1, k conns  the page on one connection, then k connections
                       (k-1 new ones cost one R, in parallel) in turn:     3R + ceil(N/k) R
    HTTP/2             one connection, the objects multiplexed:            3R
    HTTP/2, push       the objects pushed with the page, unasked:          2R
    HTTP/3 (QUIC)      transport and TLS 1.3 handshakes in one R:          3R (2R with 0-RTT)
    TLS                TLS 1.3 adds 1R to every TCP connection (TLS 1.2: 2R); HTTP/3's is
                       already inside its 3R, which is why it is one R faster than HTTP/2
                       over TLS 1.3.

On top of the round trips comes the time to push the bytes through the bottleneck (total
bytes × 8 / rate) and, for an object larger than TCP's first window, slow start's extra round
trips: a new connection sends 10 segments in its first round trip (RFC 6928) and doubles each
round after it.  A window grows only in rounds that fill it (RFC 7661; Linux and aioquic
alike): the handshake and the HTML round carry a few small packets, so on HTTP/2 and HTTP/3 the
multiplexed objects start again from 10 segments.  Captured at R = 100 ms with 10 objects of
10 KB (benchmarks/results/http_versions.md): 10, 20, 40 and 4 segments in four rounds after the
requests, on TCP and on QUIC — one round more than a window grown by the HTML would need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

VERSIONS = ("http1.0", "http1.1", "http1.1-parallel", "http2", "http2-push", "http3",
            "http3-0rtt")
MSS = 1448  # bytes of payload per segment with timestamps on a 1500-byte MTU
INITIAL_WINDOW = 10  # segments (RFC 6928)


@dataclass(frozen=True)
class Page:
    objects: int  # N
    page_bytes: int = 2_000
    object_bytes: int = 10_240

    @property
    def total_bytes(self) -> int:
        return self.page_bytes + self.objects * self.object_bytes


@dataclass(frozen=True)
class Expectation:
    version: str
    rtts: float  # round trips, handshakes included
    connections: int
    transfer_s: float  # bytes at the bottleneck's rate
    slow_start_rtts: float  # extra round trips for windows that have to grow

    def seconds(self, rtt_s: float) -> float:
        return (self.rtts + self.slow_start_rtts) * rtt_s + self.transfer_s


def tls_rtts(tls: str | None) -> int:
    """Round trips a TLS handshake adds to a TCP connection."""
    if tls in (None, "", "none"):
        return 0
    if tls in ("1.3", "tls1.3"):
        return 1
    if tls in ("1.2", "tls1.2"):
        return 2
    raise ValueError(f"TLS version {tls!r}: 1.2, 1.3 or none")


def slow_start_rounds(nbytes: int) -> int:
    """Round trips a fresh TCP (or QUIC) connection needs to deliver `nbytes`, beyond the
    first: 10, 20, 40 … segments per round."""
    segments = math.ceil(max(nbytes, 1) / MSS)
    rounds, window, sent = 1, INITIAL_WINDOW, INITIAL_WINDOW
    while sent < segments:
        window *= 2
        sent += window
        rounds += 1
    return rounds - 1


def expect(version: str, page: Page, tls: str | None = None, parallel: int = 6,
           rate_mbps: float | None = None, zero_rtt: bool = False) -> Expectation:
    """The textbook's load time of `page` for one HTTP version (see the module's table)."""
    if version == "http3-0rtt":  # the loader's name for HTTP/3 resuming with 0-RTT
        version, zero_rtt = "http3", True
    n = page.objects
    t = tls_rtts(tls)
    transfer = page.total_bytes * 8 / (rate_mbps * 1e6) if rate_mbps else 0.0
    if version == "http1.0":
        conns = n + 1
        rtts = conns * (2 + t)
        extra = slow_start_rounds(page.page_bytes) + n * slow_start_rounds(page.object_bytes)
    elif version == "http1.1":
        conns = 1
        rtts = n + 2 + t
        # one connection's window keeps growing: the objects share the page's slow start
        extra = max(0, slow_start_rounds(page.total_bytes) - n)
    elif version == "http1.1-parallel":
        k = max(1, min(parallel, n))
        conns = k if n else 1
        rtts = 2 + t + (1 + t if k > 1 else 0) + math.ceil(n / k)
        per = math.ceil(n / k) if n else 0
        extra = slow_start_rounds(page.page_bytes) + max(
            0, slow_start_rounds(per * page.object_bytes) - max(0, per - 1))
    elif version == "http2-push":
        conns = 1
        rtts = 2 + t
        # page and objects leave in one flight from a fresh window
        extra = slow_start_rounds(page.total_bytes)
    elif version in ("http2", "http3"):
        conns = 1
        if version == "http2":
            rtts = 3 + t
        else:
            rtts = 2 if zero_rtt else 3  # QUIC's handshake carries TLS 1.3; 0-RTT skips it
        # the objects' first round is in the count; the window starts again from 10 segments
        # for them (the HTML round did not fill it, so it did not grow)
        extra = slow_start_rounds(n * page.object_bytes)
    else:
        raise ValueError(f"unknown version {version!r} (known: {', '.join(VERSIONS)})")
    return Expectation(version, float(rtts), conns, transfer, float(extra))


def within(measured_s: float, expected_s: float, tolerance: float = 0.15) -> bool:
    """The teaching-fidelity band: measured within ±15 % of the theory."""
    return abs(measured_s - expected_s) <= tolerance * expected_s
