"""Checks of the addressing-dhcp-nat lab: the student's subnet plan brought up on r1's LANs and
measured (reachability, the broadcast address answering), a real DHCP client's lease from the
student's Kea config, and the student's NAT tested from the lab internet and read in conntrack."""

from __future__ import annotations

import functools
import ipaddress
import re

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed
from netdojo.services.dhcp import fresh_lease

LANS = {"lana": ("a", "eth0"), "lanb": ("b", "eth1"), "lanc": ("c", "eth2")}  # r1's port
NEED = {"lana": "need_a", "lanb": "need_b", "lanc": "need_c"}
INET = "192.0.2.80"
GW_OUT = "192.0.2.1"


def setup(ctx):
    ctx.serve_files("inet", {"index.html": b"the lab internet\n"}, 8000)


def block(params: dict) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(f"{params['block_ab']}.{params['block_c']}.0/24")


def class_of(first: int) -> str:
    """The class a first octet gives an address (its leading bits: 0, 10, 110, 1110, 1111)."""
    return "A" if first < 128 else "B" if first < 192 else "C" if first < 224 else "D" if first < 240 else "E"


def classful_of(net: ipaddress.IPv4Network) -> tuple[str, str]:
    """The class of a block (A, B or C here) and that class's default mask."""
    cls = class_of(int(str(net.network_address).split(".")[0]))
    return cls, {"A": "255.0.0.0", "B": "255.255.0.0", "C": "255.255.255.0"}[cls]


# ----- part 1: the subnet plan -------------------------------------------------------------------
def _plan(ctx) -> dict[str, tuple[ipaddress.IPv4Network, str]]:
    subnets = ctx.answers().get("subnets")
    if not isinstance(subnets, dict):
        raise CheckFailure("answers.yaml: subnets: {lana: {cidr: …, broadcast: …}, …} — "
                           "fill it in")
    out = {}
    for lan in LANS:
        entry = subnets.get(lan)
        if not isinstance(entry, dict) or not entry.get("cidr"):
            raise CheckFailure(f"answers.yaml: subnets.{lan}.cidr — fill it in")
        try:
            net = ipaddress.IPv4Network(str(entry["cidr"]).strip())
        except ValueError as e:
            raise CheckFailure(f"answers.yaml: subnets.{lan}.cidr {entry['cidr']!r}: {e} "
                               "(a network address has its host bits 0)") from None
        out[lan] = (net, str(entry.get("broadcast") or "").strip())
    return out


@check(points=2, title="the plan: each LAN's subnet inside your block, big enough, no bigger, "
       "none overlapping", hint="A /p subnet holds 2^(32-p) - 2 addresses for hosts, and r1 "
       "takes one of them on every LAN: count need + 1.  Give the biggest LAN "
       "its subnet first, at the start of the block, then the next one right after it.",
       needs=["answers.yaml"])
def plan_fits(ctx):
    plan, blk = _plan(ctx), block(ctx.params)
    good, notes = 0, []
    for lan, (net, _) in plan.items():
        need = ctx.params[NEED[lan]]
        # the longest prefix holding the LAN's hosts and r1, its gateway: 2^(32-p) - 2 >= need + 1
        want = min(30, 32 - (need + 2).bit_length())
        problems = []
        if not net.subnet_of(blk):
            problems.append(f"outside {blk}")
        if net.prefixlen > want:
            problems.append(f"holds {net.num_addresses - 2} addresses, {need} hosts plus r1 "
                            "needed")
        elif net.prefixlen < want:
            problems.append(f"wastes space: /{want} holds {need} hosts plus r1")
        clash = [o for o, (other, _) in plan.items() if o != lan and net.overlaps(other)]
        if clash:
            problems.append(f"overlaps {', '.join(clash)}")
        good += not problems
        notes.append(f"{lan} {net}: " + ("; ".join(problems) if problems else "right"))
    return partial(good, len(plan), "; ".join(notes))


