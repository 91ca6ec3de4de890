"""Checks of the throughput-latency lab: the student's figures against the checker's own
measurements of the same path, and a transfer with the student's window."""

from __future__ import annotations

import math
import statistics

from netdojo.labs.checks import check, failed, passed, within_band

PING_PROBES = 20
IPERF_PROBES = 3  # transfers per round; a round's median is judged
IPERF_SECONDS = 2


def setup(ctx):
    # The student's iperf3 runs against this server; the checker uses its own one-off servers.
    ctx.serve("h2", ["iperf3", "-s", "-p", "5201"], port=5201)


def _rtts(ctx) -> list[float]:
    return ctx.ping("h1", "h2", count=PING_PROBES, interval=0.1).rtts_ms


def _rtt(ctx) -> float:
    return ctx.once("rtt", lambda: statistics.median(_rtts(ctx)))


def _goodputs(ctx, window: int | None = None) -> list[float]:
    return [ctx.iperf("h1", "h2", seconds=IPERF_SECONDS, window=window).goodput_mbps
            for _ in range(IPERF_PROBES)]


def _goodput(ctx) -> float:
    return ctx.once("goodput", lambda: statistics.median(_goodputs(ctx)))


def _bdp_bytes(ctx) -> float:
    """The pipe the checker sees: the configured bottleneck rate times the measured RTT."""
    return ctx.params["bw"] * 1e6 / 8 * _rtt(ctx) / 1000


@check(points=2, title="rtt_ms matches the round-trip time h1 -> h2",
       hint="`h1 ping -c 20 h2` and take the median (the middle value), not one probe.",
       needs=["answers.yaml"])
def rtt(ctx):
    answer = ctx.answer("rtt_ms")
    tol = 1 + 0.10 * answer
    res = within_band(lambda: _rtts(ctx), answer - tol, answer + tol)
    if res.ok:
        ctx.cache["rtt"] = res.median
        return passed(f"you said {answer:g} ms; {res.describe('ms')}", res.samples)
    return failed(f"you said {answer:g} ms; the checker measured {res.describe('ms')}",
                  res.samples)


@check(points=2, title="throughput_mbit matches the TCP throughput h1 -> h2",
       hint="`h1 iperf3 -c h2` (a server already runs on h2); the receiver's line is the "
            "throughput.  It is a little below the bottleneck's rate: headers cost bytes too.",
       needs=["answers.yaml"])
def throughput(ctx):
    answer = ctx.answer("throughput_mbit")
    res = within_band(lambda: _goodputs(ctx), answer * 0.85, answer * 1.15)
    ctx.cache["goodput"] = res.median
    if res.ok:
        return passed(f"you said {answer:g} Mbit/s; {res.describe('Mbit/s')}", res.samples)
    return failed(f"you said {answer:g} Mbit/s; the checker measured {res.describe('Mbit/s')} "
                  "(±15 %)", res.samples)


@check(points=2, title="bdp_bytes is the bandwidth-delay product of this path",
       hint="BDP = throughput (bit/s) x RTT (s), divided by 8 for bytes.  Watch the units: "
            "Mbit/s and milliseconds.", needs=["answers.yaml"])
def bdp(ctx):
    answer = ctx.answer("bdp_bytes")
    want = _goodput(ctx) * 1e6 / 8 * _rtt(ctx) / 1000
    if abs(answer - want) <= 0.20 * want:
        return passed(f"{answer:.0f} B; the checker's measurements give {want:.0f} B (±20 %)")
    return failed(f"{answer:.0f} B; the checker's measurements give {want:.0f} B (±20 %)")


@check(points=1, title="window_bytes is large enough to fill the pipe",
       hint="A sender may have at most one window in flight per round trip, so the window must "
            "be at least the BDP; a little more leaves room for the queue.",
       needs=["answers.yaml"])
def window(ctx):
    answer = ctx.answer("window_bytes")
    pipe = _bdp_bytes(ctx)
    if 0.9 * pipe <= answer <= 8 * pipe:
        return passed(f"{answer:.0f} B against a pipe of {pipe:.0f} B")
    why = "too small: the sender stalls waiting for ACKs" if answer < 0.9 * pipe else \
        "far larger than the pipe: it only fills the router's queue"
    return failed(f"{answer:.0f} B against a pipe of {pipe:.0f} B — {why}")


def _windowed(ctx) -> list[float]:
    return _goodputs(ctx, window=int(ctx.answer("window_bytes")))


@check(points=2, title="a transfer with your window reaches 90 % of the bottleneck",
       hint="Run `h1 iperf3 -c h2 -w <window_bytes>`; if it stays low, the window is smaller "
            "than the bandwidth-delay product.", needs=["answers.yaml"])
def transfer(ctx):
    w = int(ctx.answer("window_bytes"))
    if w <= 0:
        return failed("window_bytes must be a positive number of bytes")
    cap = ctx.params["bw"]
    res = ctx.once("windowed", lambda: within_band(lambda: _windowed(ctx), 0.9 * cap, math.inf))
    if res.ok:
        return passed(f"with -w {w}: {res.describe('Mbit/s')} (90 % of the "
                      "bottleneck)", res.samples)
    return failed(f"with -w {w}: {res.describe('Mbit/s')} — below 90 % of the bottleneck",
                  res.samples)


@check(points=1, title="transfer_mbit matches the transfer with your window", hidden=True,
       hint="Report what iperf3 -w <window_bytes> gave you.", needs=["answers.yaml"])
def transfer_reported(ctx):
    answer = ctx.answer("transfer_mbit")
    w = int(ctx.answer("window_bytes"))
    cap = ctx.params["bw"]
    res = ctx.once("windowed", lambda: within_band(lambda: _windowed(ctx), 0.9 * cap, math.inf))
    got = res.median or 0.0
    if abs(answer - got) <= 0.15 * max(got, 0.1):
        return passed(f"you said {answer:g} Mbit/s; with -w {w} the checker got {got:.2f}")
    return failed(f"you said {answer:g} Mbit/s; with -w {w} the checker got {got:.2f} (±15 %)")
