"""Checks of the dns lab: the student's zone files answered by BIND (asked directly and through
the resolver, and used by a real client), the aa flag, the path a name is resolved along, and
where www is, from the reverse names of the routers on the way."""

from __future__ import annotations

import re

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed


def derive(values: dict) -> dict:
    cities = values["route"].split(",")
    return {"city1": cities[0], "city2": cities[1], "city3": cities[2]}


GEOIP = "/usr/share/netdojo/geoip.csv"


def setup(ctx):
    """A small GeoIP table on the resolver's machine (BIND can answer by one: GeoDNS): each of
    the lab's prefixes and the city it is in, and some that are elsewhere (as a real table
    lists the whole Internet).  On res, a container, not on pc: pc is a namespace node, and
    its files are the host's, shared by every run."""
    net = ctx.params["net"]
    seg = ctx.net.addr.segment_of
    c1, c2, c3 = ctx.params["city1"], ctx.params["city2"], ctx.params["city3"]
    rows = [(seg[("pc", "eth0")].subnet, c1), (seg[("r2", "eth0")].subnet, c2),
            (seg[("r3", "eth0")].subnet, c3), (seg[("web", "eth0")].subnet, c3),
            (f"10.{net}.100.0/24", "jeju"), (f"10.{net}.150.0/24", "gangneung"),
            (f"10.{(net + 1) % 256}.200.0/24", "changwon")]
    text = "prefix,city\n" + "".join(f"{p},{c}\n" for p, c in sorted(rows, key=str))
    r = ctx.sh("res", ["sh", "-c", f"mkdir -p {GEOIP.rsplit('/', 1)[0]} && cat > {GEOIP}"],
               input=text)
    if r.returncode != 0:
        raise CheckFailure(f"res: the GeoIP table could not be written: {r.stderr.strip()}")


def _dig(ctx, server: str, *query: str) -> str:
    """`dig +short` from pc: one question, its answer's data a line each."""
    r = ctx.sh("pc", ["dig", "+short", "+time=2", "+tries=2", f"@{ctx.ip(server)}", *query],
               timeout=15)
    return r.stdout.strip()


def _ask(ctx, server: str, questions: list[tuple[str, str]]) -> dict:
    """Several questions to one server in one dig (a dig costs ~12 ms of CPU to start, and a
    grade ran 14; two graders side by side share the cores): {(name, type): (flags,
    [(owner, ttl, type, data)])}, read from each answer's question section.  dig sends every
    question on its command line to the first @server, so a batch is one server's."""
    argv = ["dig", "+time=2", "+tries=2", "+nocmd", "+noall", "+comments", "+question",
            "+answer", f"@{ctx.ip(server)}"]
    for name, qtype in questions:
        argv += [name, qtype]
    out = ctx.sh("pc", argv, timeout=10 + 5 * len(questions)).stdout
    got: dict = {}
    for block in out.split(";; Got answer:")[1:]:
        q = re.search(r"^;(\S+)\s+IN\s+(\S+)\s*$", block, re.M)
        flags = re.search(r";; flags: ([a-z ]+);", block)
        if q is None:
            continue
        records = [(m[0].lower().rstrip("."), int(m[1]), m[2], m[3].strip())
                   for m in re.findall(r"^([^;\s]\S*)\s+(\d+)\s+IN\s+(\S+)\s+(.+)$", block, re.M)]
        got[(q[1].lower().rstrip("."), q[2])] = (set(flags[1].split()) if flags else set(),
                                                 records)
    return got


def _reverse(address: str) -> str:
    return ".".join(reversed(address.split("."))) + ".in-addr.arpa"


def _asked(ctx, server: str) -> dict:
    """The checks' fixed questions, each server's asked once per run (`dig @server`)."""
    d, web = ctx.params["domain"], ctx.ip("web")
    questions = {"ns1": [(_www(ctx), "A"), (f"{ctx.params['alias']}.{d}", "CNAME"),
                         (d, "MX"), (d, "TXT"), (_reverse(web), "PTR")],
                 "res": [(_reverse(web), "PTR"), (_www(ctx), "A")]}[server]
    return ctx.once(f"asked:{server}", lambda: _ask(ctx, server, questions))


def _data(asked: dict, name: str, qtype: str) -> list[str]:
    """The answer section's data for one question of a batch, as `dig +short` prints it."""
    _, records = asked.get((name.lower().rstrip("."), qtype), (set(), []))
    return [data for *_, data in records]


def _short(ctx, server: str, name: str, qtype: str) -> str:
    return "\n".join(_data(_asked(ctx, server), name, qtype))


def _www(ctx) -> str:
    return f"www.{ctx.params['domain']}"


@check(points=2, title="www has an A record for the web server, and a browser gets there by name",
       hint="In db.zone: `www IN A <web's address>` (`pc getent hosts web` shows it).  Then "
            "`pc curl http://www.YOURDOMAIN/` through the resolver.", needs=["db.zone"])