def _bring_up(ctx) -> dict:
    """The student's plan on r1's three LANs: r1 takes each subnet's first host address, host 1
    the second and host 2 the last, the hosts route through r1.  Hosts answer broadcast pings."""
    def run():
        plan = _plan(ctx)
        out = {}
        for lan, (prefix, port) in LANS.items():
            net = plan[lan][0]
            if net.num_addresses < 4:
                raise CheckFailure(f"{lan} {net} has no room for a router and two hosts")
            hosts = list(net.hosts())
            addrs = {"r1": hosts[0], f"{prefix}1": hosts[1], f"{prefix}2": hosts[-1]}
            for node, ip in addrs.items():
                dev = port if node == "r1" else "eth0"
                ctx.sh(node, ["ip", "addr", "flush", "dev", dev])
                ctx.sh(node, ["ip", "addr", "add", f"{ip}/{net.prefixlen}", "brd", "+",
                              "dev", dev])
                ctx.sh(node, ["sysctl", "-qw", "net.ipv4.icmp_echo_ignore_broadcasts=0"])
                if node != "r1":
                    ctx.sh(node, ["ip", "route", "replace", "default", "via", str(hosts[0])])
            out[lan] = {k: str(v) for k, v in addrs.items()}
        return out
    return ctx.once("plan", run)


def _pings(ctx, src: str, dst_ip: str) -> bool:
    r = ctx.sh(src, ["ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", dst_ip], timeout=10)
    return ", 0 received" not in r.stdout and "bytes from" in r.stdout


@check(points=2, title="your plan brought up: every LAN reaches the others, its last host too",
       hint="Each host must be on the same subnet as r1's port on its LAN; overlapping subnets "
            "make r1 send replies out of the wrong port.", needs=["answers.yaml"])
def plan_up(ctx):
    up = _bring_up(ctx)
    tries = [("a1", "b2"), ("a1", "c2"), ("b1", "c2"), ("c1", "a2")]
    ok = [_pings(ctx, src, up["lan" + dst[0]][dst]) for src, dst in tries]
    notes = [f"{s} → {d} ({up['lan' + d[0]][d]}): {'ok' if k else 'no answer'}"
             for (s, d), k in zip(tries, ok, strict=True)]
    return partial(sum(ok), len(ok), "; ".join(notes))


@check(points=1, title="each LAN's broadcast address: a ping to it is answered by the LAN",
       hint="The broadcast address has every host bit 1: for 172.16.4.64/27 it is 172.16.4.95.",
       needs=["answers.yaml"])
def broadcast(ctx):
    plan, up = _plan(ctx), _bring_up(ctx)
    good, notes = 0, []
    for lan, (prefix, _) in LANS.items():
        net, said = plan[lan]
        right = said == str(net.broadcast_address)
        # measured: from host 1, a ping to the address the student gave; the LAN's other
        # members answer only if it really is the broadcast address of their subnet
        r = ctx.sh(f"{prefix}1", ["ping", "-n", "-b", "-c", "2", "-i", "0.3", "-W", "1",
                                  said or "0.0.0.0"], timeout=10)
        answered = sorted(set(re.findall(r"bytes from ([\d.]+)", r.stdout)))
        others = {up[lan]["r1"], up[lan][f"{prefix}2"]}
        heard = others <= set(answered)
        good += right and heard
        notes.append(f"{lan}: {said or 'none'} — answered by {', '.join(answered) or 'no one'}")
    return partial(good, 3, "; ".join(notes))


def classful_unused(params: dict) -> int:
    """Host addresses the block's classful network holds beyond what the three LANs use (every
    host, and r1 on each LAN): the waste CIDR was made to end."""
    _, mask = classful_of(block(params))
    hosts = 2 ** (32 - ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen) - 2
    return hosts - sum(int(params[k]) + 1 for k in ("need_a", "need_b", "need_c"))


@check(points=1, title="classful: your block's class, its default mask, and the addresses it "
                       "would leave unused",
       hint="Class A starts with 0–127, B with 128–191, C with 192–223; their default masks are "
            "/8, /16, /24.  Unused: that network's host addresses minus every host of your "
            "three LANs and r1 on each.", needs=["answers.yaml"])
