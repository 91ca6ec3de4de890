"""Checks of the lan-man-wan lab: each path's figures against the checker's own measurements,
the classification, and download times against bandwidth + RTT arithmetic."""

from __future__ import annotations

import math
import re
import statistics
from concurrent.futures import ThreadPoolExecutor

from netdojo.labs.answer_blocks import block_of, number_in
from netdojo.labs.checks import CheckFailure, check, failed, partial, passed

PATHS = ("p1", "p2", "p3")
SIZE = 500_000  # bytes of file.bin on every path
# Pings for loss: the worksheet's 2000 (20 s: ping sends no faster than one per 10 ms while an
# answer is on its way, unless root preloads more than 3 — a script handed in runs as nobody),
# the checker's 5000 (root: 100 preloaded, 2 ms apart, 10 s)
STUDENT_PROBES, CHECKER_PROBES = 2000, 5000
# Throughput bands per class, wider on a CPU-bound gigabit LAN (CI on 2 cores: a student's 839
# Mbit/s against the checker's 642) and on the lossy WAN (CUBIC: one student's 3-s runs read
# 4.5 and 9.9 Mbit/s on one link); they span the checker's runs too
TPUT_SLACK = {"lan": 0.40, "man": 0.15, "wan": 0.50}
WAN_LOW = 0.60  # ...and on the WAN 60 % under the slowest run (a run that met a timeout)
WAN_SLACK = 0.35  # download times over the WAN
# A WAN download is slow when a loss comes early: slow start ends at a small window, the rest
# crawls (70 downloads on a 15 Mbit/s, 64 ms, 1.3 % WAN: most 0.54 s, 6 % 2.3-2.9 s; CI: a
# student's median 2.33 s, the checker's 0.55).  Accepted: up to the loss-limited rate's time
# (Mathis et al.) +35 % and one retransmission timeout (1 s for a lost SYN, RFC 6298).
RTO_S = 1.0


# Each class's range: (low, high, log-uniform?, rounded to).  Rates in Mbit/s, delays in ms one
# way, loss in % each way.  The WAN's loss is high enough to be told from none in the probes
# below (a WAN of 0.2 % each way could not: "0 %" passed for a third of the class).
RANGES = {
    "lan_bw": (300, 1000, False, 1), "lan_delay": (0.05, 0.2, False, 0.01),
    "man_bw": (40, 200, True, 1), "man_delay": (1.0, 5.0, False, 0.1),
    "wan_bw": (4, 20, True, 0.1), "wan_delay": (12.5, 35, False, 0.5),
    "wan_loss": (1.0, 1.5, False, 0.05),
}
# the classes by a path's round-trip time, as the worksheet's part 2 draws them
CLASS_BY_RTT = (("lan", 0.0, 1.0), ("man", 1.0, 20.0), ("wan", 20.0, math.inf))


def figures(values: dict) -> dict:
    """Each class's rate, delay and loss from the student's draws (0–1000 each)."""
    out = {}
    for key, (lo, hi, log, step) in RANGES.items():
        u = values[f"{key}_u"] / 1000
        x = lo * (hi / lo) ** u if log else lo + (hi - lo) * u
        out[key] = round(round(x / step) * step, 4)
    return out


def derive(values: dict) -> dict:
    """Each path's figures from the class `order` gives it; other.bin's size: its bytes at the
    WAN's rate take 1/4 to 4 times (log-uniform) two WAN round trips, so either can be larger."""
    fig, out = figures(values), {}
    out["wan_loss"] = fig["wan_loss"]
    ratio = 4 ** (2 * values["file_u"] / 1000 - 1)
    out["other_bytes"] = round(ratio * 4 * fig["wan_delay"] / 1000 * fig["wan_bw"] * 1e6 / 8)
    for i, cls in enumerate(values["order"].split(","), 1):
        out[f"p{i}_class"] = cls
        out[f"p{i}_bw"] = fig[f"{cls}_bw"]
        out[f"p{i}_delay"] = fig[f"{cls}_delay"]
        out[f"p{i}_loss"] = fig["wan_loss"] if cls == "wan" else 0
    return out


def setup(ctx):
    for p in PATHS:
        ctx.serve_files(p, {"file.bin": b"n" * SIZE, "other.bin": b"o" * ctx.params["other_bytes"]},
                        8000)
        ctx.serve(p, ["iperf3", "-s", "-p", "5201"], 5201)


