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
           "nas_loss": 10 if v["fourth"] == "loss" else 0,
           # about 5 s at the WAN's rate: long enough to leave slow start behind
           "ftp_mb": max(3, round(v["wan_mbit"] * 5 / 8))}
    for n in NAMES:
        out[f"{n}_target"] = wrong if n == v["bad_name"] else "srv"
    return out


def on_link(ctx, node: str, peer: str) -> str:
    """`node`'s address on its link to `peer`."""
    lk = next(lk for lk in ctx.net.topo.links if {lk.a.node, lk.b.node} == {node, peer})
    return ctx.ip(node, lk.endpoint(node).ifname)


def local_port(params: dict) -> int:
    """The app port that listens on srv's loopback only (never the closed one): from pc it
    refuses just as the closed port does, and only `ss` on srv tells the two apart."""
    return APP_PORTS[(APP_PORTS.index(params["closed"]) + params["local_shift"]) % 3]


def setup(ctx):
    for port in APP_PORTS:
        if port != ctx.params["closed"]:
            reply = f"/tmp/netdojo-app-{port}"
            ctx.sh("srv", ["sh", "-c", "printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain"
                           f"\\r\\n\\r\\napp on {port}\\n' > {reply}"])
            bind = ",bind=127.0.0.1" if port == local_port(ctx.params) else ""
            ctx.serve("srv", ["socat", f"TCP-LISTEN:{port}{bind},fork,reuseaddr",
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
            "(`pc curl http://srv:8080/`).  Two of them refuse; `srv ss -ltn` shows which one "
            "nothing listens on at all.",
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


def _listening(ctx) -> dict[int, list[str]]:
    """The addresses each app port listens on in srv, from `ss -Hltn` (srv's own view)."""
    def run():
        out = ctx.sh("srv", ["ss", "-Hltn"]).stdout
        found: dict[int, list[str]] = {p: [] for p in APP_PORTS}
        for line in out.splitlines():
            local = line.split()[3] if len(line.split()) > 3 else ""
            host, _, port = local.rpartition(":")
            if port.isdigit() and int(port) in found:
                found[int(port)].append(host)
        return found
    return ctx.once("ss-srv", run)


@check(points=2, title="the port served on srv's loopback only, and the ss line that shows it",
       hint="From pc it refuses like a closed port.  On srv, `srv ss -ltn` lists it, bound "
            "to 127.0.0.1: running, but only for srv itself.", needs=["answers.yaml"])
def loopback_only(ctx):
    said = _fault(ctx, "local", ("port", "evidence"))
    try:
        port = int(said["port"])
    except (TypeError, ValueError):
        raise CheckFailure(f"answers.yaml: faults.local.port {said['port']!r} is not a "
                           "number") from None
    seen = _listening(ctx)
    states = {p: _port_state(ctx, p) for p in APP_PORTS}
    right = port == local_port(ctx.params) and seen[port] == ["127.0.0.1"]
    quoted = f"127.0.0.1:{port}" in str(said["evidence"])
    return partial(right + quoted, 2,
                   "checker: from pc " + ", ".join(f"{p} {s}" for p, s in states.items())
                   + f"; you: {port}"
                   + ("" if quoted else f" — quote the ss line with 127.0.0.1:{port}"),
                   samples={str(p): a for p, a in seen.items()})


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


def _downloads(ctx, n: int) -> list[float]:
    speeds = []
    for _ in range(n):
        r = ctx.sh("pc", ["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}",
                          f"ftp://{ctx.ip('srv')}/big.bin"], timeout=60)
        try:
            speeds.append(float(r.stdout) * 8 / 1e6)
        except ValueError:
            pass
    if not speeds:
        raise CheckFailure("the checker's FTP download from srv failed")
    return speeds


@check(points=2, title="the FTP download's throughput from srv",
       hint="`pc ftp -a srv`, then `get big.bin /dev/null`: ftp prints bytes and seconds.  Or "
            "`pc curl -o /dev/null ftp://srv/big.bin`.  Give Mbit/s (bytes × 8 / seconds / "
            "10⁶), not MB/s.", needs=["answers.yaml"])
def ftp_throughput(ctx):
    said = ctx.answer("ftp_mbit")
    # Each student's WAN has its own rate (4 to 32 Mbit/s) and big.bin takes about 5 s over
    # it.  Measured here: one student's downloads agree within 0.2 % (the queue holds a whole
    # window, so TCP keeps the link full), so ±4 % of the checker's median; three more
    # downloads when a value is outside, in case the first ones met a busy machine.
    speeds = ctx.once("ftp", lambda: _downloads(ctx, 3))
    more = ""
    if abs(said - statistics.median(speeds)) > 0.04 * statistics.median(speeds):
        speeds = speeds + _downloads(ctx, 3)
        more = ", measured twice"
    mid = statistics.median(speeds)
    ok = abs(said - mid) <= 0.04 * mid
    return (passed if ok else failed)(
        f"{said:g} Mbit/s; the checker's downloads gave "
        + ", ".join(f"{v:.2f}" for v in sorted(speeds)) + f" (median {mid:.2f}, ±4 %{more})"
        + ("" if ok or abs(said * 8 - mid) > 0.04 * mid else " — MB/s? give Mbit/s"),
        samples=speeds)


@check(points=1, title="the address the wrong record should have given", hidden=True,
       hint="The right address is the server's own.", needs=["answers.yaml"])
def right_address(ctx):
    said = _fault(ctx, "dns", ("name",)).get("right_address")
    want = ctx.ip("srv")
    good = [n for n in NAMES if _dig(ctx, n) == want]
    return (passed if str(said).strip() == want else failed)(
        f"you: {said}; srv is {want} (the names that give it: {', '.join(good)})")