def a_record(ctx):
    web = ctx.ip("web")
    got = _short(ctx, "ns1", _www(ctx), "A").splitlines()
    if got != [web]:
        return failed(f"ns1 answers {_www(ctx)} A with {got or 'nothing'}; web is {web}")
    page = ctx.sh("pc", ["curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                         f"http://{_www(ctx)}/"], timeout=15).stdout
    if page != "200":
        return partial(1, 2, f"ns1 answers {web}, but pc's `curl http://{_www(ctx)}/` got "
                             f"{page or 'no answer'} through the resolver")
    return passed(f"{_www(ctx)} → {web}; pc fetched the page by name (HTTP 200)")


@check(points=1, title="the alias is a CNAME to www",
       hint="`ALIAS IN CNAME www` — the alias is in `netdojo lab show dns`.", needs=["db.zone"])
def cname(ctx):
    name = f"{ctx.params['alias']}.{ctx.params['domain']}"
    got = _short(ctx, "ns1", name, "CNAME")
    want = _www(ctx) + "."
    return (passed if got == want else failed)(f"{name} CNAME {got or 'nothing'}"
                                                + ("" if got == want else f" (want {want})"))


@check(points=1, title="mail goes to a host with an address, at your MX preference",
       hint="`@ IN MX PREF mail` and an A record for mail.", needs=["db.zone"])
def mx(ctx):
    got = _short(ctx, "ns1", ctx.params["domain"], "MX").split()
    if len(got) != 2:
        return failed(f"{ctx.params['domain']} MX: {' '.join(got) or 'nothing'}")
    pref, host = got
    addr = _dig(ctx, "ns1", host, "A")
    ok_pref = pref == str(ctx.params["mx_pref"])
    ok_addr = bool(re.fullmatch(r"[\d.\n]+", addr))
    return partial(ok_pref + ok_addr, 2,
                   f"MX {pref} {host} (preference wanted {ctx.params['mx_pref']}); "
                   f"{host} A {addr or 'nothing'}")


@check(points=1, title="a TXT record carries your token",
       hint='`@ IN TXT "netdojo-TOKEN"` with the token from `netdojo lab show dns`.',
       needs=["db.zone"])
def txt(ctx):
    got = _short(ctx, "ns1", ctx.params["domain"], "TXT")
    want = f"netdojo-{ctx.params['token']}"
    return (passed if want in got else failed)(f"TXT {got or 'nothing'} (want \"{want}\")")


@check(points=1, title="the reverse zone names www, asked directly and through the resolver",
       hint="In db.reverse: `<last octet of web's address> IN PTR www.YOURDOMAIN.` — mind the "
            "final dot.  `pc dig -x <address>` asks through the resolver.",
       needs=["db.reverse"])
def ptr(ctx):
    web = ctx.ip("web")
    direct = _short(ctx, "ns1", _reverse(web), "PTR")
    via = _short(ctx, "res", _reverse(web), "PTR")
    want = _www(ctx) + "."
    got = (direct == want) + (via == want)
    return partial(got, 2, f"{web} PTR: ns1 says {direct or 'nothing'}, the resolver says "
                           f"{via or 'nothing'} (want {want})")


def _flags(ctx, server: str) -> set[str]:
    return _asked(ctx, server).get((_www(ctx), "A"), (set(), []))[0]


def _answer_ttl(ctx, server: str) -> int | None:
    """The TTL of www's A record in `server`'s answer section."""
    _, records = _asked(ctx, server).get((_www(ctx), "A"), (set(), []))
    return next((ttl for owner, ttl, kind, _ in records if owner == _www(ctx) and kind == "A"),
                None)


@check(points=1, title="aa: which server's answer is authoritative, and the TTL it gives",
       hint="`pc dig @ns1 www.YOURDOMAIN` and `pc dig @res www.YOURDOMAIN`: read the flags line, "
            "and the TTL (the number after the name) in ns1's answer section.",
       needs=["answers.yaml"])
def aa(ctx):
    block = ctx.answers().get("aa")
    if not isinstance(block, dict) or not all(isinstance(block.get(k), bool)
                                              for k in ("ns1", "res")) \
            or isinstance(block.get("ns1_ttl"), bool) or not isinstance(block.get("ns1_ttl"), int):
        raise CheckFailure("answers.yaml: aa needs ns1: true/false, res: true/false and "
                           "ns1_ttl: a number — fill it in")
    real = {s: "aa" in _flags(ctx, s) for s in ("ns1", "res")}
    ttl, want = _answer_ttl(ctx, "ns1"), int(ctx.params["www_ttl"])
    # one point for the three: the flags are the same for every student; the TTL ns1 gives is
    # the student's own (www_ttl, written in their zone), and only an authoritative server
    # gives it unchanged
    right = all(bool(block[s]) == real[s] for s in real) and block["ns1_ttl"] == ttl == want
    msg = (f"the checker's dig: ns1 aa={real['ns1']} TTL {ttl}, res aa={real['res']}; you said "
           f"ns1 {block['ns1']} TTL {block['ns1_ttl']}, res {block['res']}")
    if ttl != want:
        msg += f" — your zone should give www a TTL of {want} (your www_ttl)"
    return (passed if right else failed)(msg)


def _trace(ctx) -> list[tuple[str, str]]:
    """Who answered each step of `dig +trace www`, as (name, address) (the root's hints come
    from the resolver)."""
    def run():
        out = ctx.sh("pc", ["dig", "+trace", "+time=2", "+tries=2", _www(ctx)], timeout=30).stdout
        names = {ctx.ip(n): n for n in ctx.net.topo.nodes
                 if ctx.net.addr.primary_ip(n) is not None}
        steps: list[tuple[str, str]] = []
        for ip in re.findall(r";; Received \d+ bytes from ([\d.]+)#53", out):
            if names.get(ip, ip) not in [n for n, _ in steps[-1:]]:
                steps.append((names.get(ip, ip), ip))
        return steps
    return ctx.once("trace", run)


@check(points=2, title="the resolution path: who answers, in order, from the root down",
       hint="`pc dig +trace www.YOURDOMAIN`: each block ends with `Received … from ADDRESS`; "
            "write the addresses in order and name the server at each (`pc getent hosts root "
            "ns1 res`).", needs=["answers.yaml"])
def resolution_path(ctx):
    got = ctx.answers().get("resolution_path")
    addrs = ctx.answers().get("resolution_addresses")
    if not isinstance(got, list) or not got or not isinstance(addrs, list) or not addrs:
        raise CheckFailure("answers.yaml: resolution_path: [server, …] and "
                           "resolution_addresses: [address, …] — fill them in")
    got, addrs = [str(x).strip() for x in got], [str(x).strip() for x in addrs]
    real = _trace(ctx)
    names, ips = [n for n, _ in real], [ip for _, ip in real]
    # the names are the same for the class; the addresses the student read are their own
    if got == names and addrs == ips:
        return passed(" → ".join(f"{n} ({ip})" for n, ip in real))
    return failed(f"you: {' → '.join(got)} at {', '.join(addrs)}; the checker's dig +trace: "
                  + " → ".join(f"{n} ({ip})" for n, ip in real))


def _hop_names(ctx) -> list[str]:
    """Where each router on the way to www stands: traceroute's addresses, each looked up in
    reverse DNS through the resolver (the name's first label is the city)."""
    def run():
        # to web's address: the routers are on the way whatever the student's zone says
        hops = ctx.traceroute("pc", "web", max_hops=8)
        on_way = [h.address for h in hops if h.address and h.address != ctx.ip("web")]
        asked = _ask(ctx, "res", [(_reverse(a), "PTR") for a in on_way]) if on_way else {}
        names = []
        for a in on_way:
            ptrs = _data(asked, _reverse(a), "PTR")
            names.append(ptrs[0].split(".")[0] if ptrs else a)
        return names
    return ctx.once("hops", run)


@check(points=2, title="where www is: the routers' cities, www's city, and its GeoIP row",
       hint="`pc traceroute -n www.YOURDOMAIN`, then `pc dig +short -x ADDRESS` for each hop: "
            "a router's reverse name says where it stands.  `res cat "
            "/usr/share/netdojo/geoip.csv` lists prefixes and cities: find the row whose prefix "
            "holds www's address.", needs=["answers.yaml"])
def locate(ctx):
    hops = ctx.answers().get("web_hops")
    city = str(ctx.answers().get("web_city") or "").strip().lower()
    prefix = str(ctx.answers().get("geoip_prefix") or "").strip()
    if not isinstance(hops, list) or not hops or not city or not prefix:
        raise CheckFailure("answers.yaml: web_hops: [city, …], web_city: … and geoip_prefix: "
                           "… — fill them in")
    real = _hop_names(ctx)
    right_hops = [str(h).strip().lower() for h in hops] == real
    right_city = bool(real) and city == real[-1]
    want_prefix = str(ctx.net.addr.segment_of[("web", "eth0")].subnet)
    right_prefix = prefix == want_prefix
    return partial(right_hops + right_city + right_prefix, 3,
                   f"the routers' reverse names say {' → '.join(real) or 'nothing'}; you said "
                   f"{' → '.join(map(str, hops))}, city {city}; www's GeoIP row is "
                   f"{want_prefix} (you {prefix})")


@check(points=1, title="the alias works end to end through the resolver", hidden=True,
       hint="A client asks the resolver, which follows the CNAME to www's A record.",
       needs=["db.zone"])
def alias_end_to_end(ctx):
    name = f"{ctx.params['alias']}.{ctx.params['domain']}"
    code = ctx.sh("pc", ["curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                         f"http://{name}/"], timeout=15).stdout
    return (passed if code == "200" else failed)(f"curl http://{name}/ → {code or 'no answer'}")
