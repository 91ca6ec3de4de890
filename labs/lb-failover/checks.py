"""Checks of the lb-failover lab: the student's haproxy.cfg, judged by what HAProxy does with it
— under load, while a backend crashes and while a backend's cable is cut."""

from __future__ import annotations

import time

from netdojo.failover.analysis import analyse
from netdojo.failover.analysis import failed as failed_request
from netdojo.failover.runner import play
from netdojo.failover.scenario import Event, Scenario
from netdojo.failover.timers import server_timers
from netdojo.labs.checks import CheckFailure, check, failed, partial, passed
from netdojo.measure.http import curl

BACKENDS = ["web1", "web2", "web3"]
SITE = "http://shop.lab.example"
TIMELINE = [Event(3, "web1", "crash"), Event(8, "web1", None),
            Event(11, "web2", "cut"), Event(17, "web2", None)]
DURATION = 21
UP_WITHIN = 15.0


def _cfg(ctx) -> str:
    return ctx.submission["haproxy.cfg"].text or ""


# HAProxy's check result (srv_check_result in `show servers state`): passed, or passed but
# draining.  A server starts UP before its first check has run, so UP alone proves nothing.
PASSED = {"3", "4"}


def _checked(ctx, backend: str, server: str, node: str, address: str) -> bool:
    """Whether the config gives this server line a health check: read once per run (the
    config does not change while the checks poll HAProxy five times a second)."""
    return ctx.once(f"checked {backend} {server} {node} {address}", lambda: any(
        t.checked for t in server_timers(_cfg(ctx), {node, address})
        if t.server == server and t.section.split()[-1] == backend))


def _states(ctx) -> dict[str, bool]:
    """Each backend node → come UP in every backend that lists it (servers told apart by
    address): UP, and where the server has a health check, after one has passed."""
    names = {ctx.ip(b): b for b in BACKENDS}
    nodes: dict[str, bool] = {}
    for st in ctx.service("lb", "haproxy").servers():
        node = names.get(st.address, st.server)
        checked = _checked(ctx, st.backend, st.server, node, st.address)
        up = st.up and (not checked or st.raw.get("srv_check_result") in PASSED)
        nodes[node] = nodes.get(node, True) and up
    return nodes


def _wait_all_up(ctx) -> dict[str, bool]:
    deadline = time.monotonic() + UP_WITHIN
    while True:
        states = _states(ctx)
        if all(states.get(b) for b in BACKENDS) or time.monotonic() > deadline:
            return states
        time.sleep(0.2)


def _timeline(ctx):
    """The fault timeline under load, played once and shared by the checks that grade it."""
    def run():
        if not all(_wait_all_up(ctx).values()):
            raise CheckFailure("not every backend was UP before the faults, so failover "
                               "cannot be judged")
        sc = Scenario(name="lab", topology="lb-failover", url=f"{SITE}/whoami", backends=BACKENDS,
                      rate=100, duration=DURATION, timeline=TIMELINE, variants=[])
        landed: dict[float, float] = {}
        t0, records, transitions = play(ctx.net, sc, "your config", ctx.log, landed)
        ctx.cache["records"], ctx.cache["t0"], ctx.cache["landed"] = records, t0, landed
        return analyse("student", records, transitions, TIMELINE, t0, DURATION)
    return ctx.once("timeline", run)


def _fault(ctx, fault: str):
    return next(f for f in _timeline(ctx).faults if f.fault == fault)


@check(points=1, title="HAProxy accepts haproxy.cfg and every backend comes UP",
       hint="`haproxy -c -f haproxy.cfg` must say the configuration is valid; list web1, web2 and "
            "web3 as servers on port 80.", needs=["haproxy.cfg"])
def accepted(ctx):
    states = _wait_all_up(ctx)
    up = [b for b in BACKENDS if states.get(b)]
    missing = [b for b in BACKENDS if b not in states]
    msg = f"HAProxy runs your config; UP within {UP_WITHIN:.0f} s: {', '.join(up) or 'none'}"
    if missing:
        msg += f"; not in any backend: {', '.join(missing)}"
    return partial(len(up), len(BACKENDS), msg)


@check(points=1, title="every server has a health check",
       hint="Add `check` to each server (or to a `default-server` line); an HTTP check "
            "(`option httpchk GET /health`) sees more than a TCP connect does.",
       needs=["haproxy.cfg"])
def health_checks(ctx):
    checked = []
    for b in BACKENDS:
        timers = server_timers(_cfg(ctx), {b, ctx.ip(b)})
        if timers and all(t.checked for t in timers):
            checked.append(b)
    return partial(len(checked), len(BACKENDS),
                   f"checked: {', '.join(checked) or 'none'} of {', '.join(BACKENDS)}")


@check(points=2, title="your API prefix goes to your API server (L7 routing)",
       hint="In the frontend: `use_backend <a backend with only your API server> if "
            "{ path_beg <prefix>/ }`.  An L4 balancer could not do this: it never sees the path.",
       needs=["haproxy.cfg"])
