"""Checks of the arp-routing lab: every one measures the lab as the student's routes left it."""

from __future__ import annotations

import itertools
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed

HOSTS = ["h1", "h2", "h3", "h4"]
ROUTERS = ["r1", "r2", "r3"]
GATEWAY_OF = {"h1": ("r1", "eth0"), "h2": ("r2", "eth0"), "h3": ("r3", "eth0"),
              "h4": ("r3", "eth1")}


def _reaches(ctx, src: str, dst: str) -> bool:
    """dst is a node or an address."""
    ip = ctx.ip(dst) if dst in ctx.net.topo.nodes else dst
    r = ctx.sh(src, ["ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", ip], timeout=10)
    return r.returncode == 0


def _pairs_reached(ctx, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        ok = list(pool.map(lambda p: _reaches(ctx, *p), pairs))
    return [p for p, good in zip(pairs, ok, strict=True) if not good]


def _owner(ctx, address: str | None) -> str:
    """The node an address belongs to in this lab (or the address itself, or '*')."""
    if address is None:
        return "*"
    for (node, _), iface in ctx.net.addr.ips.items():
        if str(iface.ip) == address:
            return node
    return address


@check(points=2, title="Each host's default gateway is its own router",
       hint="Give every host a default route to the router on its LAN: "
            "`hN ip route add default via <router's address on that LAN>`.",
       needs=["routing.sh"])
def gateways(ctx):
    good, notes = 0, []
    for host in HOSTS:
        router, ifname = GATEWAY_OF[host]
        want = ctx.ip(router, ifname)
        out = ctx.sh(host, ["ip", "-4", "route", "show", "default"]).stdout
        m = re.search(r"default via (\S+)", out)
        if m and m.group(1) == want and _reaches(ctx, host, want):
            good += 1
        else:
            notes.append(f"{host}: default via {m.group(1) if m else 'none'} (expected {want})")
    return partial(good, len(HOSTS), f"{good} of {len(HOSTS)} hosts use their own router"
                   + ("; " + "; ".join(notes) if notes else ""))


@check(points=3, title="Every host reaches every other host",
       hint="A reply needs a way back: each router must know every LAN, and the answer travels "
            "the routes of the routers it crosses, not the way the request came.",
       needs=["routing.sh"])
def reachability(ctx):
    pairs = list(itertools.permutations(HOSTS, 2))
    missing = _pairs_reached(ctx, pairs)
    ok = len(pairs) - len(missing)
    msg = f"{ok} of {len(pairs)} host pairs answer ping"
    if missing:
        msg += "; no answer: " + ", ".join(f"{a}->{b}" for a, b in missing[:6])
    return partial(ok, len(pairs), msg)


@check(points=2, title="traceroute from h1 follows the path the worksheet asks for",
       hint="Packets for your <detour> LAN must go r1 -> r2 -> r3; the other LAN of r3 goes over "
            "the direct r1 -- r3 link.  Each hop decides alone, so r1's routes choose the way.",
       needs=["routing.sh"])
def paths(ctx):
    detour = ctx.params["detour"]
    other = "h4" if detour == "h3" else "h3"
    want = {detour: ["r1", "r2", "r3", detour], other: ["r1", "r3", other]}
    good, notes = 0, []
    for dst, path in want.items():
        hops = ctx.traceroute("h1", dst, max_hops=6)
        got = [_owner(ctx, h.address) for h in hops]
        if got == path:
            good += 1
            notes.append(f"h1->{dst}: {' -> '.join(got)} (right)")
        else:
            notes.append(f"h1->{dst}: {' -> '.join(got) or 'no hops'} "
                         f"(expected {' -> '.join(path)})")
    return partial(good, 2, "; ".join(notes), samples=notes)


def _h1_cache(ctx) -> list[str]:
    out = ctx.sh("h1", ["ip", "-4", "neigh", "show", "dev", "eth0"]).stdout
    return [ln for ln in out.splitlines() if ln.strip() and "FAILED" not in ln]


def _empty_caches(ctx) -> None:
    """Empty every ARP cache, routers first, h1 last.

    A router whose entry for h1 is in PROBE sends h1 a unicast request, and h1 caches the
    router from it.  On a slow machine (QEMU without KVM) that timer fired between the
    flushes, h1 pinged without asking, and the capture was empty through no fault of the
    student's.  With the routers emptied first, none still knows h1 to probe it.
    """
    for node in ROUTERS + HOSTS[1:] + ["h1"]:
        ctx.sh(node, ["ip", "neigh", "flush", "all"])


def _keep_h1_cache_empty(ctx) -> None:
    """Right before the pings: h1's cache must still be empty, else the capture would lie.
    An entry that came in since is one h1 learnt from a request, not one it uses, so
    flushing it sends nothing."""
    deadline = time.monotonic() + 10
    while left := _h1_cache(ctx):
        if time.monotonic() > deadline:
            raise CheckFailure(f"h1's ARP cache does not stay empty: {'; '.join(left)}")
        ctx.sh("h1", ["ip", "neigh", "flush", "all"])


def _capture_arp(ctx) -> list[str]:
    """h1's ARP requests while it pings h2, h3 and h4 once each, every cache emptied first."""
    # --immediate-mode: without it tcpdump hands packets over in blocks up to a second late,
    # and a capture ended right after the pings would miss them.
    argv = ["tcpdump", "--immediate-mode", "-l", "-n", "-i", "eth0", "arp"]
    # Emptied before the capture starts: a probe h1 had due would otherwise be counted.
    _empty_caches(ctx)
    proc = subprocess.Popen(ctx.net.exec_argv("h1", argv), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        line = ""
        while "listening on" not in line:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None or time.monotonic() > deadline:
                raise CheckFailure("tcpdump did not start on h1")
        _keep_h1_cache_empty(ctx)
        for host in HOSTS[1:]:
            ctx.sh("h1", ["ping", "-n", "-c", "1", "-W", "2", ctx.ip(host)])
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    me = ctx.ip("h1")
    return [ln for ln in out.splitlines() if "Request who-has" in ln and f"tell {me}" in ln]


@check(points=1, title="answers.yaml: the gateway's MAC address as h1's ARP cache shows it",
       hint="After a ping, `h1 ip neigh` lists the gateway's address with its lladdr.",
       needs=["answers.yaml"])
def gateway_mac(ctx):
    answer = str(ctx.answer("gateway_mac", str)).strip().lower()
    gw = ctx.ip("r1", "eth0")
    ctx.sh("h1", ["ping", "-n", "-c", "1", "-W", "2", gw])
    out = ctx.sh("h1", ["ip", "neigh", "show", gw]).stdout
    m = re.search(r"lladdr (\S+)", out)
    if not m:
        return failed(f"h1 could not reach its gateway {gw}, so its ARP cache has no entry")
    if answer == m.group(1).lower():
        return passed(f"{answer} is {gw}'s MAC address in h1's ARP cache")
    return failed(f"gateway_mac is {answer!r}; h1's ARP cache shows another address for {gw} "
                  "(your lab's MACs are your own: measure them in your lab)")


@check(points=1, title="answers.yaml: ARP requests h1 sent, checked against a capture",
       hint="Empty the caches (`NODE ip neigh flush all`), capture with `h1 tcpdump -n -i eth0 "
            "arp`, then ping h2, h3 and h4 once each.  Whom does h1 need to ask, and how often?",
       needs=["answers.yaml", "routing.sh"])
def arp_requests(ctx):
    count = ctx.answer("arp_requests", int)
    asked = ctx.answers().get("arp_asked_for") or []
    asked = {str(a).strip() for a in (asked if isinstance(asked, list) else [asked])}
    requests = _capture_arp(ctx)
    targets = {re.search(r"who-has (\S+)", ln).group(1) for ln in requests}
    if count == len(requests) and asked == targets:
        return passed(f"{count} request(s), for {', '.join(sorted(targets))}: as captured",
                      samples=requests)
    return failed(f"you answered {count} request(s) for {sorted(asked) or 'nothing'}; the "
                  f"capture in the checker's run disagrees", samples=requests)


@check(points=1, title="Every router reaches every host", hidden=True,
       hint="A router's ping leaves from the address of its outgoing interface: the far end "
            "needs a route back to that transit subnet too.", needs=["routing.sh"])
def routers_reach_hosts(ctx):
    # only pairs that need routes: a router reaches the host on its own LAN with none, and
    # counting those gave the empty starter a third of a point
    pairs = [(r, h) for r in ROUTERS for h in HOSTS if GATEWAY_OF[h][0] != r]
    missing = _pairs_reached(ctx, pairs)
    ok = len(pairs) - len(missing)
    return partial(ok, len(pairs), f"{ok} of {len(pairs)} pings from a router to a host on "
                   "another router's LAN answered")