def classful(ctx):
    c = ctx.answers().get("classful")
    if not isinstance(c, dict) or any(c.get(k) in (None, "") for k in ("class", "default_mask",
                                                                        "unused_hosts")):
        raise CheckFailure("answers.yaml: classful: {class: …, default_mask: …, unused_hosts: …}"
                           " — fill it in")
    blk = block(ctx.params)
    cls, mask = classful_of(blk)
    bits = str(ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen)
    ok_class = str(c["class"]).strip().upper() == cls and \
        str(c["default_mask"]).strip() in (mask, "/" + bits, bits)
    ok_unused = str(c["unused_hosts"]).strip().replace(",", "") == str(classful_unused(ctx.params))
    said = f"{blk.network_address}: class {c['class']}, mask {c['default_mask']}, unused " \
           f"{c['unused_hosts']}"
    # one point for the three together: the class alone is one of three letters, right for a
    # third of the class without looking; the count is the student's own (issue 17.4)
    return passed(said) if ok_class and ok_unused else failed(f"{said} — " + (
        "look at the first octet" if not ok_class else
        "count the classful network's hosts, then take away each LAN's hosts and r1"))


QUIZ = ("q1", "q2", "q3", "q4")
USE = {**dict.fromkeys("ABC", {"unicast", "host"}), "D": {"multicast"}, "E": {"reserved", "experimental"}}


@check(points=1, title="classes D and E: the class of four addresses and what each is for",
       hint="D (224–239) is multicast: one address for a group of receivers; E (240–255) is "
            "reserved for experiments; A, B and C are unicast.", needs=["answers.yaml"])
def classes(ctx):
    got = ctx.answers().get("classes")
    if not isinstance(got, dict) or not all(isinstance(got.get(q), dict) for q in QUIZ):
        raise CheckFailure("answers.yaml: classes: {q1: {class: …, use: …}, q2: …, q3: …, q4: …} — "
                           "fill it in")
    notes, right = [], 0
    for q in QUIZ:
        first, said = int(ctx.params[f"{q}_octet"]), got[q]
        ok = str(said.get("class", "")).strip().upper() == class_of(first) and \
            str(said.get("use", "")).strip().lower() in USE[class_of(first)]
        right += ok
        notes.append(f"{q} {first}.20.30.40: {said.get('class')}, {said.get('use')} — "
                     + ("right" if ok else "not right"))
    # one point for the three together: each letter alone is a guess among five (issue 17.4)
    return (passed if right == len(QUIZ) else failed)("; ".join(notes))


# ----- part 2: DHCP ------------------------------------------------------------------------------
def _lease(ctx, node: str) -> dict:
    """A fresh lease from the student's Kea, taken by a real dhclient on the node."""
    return ctx.once(f"lease-{node}", lambda: fresh_lease(functools.partial(ctx.sh, node)))


def _office(ctx, last: int) -> str:
    return f"10.{ctx.params['net']}.50.{last}"


@check(points=1, title="the laptop's lease comes from your pool",
       hint="\"pools\": [{\"pool\": \"FIRST - LAST\"}] inside the subnet4 entry.",
       needs=["kea-dhcp4.conf"])
def lease_pool(ctx):
    lo = ctx.params["pool_lo"]
    hi = lo + ctx.params["pool_size"] - 1
    got = _lease(ctx, "laptop")["address"]
    ok = got is not None and lo <= int(got.split(".")[-1]) <= hi and got.startswith(
        _office(ctx, 0)[:-1])
    return (passed if ok else failed)(f"laptop leased {got or 'nothing'} (pool "
                                      f"{_office(ctx, lo)} - {_office(ctx, hi)})")


@check(points=2, title="the printer always gets its reserved address (by its MAC)",
       hint="\"reservations\": [{\"hw-address\": \"…\", \"ip-address\": \"…\"}] — `printer ip "
            "link show eth0` shows its MAC.", needs=["kea-dhcp4.conf"])