def api_route(ctx):
    prefix, want = ctx.params["api_prefix"], ctx.params["api_backend"]
    got = [curl(ctx.net, "client", f"{SITE}{prefix}/whoami", timeout=3).backend
           for _ in range(9)]
    right = sum(1 for g in got if g == want)
    msg = (f"{right} of {len(got)} requests for {prefix}/whoami were answered by {want} "
           f"(answered by: {', '.join(str(g) for g in got)})")
    # All or nothing: round robin alone sends a third of them to the right server by chance.
    return passed(msg) if right == len(got) else failed(msg)


@check(points=1, title="a client with a cookie stays on one server",
       hint="`cookie SERVERID insert indirect nocache` in the backend, and `cookie NAME` on "
            "each server line.", needs=["haproxy.cfg"])
def sticky(ctx):
    jar = ["-c", "/tmp/lab-jar", "-b", "/tmp/lab-jar"]
    ctx.sh("client", ["rm", "-f", "/tmp/lab-jar"])
    got = [curl(ctx.net, "client", f"{SITE}/whoami", timeout=3, extra=jar).backend
           for _ in range(8)]
    cookies = ctx.sh("client", ["sh", "-c", "grep -v '^#' /tmp/lab-jar || true"]).stdout.strip()
    if cookies and len(set(got)) == 1 and got[0]:
        return passed(f"8 of 8 requests went to {got[0]}, kept there by a cookie")
    return failed(f"requests went to {', '.join(str(g) for g in got)}; "
                  + ("a cookie was set" if cookies else "HAProxy set no cookie"))


@check(points=2, title="a crashed server is marked DOWN within your detect_within",
       hint="A dead server is marked DOWN after `fall` failed checks `inter` apart (plus the "
            "last check's timeout): choose inter and fall so that fits in your detect_within. "
            "HAProxy's defaults (inter 2s, fall 3) take up to 6 s.",
       needs=["haproxy.cfg"])
def detect_crash(ctx):
    limit = float(ctx.params["detect_within"])  # drawn per student: no timers to copy
    timers = server_timers(_cfg(ctx), {"web1", ctx.ip("web1")})
    if not timers or not any(t.checked for t in timers):
        return failed("web1 has no health check, so HAProxy never marks it DOWN")
    bound = max(t.detect_bound_s for t in timers if t.checked)
    f = _fault(ctx, "crash")
    if f.detect_s is None:
        return failed(f"web1 was crashed at t={f.at:.0f} s and never marked DOWN while it was "
                      f"down (your timers allow {bound:.1f} s; yours is {limit:g} s)")
    if f.detect_s <= limit + 0.3:
        return passed(f"DOWN {f.detect_s:.2f} s after the crash (within your {limit:g} s; "
                      f"your inter and fall allow {bound:.1f} s)")
    return failed(f"DOWN {f.detect_s:.2f} s after the crash; yours is {limit:g} s, and your "
                  f"inter and fall allow {bound:.1f} s")


@check(points=2, title="no client request fails while a server crashes",
       hint="Between the crash and the DOWN verdict, requests still reach the dead server.  "
            "`retries 3`, `option redispatch 1` and `retry-on conn-failure empty-response "
            "response-timeout` send them to another server instead.", needs=["haproxy.cfg"])
def no_fail_crash(ctx):
    return _no_failures(ctx, "crash", "while web1 was crashed")


@check(points=1, title="no client request fails while a server's cable is cut", hidden=True,
       hint="A cut cable gives no error at all, only silence: short connect and server timeouts "
            "make the retry happen in time.", needs=["haproxy.cfg"])
def no_fail_cut(ctx):
    return _no_failures(ctx, "cut", "while web2 was cut off")


def _cut_in_flight(r: dict, landed: float | None) -> bool:
    """A request sent before the fault took hold whose answer broke off half-way (the client saw
    its connection close, no status): no load balancer can repair that, since HAProxy only
    retries what has not been answered yet."""
    return (landed is not None and r["t"] < landed and not r.get("status")
            and r.get("error") == "ConnectionClosed")


def _no_failures(ctx, fault: str, during: str):
    f = _fault(ctx, fault)
    t0, landed = ctx.cache["t0"], ctx.cache["landed"].get(f.at)
    end = f.restored_at if f.restored_at is not None else DURATION
    during_fault = [r for r in ctx.cache["records"] if f.at <= r["t"] - t0 < end]
    cut = [r for r in during_fault if failed_request(r) and _cut_in_flight(r, landed)]
    bad = [r for r in during_fault if failed_request(r) and not _cut_in_flight(r, landed)]
    note = (f"; {len(cut)} already on its way when the fault took hold broke off mid-answer, "
            "which no load balancer can repair (not counted)") if cut else ""
    if not bad and during_fault:
        return passed(f"0 of {len(during_fault)} requests failed {during}{note}")
    kinds: dict[str, int] = {}
    for r in bad:
        kind = str(r.get("status") or r.get("error", "error"))
        kinds[kind] = kinds.get(kind, 0) + 1
    why = ", ".join(f"{k}: {v}" for k, v in kinds.items())
    return failed(f"{len(bad)} of {len(during_fault)} requests failed {during} ({why}){note}")