def _answer(ctx, path: str, key: str, kind=float):
    block = ctx.answers().get(path)
    if not isinstance(block, dict) or block.get(key) in (None, ""):
        raise CheckFailure(f"answers.yaml: no {key} for {path} — fill it in")
    try:
        return kind(block[key])
    except (TypeError, ValueError):
        raise CheckFailure(f"answers.yaml: {path}.{key} = {block[key]!r} is not a "
                           f"{kind.__name__}") from None


def _pings(ctx) -> dict:
    """Per path: 20 RTT probes and CHECKER_PROBES quick ones for loss, all paths at once."""
    def one(p):
        rtt = ctx.ping("h0", p, count=20, interval=0.05).rtts_ms
        quick = ctx.sh("h0", ["ping", "-n", "-q", "-c", str(CHECKER_PROBES), "-i", "0.002", "-l",
                              "100", "-W", "1", ctx.ip(p)], timeout=60).stdout
        m = re.search(r"([\d.]+)% packet loss", quick)
        return p, {"rtt": statistics.median(rtt), "rtts": rtt,
                   "loss": float(m.group(1)) if m else 100.0}
    with ThreadPoolExecutor(max_workers=3) as pool:  # the lab's own figures (ctx.truth)
        return ctx.once("pings", lambda: ctx.truth("pings", lambda: dict(pool.map(one, PATHS))))


def _throughputs(ctx) -> dict:
    return ctx.once("iperf", lambda: ctx.truth("iperf", lambda: {
        p: [_iperf(ctx, p) for _ in range(3)] for p in PATHS}))


def _iperf(ctx, p: str) -> float:
    # 3 s on the WAN: with loss CUBIC's rate swings for seconds (self-test: 1 s read 9.4, 2 s 5.7)
    return ctx.iperf("h0", p, seconds=3 if _wan(ctx, p) else 1).goodput_mbps


def _wan(ctx, p: str) -> bool:
    return ctx.params[f"{p}_class"] == "wan"


def rtt_tolerance(real_ms: float) -> float:
    return 0.3 + 0.10 * real_ms


@check(points=2, title="rtt_ms of each path matches the checker's ping median",
       hint="`h0 ping -c 20 p1` (and p2, p3); give the median.", needs=["answers.yaml"])
def rtt(ctx):
    got, notes = 0, []
    pings = _pings(ctx)
    for p in PATHS:
        ans, real = _answer(ctx, p, "rtt_ms"), pings[p]["rtt"]
        tol = rtt_tolerance(real)
        ok = abs(ans - real) <= tol
        got += ok
        notes.append(f"{p}: {ans:g} vs {real:.2f} ms{'' if ok else f' (±{tol:.2f})'}")
    return partial(got, 3, "; ".join(notes), samples={p: pings[p]["rtts"] for p in PATHS})


@check(points=2, title="throughput_mbit of each path matches the checker's iperf3",
       hint="`h0 iperf3 -c p1` (servers run on p1, p2, p3).  On the LAN and over a lossy WAN "
            "the rate swings from run to run: measure twice.", needs=["answers.yaml"])
def throughput(ctx):
    got, notes = 0, []
    tputs = _throughputs(ctx)
    for p in PATHS:
        ans = _answer(ctx, p, "throughput_mbit")
        lo, hi = throughput_band(tputs[p], ctx.params[f"{p}_class"], ctx.params[f"{p}_bw"])
        if not lo <= ans <= hi:
            # three more runs before a figure is called wrong: a short run over a lossy WAN may
            # meet a timeout or two (CI, stop 29: a student's 2.3 against the checker's 4.9–7.4
            # on a 10 Mbit/s WAN with 1 % loss, where Mathis et al. predict about 3.5)
            tputs[p] = tputs[p] + [_iperf(ctx, p) for _ in range(3)]
            lo, hi = throughput_band(tputs[p], ctx.params[f"{p}_class"], ctx.params[f"{p}_bw"])
        ok, real = lo <= ans <= hi, statistics.median(tputs[p])
        notes.append(f"{p}: {ans:g} vs {real:.1f} Mbit/s" + ("" if ok else
                     f" (the checker's runs {min(tputs[p]):.1f}–{max(tputs[p]):.1f}: "
                     f"{lo:.1f} to {hi:.1f} accepted)"))
        got += ok
    return partial(got, 3, "; ".join(notes), samples=tputs)


