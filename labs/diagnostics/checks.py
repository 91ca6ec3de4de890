"""Checks of the diagnostics lab: each fault the student reports against the checker's own
measurement of it, the output the student quotes as evidence, and the FTP throughput."""

from __future__ import annotations

import re
import statistics

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed

APP_PORTS = (8080, 8443, 9000)
NAMES = ("www", "ftp", "app")


def derive(v: dict) -> dict:
    wrong = f"10.{v['net']}.9.{v['wrong_host']}"  # drawn per student: no answer to copy
    out = {"d12": v["slow_ms"] if v["slow_link"] == "r1-r2" else 1,
           "d23": v["slow_ms"] if v["slow_link"] == "r2-r3" else 1,
           "nas_loss": 10 if v["fourth"] == "loss" else 0}
    for n in NAMES:
        out[f"{n}_target"] = wrong if n == v["bad_name"] else "srv"
    return out


def on_link(ctx, node: str, peer: str) -> str:
    """`node`'s address on its link to `peer`."""
    lk = next(lk for lk in ctx.net.topo.links if {lk.a.node, lk.b.node} == {node, peer})
    return ctx.ip(node, lk.endpoint(node).ifname)


def setup(ctx):
    for port in APP_PORTS:
        if port != ctx.params["closed"]:
            reply = f"/tmp/netdojo-app-{port}"
            ctx.sh("srv", ["sh", "-c", "printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain"
                           f"\\r\\n\\r\\napp on {port}\\n' > {reply}"])
            ctx.serve("srv", ["socat", f"TCP-LISTEN:{port},fork,reuseaddr",
                              f"SYSTEM:cat {reply}"], port)
    fourth = ctx.params["fourth"]
    if fourth.startswith("route_"):
        # a host route for the NAS that sends it back where it came from: a routing loop
        router = fourth[len("route_"):]
        back = on_link(ctx, "r1" if router == "r2" else "r2", router)
        r = ctx.sh(router, ["ip", "route", "replace", f"{ctx.ip('nas')}/32", "via", back])
        if r.returncode != 0:
            raise CheckFailure(f"{router}: the lab's wrong route did not go in: {r.stderr}")


def _fault(ctx, key: str, fields: tuple[str, ...]) -> dict:
    faults = ctx.answers().get("faults")
    block = faults.get(key) if isinstance(faults, dict) else None
    if not isinstance(block, dict) or any(block.get(f) in (None, "") for f in fields):
        raise CheckFailure(f"answers.yaml: faults.{key} needs {', '.join(fields)} — fill it in")
    return block


def _link(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in str(text).split("-"))


def _trace(ctx, dst: str) -> list:
    return ctx.once(f"trace-{dst}", lambda: ctx.traceroute("pc", dst, max_hops=8))


@check(points=2, title="the slow hop: which link, and the traceroute that shows it",
       hint="`pc traceroute -n srv`: the time jumps at the hop right after the slow link.  "
            "Quote those lines as evidence.", needs=["answers.yaml"])
def slow_hop(ctx):
    said = _fault(ctx, "slow", ("where", "evidence"))
    hops = _trace(ctx, "srv")
    shown = "; ".join(f"{h.ttl} {h.address} {statistics.median(h.rtts_ms):.1f} ms"
                      for h in hops if h.rtts_ms)
    a, b = ctx.params["slow_link"].split("-")
    far = on_link(ctx, b, a)  # what traceroute shows for the hop after the slow link
    right = _link(said["where"]) == _link(ctx.params["slow_link"])
    quoted = far in str(said["evidence"])
    return partial(right + quoted, 2,
                   f"you: {said['where']}; the checker's traceroute: {shown}"
                   + ("" if quoted else f" — your evidence does not show the hop at {far}"))


def _port_state(ctx, port: int) -> str:
    r = ctx.sh("pc", ["curl", "-s", "-m", "3", "-o", "/dev/null", "-w", "%{http_code}",
                      f"http://{ctx.ip('srv')}:{port}/"], timeout=8)
    return "open" if r.stdout.strip() == "200" else "refused" if r.returncode == 7 else "?"


@check(points=2, title="the closed port: which service port on srv does not answer",
       hint="srv should answer on 21 (FTP), 80 (web), 8080, 8443 and 9000 (apps): try each "
            "(`pc curl http://srv:8080/`) and look at what listens (`srv ss -ltn`).",
       needs=["answers.yaml"])
def closed_port(ctx):
    said = _fault(ctx, "closed", ("node", "port", "evidence"))
    states = {p: _port_state(ctx, p) for p in APP_PORTS}
    try:
        port = int(said["port"])
    except (TypeError, ValueError):
        raise CheckFailure(f"answers.yaml: faults.closed.port {said['port']!r} is not a "
                           "number") from None
    right = str(said["node"]).strip() == "srv" and port == ctx.params["closed"]
    ev = str(said["evidence"]).lower()
    quoted = str(port) in ev and any(w in ev for w in ("refused", "failed to connect",
                                                       "listen", "couldn't connect"))
    return partial(right + quoted, 2,
                   "checker: " + ", ".join(f"{p} {s}" for p, s in states.items())
                   + f"; you: {said['node']}:{port}"
                   + ("" if quoted else " — quote the refusal or the ss listing"))


