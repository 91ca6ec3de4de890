"""Checks of the devices lab: what a third host captures on a hub and on a switch, the switch's
MAC table, flooding of an unknown destination, the TTL each device takes, the NIC as the kernel
sees it, and L4 against L7 load balancing by what each does with paths and with a server that
answers 503."""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import time

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed

PINGS = 10
UNKNOWN_MAC = "02:00:00:00:be:ef"


def _l3_subnets(ctx) -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Network]:
    x = ctx.net.addr.segment_of[("x1", "eth0")].subnet
    y = ipaddress.IPv4Network((int(x.network_address) + 100 * 256, 24))
    return x, y


def setup(ctx):
    """The L3 switch: l3sw's bridge gets an address in each of two subnets and routes between
    them; y1 moves into the second subnet.  Lab hosts answer broadcast pings."""
    x, y = _l3_subnets(ctx)
    gx, gy = x.network_address + 254, y.network_address + 254
    for cmd in (["ip", "addr", "add", f"{gx}/24", "dev", "br0"],
                ["ip", "addr", "add", f"{gy}/24", "dev", "br0"],
                ["sysctl", "-qw", "net.ipv4.ip_forward=1"],
                ["sysctl", "-qw", "net.ipv4.conf.all.send_redirects=0"],
                ["sysctl", "-qw", "net.ipv4.conf.br0.send_redirects=0"]):
        r = ctx.sh("l3sw", cmd)
        if r.returncode != 0:
            raise CheckFailure(f"l3sw: {' '.join(cmd)}: {r.stderr.strip()}")
    ctx.sh("y1", ["ip", "addr", "flush", "dev", "eth0"])
    ctx.sh("y1", ["ip", "addr", "add", f"{y.network_address + 10}/24", "dev", "eth0"])
    ctx.sh("y1", ["ip", "route", "replace", "default", "via", str(gy)])
    for h in ("x1", "x2"):
        ctx.sh(h, ["ip", "route", "replace", "default", "via", str(gx)])
    # each far host starts its replies at its own TTL (the node's namespace only)
    for h in ("sb", "p2", "fa", "y1"):
        r = ctx.sh(h, ["sysctl", "-qw", f"net.ipv4.ip_default_ttl={ctx.params[f'ttl_{h}']}"])
        if r.returncode != 0:
            raise CheckFailure(f"{h}: ip_default_ttl: {r.stderr.strip()}")


def y1_address(ctx) -> str:
    return str(_l3_subnets(ctx)[1].network_address + 10)


def _count_icmp(ctx, watcher: str, src: str, dst_ip: str, count: int = PINGS,
                bpf: str = "icmp") -> int:
    """ICMP frames `watcher` captures while `src` pings `dst_ip` `count` times."""
    argv = ctx.net.exec_argv(watcher, ["tcpdump", "-l", "-n", "-e", "--immediate-mode", "-i",
                                       "eth0", *bpf.split()])
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        line = proc.stderr.readline()
        while "listening on" not in line:
            if (not line and proc.poll() is not None) or time.monotonic() > deadline:
                raise CheckFailure(f"tcpdump on {watcher} did not start: {line.strip()}")
            line = proc.stderr.readline()
        ctx.sh(src, ["ping", "-n", "-c", str(count), "-i", "0.1", "-W", "1", dst_ip],
               timeout=count + 5)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    return sum(1 for ln in out.splitlines() if "ICMP echo" in ln)


def _frames(ctx) -> dict:
    def run():
        # ARP first, so both switches have learned both MACs before counting
        for src, dst in (("ha", "hb"), ("sa", "sb")):
            ctx.sh(src, ["ping", "-n", "-c", "2", "-i", "0.1", ctx.ip(dst)], timeout=10)
        return {"hub": _count_icmp(ctx, "hc", "ha", ctx.ip("hb")),
                "switch": _count_icmp(ctx, "sc", "sa", ctx.ip("sb"))}
    return ctx.once("frames", run)


def _number(ctx, key: str) -> int:
    v = ctx.answers().get(key)
    if isinstance(v, bool) or not isinstance(v, int):
        raise CheckFailure(f"answers.yaml: {key} must be a whole number — fill it in")
    return v


@check(points=2, title="a third host sees others' unicast frames on the hub, not on the switch",
       hint=f"`hc tcpdump -n -i eth0 icmp` while `ha ping -c {PINGS} hb`; then the same with sc, "
            "sa and sb on the switch.  Count the echo requests and replies hc and sc capture.",
       needs=["answers.yaml"])
def hub_vs_switch(ctx):
    said = {"hub": _number(ctx, "hub_seen"), "switch": _number(ctx, "switch_seen")}
    real = _frames(ctx)
    ok = [abs(said[k] - real[k]) <= 2 for k in ("hub", "switch")]
    return partial(sum(ok), 2, f"hc captured {real['hub']} on the hub (you {said['hub']}), sc "
                               f"{real['switch']} on the switch (you {said['switch']})",
                   samples=real)