def throughput_band(runs: list[float], cls: str, link_mbit: float) -> tuple[float, float]:
    """The goodputs accepted for a path: the range of the checker's runs widened by the class's
    slack; on a MAN or WAN, shaped well below what the machine carries, up to the link's own
    rate +5 % (CI: a student's 42 Mbit/s on a 50 Mbit/s MAN against the checker's 35)."""
    slack = TPUT_SLACK[cls]
    hi = max(runs) * (1 + slack)
    if cls != "lan":
        hi = max(hi, link_mbit * 1.05)
    return min(runs) * (1 - (WAN_LOW if cls == "wan" else slack)), hi


@check(points=2, title="each path is classified as LAN, MAN or WAN, as its RTT shows",
       hint="A LAN answers in well under a millisecond at hundreds of Mbit/s; a MAN takes a "
            "few milliseconds; a WAN tens of milliseconds, slower, and it loses packets.  The "
            "class must be the one your own rtt_ms for the path puts it in.",
       needs=["answers.yaml"])
def classify(ctx):
    """A class counts when it is the path's and the student's own RTT for the path lies in that
    class's range: a class is judged with the figure that decided it, so an order copied from a
    classmate (one of six) earns nothing without the measurement behind it."""
    _pings(ctx)  # the classification is judged on a running network, as measured
    right, unbacked = [], []
    for p in PATHS:
        cls = str(_answer(ctx, p, "class", str)).strip().lower()
        if cls != ctx.params[f"{p}_class"]:
            continue
        if rtt_class(_answer(ctx, p, "rtt_ms")) == cls:
            right.append(p)
        else:
            unbacked.append(p)
    note = (f"{len(right)} of 3 paths classified right" + (f" ({', '.join(right)})" if right else "")
            + (f"; {', '.join(unbacked)}: right class, but your rtt_ms puts it in another"
               if unbacked else ""))
    return partial(len(right), 3, note)


def rtt_class(rtt_ms: float) -> str:
    return next(cls for cls, lo, hi in CLASS_BY_RTT if lo <= rtt_ms < hi)


@check(points=1, title="loss_pct: the WAN loses packets, the LAN and MAN do not",
       hint="Loss is rare: count it over thousands of probes (`h0 ping -q -c 2000 -i 0.01 p1`).",
       needs=["answers.yaml"])
def loss(ctx):
    pings = _pings(ctx)
    good, notes = 0, []
    for p in PATHS:
        ans, real = _answer(ctx, p, "loss_pct"), pings[p]["loss"]
        if _wan(ctx, p):
            band = _loss_band(ctx.params["wan_loss"])
            ok = abs(ans - real) <= band
            notes.append(f"{p}: {ans:g} % (checker {real:.1f} %, ±{band:.1f})")
        else:
            ok = ans < 1.0
            notes.append(f"{p}: {ans:g} % (checker {real:.1f} %)")
        good += ok
    return (passed if good == 3 else failed)("; ".join(notes))


def _loss_band(loss_each_way_pct: float) -> float:
    """Two loss counts (the student's STUDENT_PROBES, the checker's CHECKER_PROBES) differ by
    chance: 3.3 standard deviations of their difference at the path's true round-trip loss,
    + 0.3.  At the WAN's 2–3 % round trip that is ±1.5–1.8 points: "0" is outside."""
    p = 1 - (1 - loss_each_way_pct / 100) ** 2
    return 100 * 3.3 * math.sqrt(p * (1 - p) * (1 / STUDENT_PROBES + 1 / CHECKER_PROBES)) + 0.3


def _curl_time(ctx, p: str) -> float:
    out = ctx.sh("h0", ["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}",
                        f"http://{ctx.ip(p)}:8000/file.bin"], timeout=60).stdout
    try:
        return float(out)
    except ValueError:
        raise CheckFailure(f"the checker's download from {p} failed") from None


def measured_ok_for(took: float, samples: list[float], wan: bool, floor: float = math.inf,
                    ceiling: float = 0.0) -> bool:
    """A download time against the checker's: from the fastest -25 % to the slowest +25 %
    (+ 20 ms); on the WAN ±35 %, from below `floor` (all three of the checker's may be slow, CI
    stop 32) to above `ceiling` (all three may be fast) and one timeout more."""
    slack = WAN_SLACK if wan else 0.25
    lo, hi = min(min(samples), floor), max(max(samples), ceiling)
    return lo - (slack * lo + 0.02) <= took <= hi + slack * hi + 0.02 + (RTO_S if wan else 0.0)


