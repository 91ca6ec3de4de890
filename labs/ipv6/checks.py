"""Checks of the ipv6 lab: the student's router advertisements, seen in the addresses the hosts
made from them; h1's addresses and default router as the kernel has them; h2's address as
EUI-64 makes it from h2's MAC.  The MACs come from the student's mac_seed, so every address
is theirs alone."""

from __future__ import annotations

import ipaddress
import json
import time

from netdojo.labs.checks import CheckFailure, check, failed, passed

ULA = ipaddress.IPv6Network("fd00::/8")  # RFC 4193's locally assigned half of fc00::/7
# the worksheets' example prefix: an example is never an answer
EXAMPLE = ipaddress.IPv6Network("fd12:3456:789a:1::/64")
SLAAC_WAIT = 20.0  # s: radvd advertises every 3-10 s here, then duplicate detection takes ~1 s


def eui64(prefix: ipaddress.IPv6Network, mac: str) -> ipaddress.IPv6Address:
    """The address SLAAC makes: the prefix, then the MAC with ff:fe in its middle and the
    universal/local bit flipped (RFC 4291 appendix A)."""
    b = bytes.fromhex(mac.replace(":", ""))
    iid = bytes([b[0] ^ 0x02]) + b[1:3] + b"\xff\xfe" + b[3:]
    return ipaddress.IPv6Address(int(prefix.network_address) | int.from_bytes(iid, "big"))


def _addrs(ctx, node: str) -> dict[str, list[ipaddress.IPv6Interface]]:
    """eth0's IPv6 addresses by scope (link, global), tentative ones left out."""
    r = ctx.sh(node, ["ip", "-6", "-j", "addr", "show", "dev", "eth0"])
    out: dict[str, list[ipaddress.IPv6Interface]] = {"link": [], "global": []}
    for dev in json.loads(r.stdout or "[]"):
        for a in dev.get("addr_info", []):
            if a.get("family") == "inet6" and not a.get("tentative") and a["scope"] in out:
                out[a["scope"]].append(ipaddress.IPv6Interface(f"{a['local']}/{a['prefixlen']}"))
    return out


def _slaac(ctx) -> dict[str, dict[str, list[ipaddress.IPv6Interface]]]:
    """Both hosts' addresses once each has a global one, or as they are after SLAAC_WAIT."""
    def wait():
        deadline = time.monotonic() + SLAAC_WAIT
        while True:
            seen = {n: _addrs(ctx, n) for n in ("h1", "h2")}
            if all(s["global"] for s in seen.values()) or time.monotonic() > deadline:
                return seen
            time.sleep(0.2)
    return ctx.once("slaac", wait)


def _mac(ctx, node: str) -> str:
    r = ctx.sh(node, ["cat", "/sys/class/net/eth0/address"])
    return r.stdout.strip()


def _v6(answer: str, key: str) -> ipaddress.IPv6Address:
    text = answer.strip().split("%")[0].split("/")[0]
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        raise CheckFailure(f"answers.yaml: {key} = {text!r} is not an IPv6 address") from None


def _one(ctx, node: str, scope: str) -> ipaddress.IPv6Interface:
    got = _slaac(ctx)[node][scope]
    if not got:
        raise CheckFailure(f"{node} has no {scope} IPv6 address on eth0: r1 advertised no "
                           "prefix it could use (see the radvd check)")
    return got[0]


@check(points=3, title="r1 advertises a unique local /64 of your own, and the hosts use it",
       hint="radvd.conf: `interface eth0 { AdvSendAdvert on; prefix fdXX:XXXX:XXXX:YYYY::/64 "
            "{ AdvOnLink on; AdvAutonomous on; }; };` with your own random global id.",
       needs=["radvd.conf"])
def radvd(ctx):
    seen = _slaac(ctx)
    missing = [n for n, s in seen.items() if not s["global"]]
    if missing:
        log = ctx.service("r1", "radvd").log().strip().splitlines()[-2:]
        return failed(f"{' and '.join(missing)} made no global address within {SLAAC_WAIT:g} s: "
                      "r1's advertisements carry no /64 prefix with AdvAutonomous on for eth0"
                      + (f" (radvd's log: {' / '.join(log)})" if log else ""))
    nets = {a.network for s in seen.values() for a in s["global"]}
    if len(nets) != 1:
        return failed(f"the hosts have addresses in {len(nets)} prefixes: advertise one")
    net = nets.pop()
    if not net.subnet_of(ULA):
        return failed(f"{net} is not a unique local prefix (fd00::/8, RFC 4193)")
    if net == EXAMPLE or int(net.network_address) >> 80 & (2**40 - 1) == 0:
        return failed(f"{net}: draw a global id of your own (40 random bits), not the "
                      "worksheet's or zero")
    h2 = seen["h2"]["global"][0].ip
    ping = ctx.sh("h1", ["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", str(h2)])
    if ping.returncode != 0:
        return failed(f"h1 and h2 have addresses in {net}, but h1 cannot reach h2 at {h2}")
    return passed(f"h1 and h2 made addresses in {net}; h1 reaches h2 at {h2}")


@check(points=2, title="h1_link_local is h1's link-local address",
       hint="`h1 ip -6 addr show dev eth0`: the fe80:: address (scope link); leave out /64.",
       needs=["answers.yaml"])
def link_local(ctx):
    said = _v6(ctx.answer("h1_link_local", str), "h1_link_local")
    real = _one(ctx, "h1", "link").ip
    return (passed if said == real else failed)(f"you said {said}; h1's eth0 has {real}")


@check(points=2, title="h1_global is the address h1 made in your prefix",
       hint="`h1 ip -6 addr show dev eth0`: the address with scope global.",
       needs=["answers.yaml"])
def global_address(ctx):
    said = _v6(ctx.answer("h1_global", str), "h1_global")
    real = [a.ip for a in _slaac(ctx)["h1"]["global"]]
    if not real:
        return failed(f"you said {said}; h1 has no global address (see the radvd check)")
    return (passed if said in real else failed)(f"you said {said}; h1's eth0 has "
                                                f"{', '.join(map(str, real))}")


@check(points=2, title="router is h1's IPv6 default router",
       hint="`h1 ip -6 route show default`: the address after `via`.  Which of r1's addresses "
            "is it, and why that one?", needs=["answers.yaml"])
def router(ctx):
    said = _v6(ctx.answer("router", str), "router")
    r = ctx.sh("h1", ["ip", "-6", "-j", "route", "show", "default"])
    vias = [ipaddress.IPv6Address(x["gateway"]) for x in json.loads(r.stdout or "[]")
            if x.get("gateway")]
    if not vias:
        return failed(f"you said {said}; h1 has no IPv6 default route (no advertisement came)")
    return (passed if said in vias else failed)(f"you said {said}; h1's default route goes via "
                                                f"{', '.join(map(str, vias))}")


@check(points=1, title="h2_global is the address EUI-64 makes from h2's MAC", hidden=True,
       hint="Your prefix, then h2's MAC split in half with ff:fe in the middle and the 0x02 bit "
            "of its first byte flipped.", needs=["answers.yaml"])
def h2_global(ctx):
    said = _v6(ctx.answer("h2_global", str), "h2_global")
    net = _one(ctx, "h2", "global").network
    want = eui64(net, _mac(ctx, "h2"))
    return (passed if said == want else failed)(f"you said {said}; EUI-64 gives {want}")