def reservation(ctx):
    want = _office(ctx, ctx.params["reserved"])
    got = _lease(ctx, "printer")["address"]
    return (passed if got == want else failed)(f"printer leased {got or 'nothing'}, "
                                               f"reserved {want}")


@check(points=1, title="the lease carries the router (gw) and the DNS server options",
       hint="\"option-data\": [{\"name\": \"routers\", …}, {\"name\": \"domain-name-servers\", "
            "…}]", needs=["kea-dhcp4.conf"])
def options(ctx):
    lease = _lease(ctx, "laptop")
    want_r, want_d = _office(ctx, 1), _office(ctx, 53)
    route = ctx.sh("laptop", ["ip", "route", "show", "default"]).stdout
    ok = [lease["routers"] == want_r and f"via {want_r}" in route, lease["dns"] == want_d]
    return partial(sum(ok), 2, f"routers {lease['routers'] or 'none'} (want {want_r}; laptop's "
                               f"default route: {route.strip() or 'none'}), DNS "
                               f"{lease['dns'] or 'none'} (want {want_d})")


# ----- part 3: NAT -------------------------------------------------------------------------------
def _curl(ctx, node: str, url: str) -> str:
    return ctx.sh(node, ["curl", "-s", "-m", "4", "-o", "/dev/null", "-w", "%{http_code}", url],
                  timeout=10).stdout.strip()


@check(points=2, title="the port forward: the internet reaches web through gw, and conntrack "
       "shows the translation", hint="In the prerouting chain (type nat hook prerouting): "
       "`iifname \"eth1\" tcp dport PORT dnat to WEB:80`.", needs=["nat.nft"])
def port_forward(ctx):
    port = ctx.params["ext_port"]
    code = _curl(ctx, "inet", f"http://{GW_OUT}:{port}/")
    web, table = ctx.ip("web"), ctx.service("gw", "nat").conntrack()
    seen = any(f"dst={GW_OUT}" in ln and f"dport={port}" in ln and f"src={web}" in ln
               and "sport=80" in ln for ln in table.splitlines())
    return partial((code == "200") + seen, 2,
                   f"inet's curl http://{GW_OUT}:{port}/ → {code or 'no answer'}; conntrack "
                   + ("shows it going to " + f"{web}:80" if seen else "has no such entry"))


@check(points=1, title="masquerade: the office reaches the internet from gw's one address",
       hint="In the postrouting chain (type nat hook postrouting): `oifname \"eth1\" "
            "masquerade`.  inet has no route back to 10.x: only gw's address can be answered.",
       needs=["nat.nft"])
def masquerade(ctx):
    code, web = _curl(ctx, "web", f"http://{INET}:8000/"), ctx.ip("web")
    seen = any(f"src={web}" in ln and f"dst={INET}" in ln and f"dst={GW_OUT}" in ln
               for ln in ctx.service("gw", "nat").conntrack().splitlines())
    ok = code == "200" and seen
    return (passed if ok else failed)(
        f"web's curl http://{INET}:8000/ → {code or 'no answer'}; conntrack "
        + ("shows it leaving as " + GW_OUT if seen else "shows no translation to " + GW_OUT))


@check(points=1, title="only the one port is forwarded", hidden=True,
       hint="Forward exactly the port asked for; everything else from outside must stop at gw.",
       needs=["nat.nft"])
def only_one_port(ctx):
    # Apart from port_forward: a forward of the wrong port loses that check, not this one.  A
    # gateway that forwards nothing keeps nothing to one port, and earns nothing here.
    if "dnat" not in ctx.sh("gw", ["nft", "list", "ruleset"]).stdout:
        return failed("gw forwards no port at all")
    others = [p for p in (80, 22, 8000, 8080, 9000) if p != ctx.params["ext_port"]]
    leaks = [p for p in others if _curl(ctx, "inet", f"http://{GW_OUT}:{p}/") == "200"]
    return (failed if leaks else passed)(
        f"ports {', '.join(map(str, leaks))} also reach web" if leaks
        else f"ports {', '.join(map(str, others))} reach nothing")