def wan_bounds(delay_ms: float, bw_mbit: float, loss_pct: float) -> tuple[float, float]:
    """The least a download of SIZE bytes takes on the WAN (2 RTT + its bytes at the link's
    rate) and what it takes at the lesser of that rate and TCP's loss-limited one."""
    rtt, bw = 2 * delay_ms / 1000, bw_mbit * 1e6
    mathis = 1448 * 8 / rtt * 1.22 / math.sqrt(loss_pct / 100)
    return 2 * rtt + SIZE * 8 / bw, 2 * rtt + SIZE * 8 / min(bw, mathis)


@check(points=2, title="download times: measured, and predicted from bandwidth + RTT",
       hint="Predicted time ≈ 2 × RTT (connect, then request) + size × 8 / throughput.  Use "
            "your own RTT and throughput; then `h0 curl -o /dev/null -w '%{time_total}' "
            "http://p1:8000/file.bin` measures it.", needs=["answers.yaml"])
def transfer(ctx):
    measured_ok, predicted_ok, notes = 0, 0, []
    for p in PATHS:
        took, pred = _answer(ctx, p, "transfer_s"), _answer(ctx, p, "predicted_s")
        # a warm-up (the server's first answer is slower), then three: one may meet a loss
        samples = ctx.truth(f"curl {p}", lambda p=p: [_curl_time(ctx, p) for _ in range(4)][1:])
        wan = _wan(ctx, p)
        bounds = wan_bounds(*(ctx.params[f"{p}_{k}"] for k in ("delay", "bw", "loss"))) if wan else ()
        measured_ok += measured_ok_for(took, samples, wan, *bounds)
        r_ms, t = _answer(ctx, p, "rtt_ms"), _answer(ctx, p, "throughput_mbit")
        formula = 2 * r_ms / 1000 + SIZE * 8 / (t * 1e6) if t > 0 else float("inf")
        predicted_ok += abs(pred - formula) <= 0.10 * formula + 0.001
        notes.append(f"{p}: measured {took:g} s (checker {statistics.median(samples):.3f} s), "
                     f"predicted {pred:g} s (your figures give {formula:.3f} s)")
    return partial(measured_ok / 3 + predicted_ok / 3, 2, "; ".join(notes))


@check(points=1, title="what the other file over the WAN mostly waits for", hidden=True,
       hint="On the WAN: other.bin's bytes (curl's %{size_download}), 2 × your rtt_ms, and its "
            "bytes × 8 / your throughput_mbit; the larger one is what it waits for.",
       needs=["answers.yaml"])
def file_cost(ctx):
    """The cost counts beside the student's own figures: other.bin's size (drawn per student),
    their WAN rtt_ms and throughput within the checker's bands, and the two times they give."""
    block, wan = block_of(ctx, "other_file"), next(p for p in PATHS if _wan(ctx, p))
    size, two_rtt, bytes_ms = (number_in(block, k, "other_file") or 0.0
                               for k in ("bytes", "two_rtt_ms", "bytes_ms"))
    rtt, tput, real = _answer(ctx, wan, "rtt_ms"), _answer(ctx, wan, "throughput_mbit"), _pings(ctx)
    lo, hi = throughput_band(_throughputs(ctx)[wan], "wan", ctx.params[f"{wan}_bw"])
    own_ms = size * 8e-3 / tput if tput > 0 else math.inf
    wrong = [what for what, ok in (
        (f"bytes {size:g} (not other.bin's)", size == ctx.params["other_bytes"]),
        (f"{wan}'s rtt_ms", abs(rtt - real[wan]["rtt"]) <= rtt_tolerance(real[wan]["rtt"])),
        (f"{wan}'s throughput_mbit", lo <= tput <= hi),
        ("two_rtt_ms (2 × your rtt_ms)", abs(two_rtt - 2 * rtt) <= 0.1 * rtt),
        ("bytes_ms (bytes × 8 / your throughput)", abs(bytes_ms - own_ms) <= 0.1 * own_ms + 0.5))
        if not ok]
    cost = str(block.get("cost") or "").strip().lower()
    if wrong:
        return failed(f"{cost or 'no answer'}, but beside wrong figures: " + "; ".join(wrong))
    close_call = max(two_rtt, bytes_ms) < 1.3 * min(two_rtt, bytes_ms)
    note = f"2 RTT = {two_rtt:g} ms, {size:g} B at your rate = {bytes_ms:g} ms"
    if cost == ("rtt" if two_rtt > bytes_ms else "bandwidth") or (
            close_call and cost in ("rtt", "bandwidth")):
        return passed(f"{cost}: {note}")
    return failed(f"{cost or 'no answer'}: {note}")