def _mac(ctx, node: str) -> str:
    return ctx.sh(node, ["cat", "/sys/class/net/eth0/address"]).stdout.strip()


@check(points=1, title="the switch's MAC address table: the port each host was learned on",
       hint="`sw bridge fdb show br br0` lists each learned MAC with its port (`dev ethN`); "
            "`sa ip link show eth0` gives sa's MAC.", needs=["answers.yaml"])
def mac_table(ctx):
    said = ctx.answers().get("fdb")
    if not isinstance(said, dict) or not {"sa", "sb"} <= set(said):
        raise CheckFailure("answers.yaml: fdb: {sa: PORT, sb: PORT} — fill it in")
    _frames(ctx)
    table = ctx.sh("sw", ["bridge", "fdb", "show", "br", "br0"]).stdout
    real = {}
    for host in ("sa", "sb"):
        m = re.search(rf"^{re.escape(_mac(ctx, host))} dev (\S+)", table, flags=re.M)
        real[host] = m.group(1) if m else None
    right = sum(str(said[h]).strip() == real[h] for h in real)
    return partial(right, 2, f"sw learned sa on {real['sa']}, sb on {real['sb']}; you said "
                             f"sa {said['sa']}, sb {said['sb']}")


def _sw_ports(ctx) -> set[str]:
    """The ports of sw's bridge, as `bridge link` lists them in sw."""
    out = ctx.sh("sw", ["bridge", "link", "show"]).stdout
    return {m.group(1) for m in re.finditer(r"^\d+: (\S+?)(?:@\S+)?: .*master br0", out, re.M)}


@check(points=1, title="a frame for an unknown MAC is flooded: out of which ports", hidden=True,
       hint="A switch that has not learned a destination sends the frame out of every port but "
            "the one it came in on; `sw bridge link` lists sw's ports.", needs=["answers.yaml"])
def flooding(ctx):
    said = ctx.answers().get("unknown_sent_to")
    if not isinstance(said, list) or not said:
        raise CheckFailure("answers.yaml: unknown_sent_to: [PORT, …] — fill it in")
    said_ports = {str(p).strip() for p in said}
    # sa sends to an address whose MAC no port ever used: the switch cannot know where it is
    ghost = str(ctx.net.addr.segment_of[("sa", "eth0")].subnet.network_address + 200)
    ctx.sh("sa", ["ip", "neigh", "replace", ghost, "lladdr", UNKNOWN_MAC, "dev", "eth0",
                  "nud", "permanent"])
    seen = _count_icmp(ctx, "sc", "sa", ghost, count=3, bpf=f"icmp and ether dst {UNKNOWN_MAC}")
    came_in = next(lk.endpoint("sw").ifname for lk in ctx.net.topo.links
                   if {lk.a.node, lk.b.node} == {"sa", "sw"})
    real = _sw_ports(ctx) - {came_in} if seen else set()
    msg = (f"sc captured {seen} of 3 frames sent to {UNKNOWN_MAC}: "
           + (f"flooded out of {', '.join(sorted(real))} (in on {came_in})" if seen
              else "not flooded") + f"; you said {', '.join(sorted(said_ports))}")
    return (passed if said_ports == real else failed)(msg)


def _ttl(ctx, src: str, dst_ip: str) -> int | None:
    out = ctx.sh(src, ["ping", "-n", "-c", "1", "-W", "2", dst_ip], timeout=5).stdout
    m = re.search(r"ttl=(\d+)", out)
    return int(m.group(1)) if m else None


@check(points=2, title="the TTL a reply arrives with: same LAN, across a bridge, a router, an L3 "
       "switch", hint="`sa ping -c 1 sb` shows ttl=…; then p1 → p2 (the bridge), sa → fa (the "
       "router rt) and x1 → y1 (the L3 switch l3sw; y1 is at the address `y1 ip -4 addr` shows).",
       needs=["answers.yaml"])
def ttl(ctx):
    said = ctx.answers().get("ttl")
    keys = ("same_lan", "bridged", "routed", "l3_switched")
    if not isinstance(said, dict) or not all(isinstance(said.get(k), int) for k in keys):
        raise CheckFailure("answers.yaml: ttl: {same_lan: …, bridged: …, routed: …, "
                           "l3_switched: …} — fill it in")
    real = {"same_lan": _ttl(ctx, "sa", ctx.ip("sb")), "bridged": _ttl(ctx, "p1", ctx.ip("p2")),
            "routed": _ttl(ctx, "sa", ctx.ip("fa")), "l3_switched": _ttl(ctx, "x1", y1_address(ctx))}
    right = [k for k in keys if said[k] == real[k]]
    return partial(len(right), len(keys), ", ".join(f"{k} {real[k]} (you {said[k]})"
                                                    for k in keys))


@check(points=1, title="the NIC: what drives a lab host's eth0, and the address it was given",
       hint="`ha ethtool -i eth0` (driver) and `ha ip link show eth0` (link/ether: the MAC): a "
            "virtual NIC.", needs=["answers.yaml"])
