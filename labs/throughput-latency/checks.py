"""Checks of the throughput-latency lab: the student's figures against the checker's own
measurements of the same path, and a transfer that a window smaller than the pipe holds back.

Every student's path is their own: its bandwidth-delay product is drawn log-uniformly from
25 kB to 950 kB and its RTT from 10 to 160 ms (so the rate falls between 1 and 60 Mbit/s), and
the bands are a few per cent wide, so the class's usual answer is rarely anybody else's
(issue 17.4: benchmarks/results/free_points.md)."""

from __future__ import annotations

import statistics

from netdojo.labs.checks import check, failed, passed, within_band

PING_PROBES = 20
IPERF_PROBES = 3  # transfers per round; a round's median is judged
IPERF_SECONDS = 2
PIPE = (25_000, 950_000)  # bytes in flight on the student's path
# part 4's buffer: from 11 full segments (fewer and window ÷ RTT steps by whole segments) to
# just under 212,992 bytes, Debian's net.core.rmem_max, which caps `iperf3 -w` in the lab VM
WINDOW = (16_000, 190_000)
RTT = (10.0, 160.0)  # ms
RATE = (1.0, 60.0)  # Mbit/s
# `iperf3 -w W` gives a window of about W (the kernel doubles the buffer and keeps part of it
# for itself): measured 1.1 to 1.4 × W on 6.18, about W where tcp_adv_win_scale halves it
LAW = (0.8, 1.6)


def _log_between(lo: float, hi: float, u: int) -> float:
    return lo * (hi / lo) ** (u / 1000)


def derive(v: dict) -> dict:
    """The path's rate and delay from the student's draws: the pipe first (log-uniform where
    share × pipe is a usable buffer), then an RTT that keeps the rate in RATE."""
    f = v["share"] / 100
    pipe = _log_between(max(PIPE[0], WINDOW[0] / f), min(PIPE[1], WINDOW[1] / f), v["pipe_u"])
    rtt = _log_between(max(RTT[0], pipe * 8 / (RATE[1] * 1e3)),
                       min(RTT[1], pipe * 8 / (RATE[0] * 1e3)), v["rtt_u"])
    delay = round(rtt / 2, 1)  # one way, ms
    return {"delay": delay, "bw": round(pipe * 8 / (2 * delay * 1e3), 2)}


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


def _bdp(ctx) -> float:
    """The checker's BDP, from its own measurements as the student's should be."""
    return _goodput(ctx) * 1e6 / 8 * _rtt(ctx) / 1000


@check(points=2, title="rtt_ms matches the round-trip time h1 -> h2",
       hint="`h1 ping -c 20 h2` and take the median (the middle value), not one probe.",
       needs=["answers.yaml"])
def rtt(ctx):
    answer = ctx.answer("rtt_ms")
    tol = 0.3 + 0.03 * answer
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
    res = within_band(lambda: _goodputs(ctx), answer * 0.95, answer * 1.05)
    ctx.cache["goodput"] = res.median
    if res.ok:
        return passed(f"you said {answer:g} Mbit/s; {res.describe('Mbit/s')}", res.samples)
    return failed(f"you said {answer:g} Mbit/s; the checker measured {res.describe('Mbit/s')} "
                  "(±5 %)", res.samples)


@check(points=2, title="bdp_bytes is the bandwidth-delay product of this path",
       hint="BDP = throughput (bit/s) x RTT (s), divided by 8 for bytes.  Watch the units: "
            "Mbit/s and milliseconds.", needs=["answers.yaml"])
def bdp(ctx):
    answer = ctx.answer("bdp_bytes")
    want = _bdp(ctx)
    if abs(answer - want) <= 0.08 * want:
        return passed(f"{answer:.0f} B; the checker's measurements give {want:.0f} B (±8 %)")
    return failed(f"{answer:.0f} B; the checker's measurements give {want:.0f} B (±8 %)")


def _window_ok(ctx) -> tuple[bool, str]:
    answer = ctx.answer("window_bytes")
    share = ctx.params["share"]
    want = share / 100 * _bdp(ctx)
    said = f"{answer:.0f} B against {share} % of the checker's BDP, {want:.0f} B (±8 %)"
    return abs(answer - want) <= 0.08 * want, said


@check(points=1, title="window_bytes is your share of the bandwidth-delay product",
       hint="window_bytes = LAB_SHARE % of your bdp_bytes (`lab show` prints your share).",
       needs=["answers.yaml"])
def window(ctx):
    ok, said = _window_ok(ctx)
    return passed(said) if ok else failed(said)


def _windowed(ctx):
    """Rounds of transfers with the student's window for within_band: the first round is shared
    by the two checks that judge it, a retry measures afresh."""
    w = int(ctx.answer("window_bytes"))
    rounds = iter([ctx.once("windowed", lambda: _goodputs(ctx, window=w))])
    return lambda: next(rounds, None) or _goodputs(ctx, window=w)


def _off_window(ctx) -> str | None:
    """Why a transfer with the student's window says nothing of theirs, if it does not."""
    ok, said = _window_ok(ctx)
    if ok and ctx.answer("window_bytes") > 0:
        return None
    return f"window_bytes is not your share of the BDP ({said}): a transfer with it shows " \
        "nothing of yours"


@check(points=2, title="a transfer with your window runs at about window ÷ RTT",
       hint="Run `h1 iperf3 -c h2 -w <window_bytes>`: a window smaller than the pipe sends one "
            "window per round trip, so the rate is about window × 8 ÷ RTT, not the link's.",
       needs=["answers.yaml"])
def transfer(ctx):
    if (why := _off_window(ctx)) is not None:
        return failed(why)
    w = int(ctx.answer("window_bytes"))
    law = w * 8 / (_rtt(ctx) / 1000) / 1e6
    res = within_band(_windowed(ctx), LAW[0] * law, LAW[1] * law)
    if res.ok:
        return passed(f"with -w {w}: {res.describe('Mbit/s')}; window ÷ RTT = {law:.2f} "
                      "Mbit/s", res.samples)
    return failed(f"with -w {w}: {res.describe('Mbit/s')}, not near window ÷ RTT = {law:.2f} "
                  "Mbit/s", res.samples)


@check(points=1, title="transfer_mbit matches the transfer with your window", hidden=True,
       hint="Report what iperf3 -w <window_bytes> gave you.", needs=["answers.yaml"])
def transfer_reported(ctx):
    if (why := _off_window(ctx)) is not None:
        return failed(why)
    answer = ctx.answer("transfer_mbit")
    w = int(ctx.answer("window_bytes"))
    res = within_band(_windowed(ctx), 0.92 * answer, 1.08 * answer)
    if res.ok:
        return passed(f"you said {answer:g} Mbit/s; with -w {w} {res.describe('Mbit/s')}")
    return failed(f"you said {answer:g} Mbit/s; with -w {w} the checker measured "
                  f"{res.describe('Mbit/s')} (±8 %)")