def _dig(ctx, name: str) -> str:
    return ctx.sh("pc", ["dig", "+short", "+time=2", f"{name}.corp.test"],
                  timeout=10).stdout.strip()


@check(points=2, title="the wrong DNS record: which name, and the address it wrongly gives",
       hint="`pc dig www.corp.test` (and ftp, app): every one of them should be srv's address "
            "(`pc getent hosts srv`).", needs=["answers.yaml"])
def dns_record(ctx):
    said = _fault(ctx, "dns", ("name", "wrong_address", "evidence"))
    answers = {n: _dig(ctx, n) for n in NAMES}
    bad = ctx.params["bad_name"]
    name = str(said["name"]).strip().lower().removesuffix(".corp.test")
    ok = [name == bad, str(said["wrong_address"]).strip() == answers[bad]]
    return partial(sum(ok), 2, "checker's dig: " + ", ".join(f"{n} {a or 'nothing'}"
                                                             for n, a in answers.items())
                   + f"; you: {said['name']} → {said['wrong_address']}")


def _loss(ctx) -> float:
    def run():
        out = ctx.sh("pc", ["ping", "-n", "-q", "-c", "200", "-i", "0.01", "-W", "1",
                            ctx.ip("nas")], timeout=30).stdout
        m = re.search(r"([\d.]+)% packet loss", out)
        return float(m.group(1)) if m else 100.0
    return ctx.once("nas-loss", run)


@check(points=2, title="the fourth fault: a lossy link or a wrong route, and where",
       hint="Can pc reach nas?  `pc ping -c 100 -i 0.05 nas` counts losses; `pc traceroute -n "
            "nas` shows a path that goes back and forth if a router has a wrong route (the "
            "router that sends it back has it).", needs=["answers.yaml"])
def fourth(ctx):
    said = _fault(ctx, "other", ("kind", "where", "evidence"))
    kind = str(said["kind"]).strip().lower()
    where = str(said["where"]).strip()
    # the trace first: a ping storm into a loop spends the routers' ICMP rate limit, and a
    # traceroute right after it would see stars where the looping routers are
    hops = [h.address for h in _trace(ctx, "nas")]
    loss = _loss(ctx)
    real = ctx.params["fourth"]
    if real == "loss":
        right = kind == "loss" and _link(where) == _link("r3-nas")
        ev = str(said["evidence"])
        quoted = re.search(r"[1-9][\d.]*% packet loss", ev) is not None
        seen = f"{loss:.0f} % of 200 pings to nas lost"
    else:
        right = kind == "route" and where == real[len("route_"):]
        quoted = len(set(re.findall(r"\d+\.\d+\.\d+\.\d+", str(said["evidence"])))) < len(
            re.findall(r"\d+\.\d+\.\d+\.\d+", str(said["evidence"]))) or \
            "exceeded" in str(said["evidence"]).lower()
        seen = "traceroute to nas: " + " ".join(a or "*" for a in hops)
    return partial(right + quoted, 2, f"checker: {seen}; you: {kind} at {where}"
                   + ("" if quoted else " — your evidence does not show it"))


def _ftp(ctx) -> list[float]:
    def run():
        speeds = []
        for _ in range(2):
            r = ctx.sh("pc", ["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}",
                              f"ftp://{ctx.ip('srv')}/big.bin"], timeout=60)
            try:
                speeds.append(float(r.stdout) * 8 / 1e6)
            except ValueError:
                pass
        if not speeds:
            raise CheckFailure("the checker's FTP download from srv failed")
        return speeds
    return ctx.once("ftp", run)


@check(points=2, title="the FTP download's throughput from srv",
       hint="`pc ftp -a srv`, then `get big.bin /dev/null` (20 MB): ftp prints bytes and "
            "seconds.  Or `pc curl -o /dev/null ftp://srv/big.bin`.  Give Mbit/s.",
       needs=["answers.yaml"])
def ftp_throughput(ctx):
    said = ctx.answer("ftp_mbit")
    speeds = _ftp(ctx)
    real = statistics.median(speeds)
    ok = abs(said - real) <= 0.25 * real
    return (passed if ok else failed)(f"{said:g} Mbit/s against the checker's {real:.1f} "
                                      "(±25 %)", samples=speeds)


@check(points=1, title="the address the wrong record should have given", hidden=True,
       hint="The right address is the server's own.", needs=["answers.yaml"])
def right_address(ctx):
    said = _fault(ctx, "dns", ("name",)).get("right_address")
    want = ctx.ip("srv")
    good = [n for n in NAMES if _dig(ctx, n) == want]
    return (passed if str(said).strip() == want else failed)(
        f"you: {said}; srv is {want} (the names that give it: {', '.join(good)})")