def nic(ctx):
    said = str(ctx.answers().get("nic_driver") or "").strip().lower()
    said_mac = str(ctx.answers().get("nic_mac") or "").strip().lower().replace("-", ":")
    if not said or not said_mac:
        raise CheckFailure("answers.yaml: nic_driver and nic_mac — fill them in")
    out = ctx.sh("ha", ["ethtool", "-i", "eth0"]).stdout
    m = re.search(r"^driver: (\S+)", out, flags=re.M)
    real = m.group(1) if m else "?"
    mac = _mac(ctx, "ha").lower()
    # the point for both: the driver is the same word for every student, the MAC is ha's own
    return (passed if said == real and said_mac == mac else failed)(
        f"ethtool -i eth0 on ha: driver {real} (you {said}); its MAC {mac} (you {said_mac})")


def _whoami(ctx, lb: str, path: str, n: int = 6) -> list[str]:
    """Which backend answered each of n requests (a new connection each); codes if not 200."""
    got = []
    for _ in range(n):
        out = ctx.sh("cl", ["curl", "-s", "-m", "3", "-w", "\n%{http_code}",
                            f"http://{ctx.ip(lb)}{path}/whoami"], timeout=8).stdout
        body, _, code = out.rpartition("\n")
        try:
            got.append(json.loads(body)["backend"] if code == "200" else code or "none")
        except (ValueError, KeyError):
            got.append(code or "none")
    return got


@check(points=2, title="L7: your API prefix goes to its one server, other paths to both",
       hint="In l7.cfg's frontend: `use_backend api if { path_beg PREFIX/ }` with a backend "
            "`api` holding only that server.", needs=["l7.cfg"])
def l7_route(ctx):
    prefix, backend = ctx.params["api_prefix"], ctx.params["api_backend"]
    api = _whoami(ctx, "lb7", prefix)
    rest = _whoami(ctx, "lb7", "")
    ok = [set(api) == {backend}, set(rest) == {"web1", "web2"}]
    return partial(sum(ok), 2, f"{prefix}/whoami → {', '.join(api)}; /whoami → {', '.join(rest)}")


@check(points=1, title="L4: lb4 balances connections without reading them (mode tcp)",
       hint="l4.cfg: `mode tcp` and both servers; an L4 balancer sees no path, so your prefix "
            "goes to both.", needs=["l4.cfg"])
def l4_spreads(ctx):
    text = ctx.submission["l4.cfg"].text or ""
    tcp = re.search(r"^\s*mode\s+tcp\b", text, flags=re.M) is not None
    got = _whoami(ctx, "lb4", ctx.params["api_prefix"])
    both = set(got) == {"web1", "web2"}
    return partial(tcp + both, 2, f"mode tcp: {'yes' if tcp else 'no'}; "
                                  f"{ctx.params['api_prefix']}/whoami → {', '.join(got)}")


@check(points=2, title="a server answering 503: which balancer keeps failing clients, and how "
                       "many of your requests fail through lb4",
       hint="`web1 sh -c 'echo 5xx > /run/netdojo-fault'` makes web1 answer 503.  An HTTP "
            "health check (`option httpchk GET /health`) sees it; a TCP check only connects.  "
            "Send your number of requests through lb4 and count the ones not answered 200.",
       needs=["answers.yaml", "l4.cfg", "l7.cfg"])
def health_503(ctx):
    said = str(ctx.answers().get("keeps_failing") or "").strip().lower()
    if said not in ("l4", "l7", "both", "neither"):
        raise CheckFailure("answers.yaml: keeps_failing: l4, l7, both or neither — fill it in")
    count = ctx.answers().get("l4_failed")
    if isinstance(count, bool) or not isinstance(count, int):
        raise CheckFailure("answers.yaml: l4_failed must be a whole number — fill it in")
    n = int(ctx.params["probe_requests"])
    ctx.sh("web1", ["sh", "-c", "echo 5xx > /run/netdojo-fault"])
    try:
        deadline = time.monotonic() + 20  # health checks need a few intervals to notice
        while time.monotonic() < deadline and set(_whoami(ctx, "lb7", "", 4)) - {"web1", "web2"}:
            time.sleep(0.5)
        fails = {lb: sum(r not in ("web1", "web2") for r in _whoami(ctx, lb, "", n))
                 for lb in ("lb4", "lb7")}
    finally:
        ctx.sh("web1", ["rm", "-f", "/run/netdojo-fault"])
    real = ("both" if all(fails.values()) else "l4" if fails["lb4"] else
            "l7" if fails["lb7"] else "neither")
    # which one fails is the same word for most of the class; how many of the student's own
    # requests fail is theirs (an even number over two servers in turn: the same count whichever
    # server round robin starts on)
    ok = [fails["lb7"] == 0, said == real and count == fails["lb4"]]
    return partial(sum(ok), 2, f"with web1 answering 503, {n} requests each: lb4 failed "
                               f"{fails['lb4']}, lb7 failed {fails['lb7']}; you said {said}, "
                               f"{count} through lb4")
