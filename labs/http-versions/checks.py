"""Checks of the http-versions lab: the textbook's round trips for the student's page, their
load times and header bytes against the checker's own page loads, the TLS handshake against
the checker's openssl, HTTP/2 and HTTP/3 under loss, and why (multiple choice).

No class-wide answer is anybody's (issue 17.4): the WANs' delays are log-uniform and secret, N
4 to 20; answers the same for all count beside a figure of the student's own; the class's
median load fits all seven bands for ~7 % of students (tests/unit/test_http_versions_values.py)."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from netdojo.labs.answer_blocks import block_of, number_in
from netdojo.labs.checks import CheckFailure, check, failed, partial, passed, within_band
from netdojo.measure.pageload import load_pages
from netdojo.measure.tls_text import parse_date, parse_s_client

CA = "/etc/netdojo/ca.pem"  # the run's CA inside client (the loader, curl and openssl trust it)
LOADS = {"http1.0": ("http", "http1.0"), "http1.1": ("http", "http1.1"),
         "http2": ("http", "http2"), "http2_push": ("http", "http2-push"),
         "https_http2": ("https", "http2"),
         "http3": ("https", "http3"), "http3_0rtt": ("https", "http3-0rtt")}
# the student's median against the checker's: over TCP the loads are round trips of a fixed
# delay, so ±15 % and 5 ms of scheduling; HTTP/3 is aioquic in Python on both ends, CPU-bound
BANDS, TCP_BAND = {"http3": (0.25, 0.010), "http3-0rtt": (0.25, 0.010)}, (0.15, 0.005)
LOSS_BAND, LOSS_LOADS = 0.40, 20  # medians under loss swing more: which loads lose is chance
DELAY_MS = (6.0, 40.0)  # the WAN's one-way delay, log-uniform: RTT 12–80 ms
HEADER_BAND = 0.05  # header bytes hardly vary: the same client sends the same requests


def derive(values: dict) -> dict:
    """The WANs' one-way delays from the student's secret draws, web's slow object, and its
    certificate's end date: theirs, the same every day (one made afresh each run was not)."""
    lo, hi = DELAY_MS
    return {"delay": round(lo * (hi / lo) ** (values["rtt_u"] / 1000), 1),
            # web's /hol/ page answers this object 400 ms late; one object behind it at least
            "hol": f"{values['hol_u'] * (values['objects'] - 1) // 1001}:400",
            "lossy_delay": round(lo * (hi / lo) ** (values["lossy_u"] / 1000), 1),
            "cert_expires": (date(2031, 1, 1) + timedelta(days=values["cert_day"])).isoformat()}


# the right letters (the worksheet's part 7 says why: one TCP connection reused; TCP's in-order
# bytes; QUIC's handshake carries TLS's; every request at once; HPACK's table and Huffman codes)
CHOICES = {"keepalive": "b", "http2_loss": "c", "http3_setup": "a", "sprite_http2": "b", "hpack": "d"}


def round_trips(version: str, n: int) -> int:
    """The textbook's count for a page with n objects (no TLS unless the name says so)."""
    return {"http1.0": 2 * (n + 1), "http1.1": n + 2, "http2": 3, "http2_push": 2,
            "https_http2": 4, "http3": 3, "http3_0rtt": 2}[version]


def setup(ctx):
    # client trusts the run's CA: curl and openssl in the system store, the loader by the file
    ca = ctx.net.run.dir / "ca" / "ca.pem"
    ctx.sh("client", ["mkdir", "-p", "/etc/netdojo", "/usr/local/share/ca-certificates"])
    ctx.net.copy(str(ca), f"client:{CA}")
    ctx.sh("client", ["sh", "-c", f"cp {CA} /usr/local/share/ca-certificates/netdojo-lab.crt "
                      "&& update-ca-certificates >/dev/null 2>&1"], timeout=60)


def _loads(ctx, url: str, version: str, count: int) -> list[float]:
    return ctx.truth(f"{url} {version} {count}", lambda: [x.total_s for x in load_pages(
        ctx.net, "client", url, version, loads=count, timeout=300)])


def _judged(ctx, items: list, count: int = 3,
            band: float | None = None) -> tuple[int, list[str], list[dict]]:
    """Each (label, answer, url, version): the student's median against the checker's (one retry)."""
    right, notes, samples = 0, [], []
    for label, answer, url, version in items:
        if answer is None or answer <= 0:
            notes.append(f"{label}: no time given")
            continue
        b, slack = (band or BANDS.get(version, TCP_BAND)[0]), BANDS.get(version, TCP_BAND)[1]
        res = within_band(lambda u=url, v=version: _loads(ctx, u, v, count),
                          answer * (1 - b) - slack, answer * (1 + b) + slack)
        right += res.ok
        notes.append(f"{label}: you {answer:.3f} s, checker {res.median:.3f} s"
                     + ("" if res.ok else f" (off by more than {b:.0%})"))
        samples.append({label: res.samples})
    return right, notes, samples


@check(points=2, title="round_trips: the textbook's count for your page",
       hint="With N objects: HTTP/1.0 opens a connection per object (2 round trips each, the page "
            "too); HTTP/1.1 connects once, then one round trip per request; HTTP/2 sends every "
            "request at once; TLS 1.3 adds one round trip to a TCP connection; QUIC's handshake "
            "includes TLS.", needs=["answers.yaml"])
def round_trip_counts(ctx):
    block, n = block_of(ctx, "round_trips"), ctx.params["objects"]
    right = [v for v in LOADS if number_in(block, v, "round_trips") == round_trips(v, n)]
    wrong = [f"{v}: you said {block.get(v) or 'nothing'}" for v in LOADS if v not in right]
    msg = f"{len(right)} of {len(LOADS)} right for a page of {n} objects"
    if not {"http1.0", "http1.1"} & set(right):
        # HTTP/2's and 3's counts are the same for every page: beside one of this page's own
        right, msg = [], msg + ", none of them for HTTP/1.0 or 1.1, which depend on your N"
    return partial(len(right), len(LOADS), msg + (" — " + "; ".join(wrong) if wrong else ""))


def _rtt_to(ctx, node: str, answer: float):
    tol = 0.3 + 0.03 * answer  # the delay is fixed: ping's own spread is a fraction of a ms
    return within_band(lambda: ctx.ping("client", node, count=20, interval=0.05).rtts_ms,
                       answer - tol, answer + tol)


@check(points=1, title="rtt_ms: the round-trip time from client to web",
       hint="`client ping -c 20 web` and take the median.", needs=["answers.yaml"])
def rtt(ctx):
    answer = ctx.answer("rtt_ms")
    res = _rtt_to(ctx, "web", answer)
    return (passed if res.ok else failed)(f"you said {answer:g} ms; the checker measured "
                                          f"{res.describe('ms')}", res.samples)


@check(points=3, title="load_s: your median load times agree with the checker's page loads",
       hint="`client pageload http://web/ --version http1.0 --loads 5` (http1.1 and http2 too; "
            "https://web/ for https_http2 with --version http2, for http3 and http3-0rtt); give the median "
            "of total_s.", needs=["answers.yaml"])
def load_table(ctx):
    block = block_of(ctx, "load_s")
    right, notes, samples = _judged(ctx, [
        (name, number_in(block, name, "load_s"), f"{scheme}://web/", version)
        for name, (scheme, version) in LOADS.items()])
    return partial(right, len(LOADS), "; ".join(notes), samples)


TRICKS, BYTES_BAND = ("separate", "sprite", "inline", "minified"), 0.01  # 1 % < one image of N


@check(points=4, title="tricks_s, page_bytes: one page built four ways, over HTTP/1.1 and 2",
       hint="`client pageload http://web/tricks/separate/N/10240 --version http1.1 --loads 5` "
            "with your N, then sprite, inline and minified instead of separate, then all with "
            "--version http2; body_bytes of one load of separate and of minified.",
       needs=["answers.yaml"])
def tricks(ctx):
    block, n = block_of(ctx, "tricks_s"), ctx.params["objects"]
    per = {t: block.get(t) if isinstance(block.get(t), dict) else {} for t in TRICKS}
    right, notes, samples = _judged(ctx, [
        (f"{t} {v}", number_in(per[t], v, f"tricks_s.{t}"), f"http://web/tricks/{t}/{n}/10240", v)
        for t in TRICKS for v in ("http1.1", "http2")])
    sizes = ctx.answers().get("page_bytes")
    for t in ("separate", "minified"):  # gzip on and off: what compression saves in bytes
        said = number_in(sizes if isinstance(sizes, dict) else {}, t, "page_bytes")
        want = load_pages(ctx.net, "client", f"http://web/tricks/{t}/{n}/10240", "http2",
                          loads=1)[0].body_bytes
        right += said is not None and abs(said - want) <= BYTES_BAND * want
        notes.append(f"{t}: you said {said if said is not None else 'nothing'} B, the checker's "
                     f"load carried {want} B")
    return partial(right, 10, "; ".join(notes), samples)


def _header_bytes(ctx, version: str) -> int:
    """The request header bytes of one checker's load of https://web/ (once per check run)."""
    return ctx.once(f"hdr-{version}", lambda: load_pages(
        ctx.net, "client", "https://web/", version, loads=1)[0].request_header_bytes)


@check(points=2, title="header_bytes: request headers on the wire, HTTP/1.1 text against HPACK",
       hint="One load each of https://web/ with --version http1.1 and --version http2; the loader "
            "prints header_bytes.request, every request's headers as they crossed the wire.",
       needs=["answers.yaml"])
def header_bytes(ctx):
    block, got, notes = block_of(ctx, "header_bytes"), 0, []
    for version in ("http1.1", "http2"):
        answer, want = number_in(block, version, "header_bytes"), _header_bytes(ctx, version)
        got += answer is not None and abs(answer - want) <= HEADER_BAND * want
        notes.append(f"{version}: you said {answer if answer is not None else 'nothing'} B, "
                     f"the checker's load sent {want} B")
    return partial(got, 2, "; ".join(notes))


def _s_client(ctx) -> dict:
    # the handshake as s_client prints it, then the certificate's own fields
    r = ctx.once("s_client", lambda: ctx.sh("client", [
        "sh", "-c", f"openssl s_client -connect web:443 -servername web -CAfile {CA} </dev/null "
        "2>&1 | tee /dev/stderr | openssl x509 -noout -subject -issuer -enddate "
        "-ext subjectAltName -nameopt utf8,sep_comma_plus"], timeout=30))
    return parse_s_client(r.stderr + "\n" + r.stdout)


@check(points=3, title="tls: the handshake and the certificate as openssl shows them",
       hint="`client openssl s_client -connect web:443 -servername web </dev/null` shows the "
            "protocol, the cipher and the key exchange (Server Temp Key); pipe it into "
            "`openssl x509 -noout -subject -issuer -enddate -ext subjectAltName`.",
       needs=["answers.yaml"])
def tls(ctx):
    block, real = block_of(ctx, "tls"), _s_client(ctx)
    said = {k: str(block.get(k, "")).strip() for k in ("version", "cipher", "group", "issuer",
                                                        "subject")}
    wrong = [f"{k}: you said {v or 'nothing'!r}, openssl shows {real[k]!r}"
             for k, v in said.items() if not v or v.lower() != real[k].lower()]
    right = len(said) - len(wrong)
    san = block.get("san")
    said_san = {str(s).removeprefix("DNS:")
                for s in (san if isinstance(san, list) else [san] if san else [])}
    san_ok = bool(said_san and said_san <= set(real["san"]) and "web" in said_san)
    right += san_ok
    if not san_ok:
        wrong.append(f"san: you said {sorted(said_san)}, the certificate has {real['san']}")
    mine, theirs = parse_date(block.get("not_after", "")), parse_date(real["not_after"])
    dated = bool(mine and theirs and mine.date() == theirs.date())
    msg = f"{right + dated} of 7 right"
    if not dated:
        wrong.append(f"not_after: you said {block.get('not_after')!r}, the certificate says "
                     f"{real['not_after']!r}")
        # the other six are the same for all: beside the end date, which is the student's own
        right, msg = 0, msg + "; the others count only beside your own certificate's notAfter"
    right += dated
    return partial(right, 7, msg + (" — " + "; ".join(wrong) if wrong else ""))


@check(points=2, title="loss_s: 20 loads from lossy over HTTP/2 and HTTP/3, as the checker sees",
       hint="`client pageload https://lossy/ --version http2 --loads 20` and the same with http3; "
            "give every load's total_s as a list, and the median of `client ping -c 20 lossy`.",
       needs=["answers.yaml"])
def loss(ctx):
    block, items = block_of(ctx, "loss_s"), []
    said = number_in(block, "rtt_ms", "loss_s")
    res = _rtt_to(ctx, "lossy", said) if said else None
    if not (res and res.ok):
        # chance's band is wider than the class's spread: beside their own RTT to lossy
        return failed(f"loss_s.rtt_ms: you said {said}, the checker measured "
                      f"{res.describe('ms') if res else '-'}: your loads count beside it")
    for version in ("http2", "http3"):
        xs = block.get(version) if isinstance(block.get(version), list) else []
        try:
            mine = statistics.median(float(x) for x in xs) if len(xs) >= LOSS_LOADS else None
        except (TypeError, ValueError):
            raise CheckFailure(f"answers.yaml: loss_s.{version} holds a non-number") from None
        items.append((version + ("" if mine else f" (give {LOSS_LOADS} load times as a list)"),
                      mine, "https://lossy/", version))
    got, notes, samples = _judged(ctx, items, count=10, band=LOSS_BAND)
    return partial(got, 2, "; ".join(notes), samples)


def _hol(ctx) -> dict:
    """Per version, the late object's index (its path is /obj/K/SIZE/MS) and how many came after."""
    out = {}
    for version in ("http1.1-pipelined", "http2"):
        objs = load_pages(ctx.net, "client", "http://web/hol/", version, loads=1)[0].objects[1:]
        slow = next(o for o in objs if o["path"].count("/") == 4)
        out[version] = (int(slow["path"].split("/")[2]),
                        sum(o["end_s"] > slow["end_s"] for o in objs))
    return out


@check(points=2, title="hol: one slow answer holds back those behind it in HTTP/1.1 pipelining",
       hint="`client pageload http://web/hol/ --version http1.1-pipelined`, then --version http2: "
            "in each waterfall, which object came late, and how many finished after it?",
       needs=["answers.yaml"])
def hol(ctx):
    block, real = block_of(ctx, "hol"), ctx.once("hol", lambda: _hol(ctx))
    want = {"slow_object": real["http2"][0], "behind_pipelined": real["http1.1-pipelined"][1],
            "behind_http2": real["http2"][1]}
    right = [k for k, v in want.items() if number_in(block, k, "hol") == v]
    msg = (f"{len(right)} of 3 right (the checker's loads: object {want['slow_object']} came late; "
           f"{want['behind_pipelined']} finished after it pipelined, {want['behind_http2']} in HTTP/2)")
    if "slow_object" not in right:  # HTTP/2's count is the same for all: beside their own
        right, msg = [], msg + "; the counts count beside your own slow object"
    return partial(len(right), 3, msg)


def _choices(ctx, keys: list[str]) -> tuple[int, list[str]]:
    block = block_of(ctx, "why")
    said = {k: str(block.get(k, "")).strip().lower().rstrip(")") for k in keys}
    wrong = [f"{k}: you chose {said[k] or 'nothing'!r}" for k in keys if said[k] != CHOICES[k]]
    return len(keys) - len(wrong), wrong


@check(points=4, title="why: the cause behind each version's numbers",
       hint="Look at your own table and waterfalls: what does HTTP/1.1 save per object; what do "
            "the objects of a slowed HTTP/2 load do; how many round trips does QUIC's first "
            "flight carry; what does a request cost once requests are multiplexed?",
       needs=["answers.yaml"])
def why(ctx):
    keys = ["keepalive", "http2_loss", "http3_setup", "sprite_http2"]
    right, notes = _choices(ctx, keys)
    msg = f"{right} of {len(keys)} right"
    said, want = block_of(ctx, "connections"), {"http1.0": ctx.params["objects"] + 1, "http1.1": 1}
    if any(number_in(said, k, "connections") != v for k, v in want.items()):
        # the letters are the same for all: beside the connections the student's loads opened
        right, msg = 0, (f"{msg}, but connections {dict((k, said.get(k)) for k in want)} are "
                         "not what your loads open: the reasons count beside your own loads")
    return partial(right, len(keys), msg + (" — " + "; ".join(notes) if notes else ""))


@check(points=1, title="why HTTP/2's headers are smaller", hidden=True,
       hint="Send the same request twice on one HTTP/2 connection: what does the second cost?",
       needs=["answers.yaml"])
def hpack(ctx):
    right, notes = _choices(ctx, ["hpack"])
    said = number_in(block_of(ctx, "header_bytes"), "http1.1", "header_bytes")
    want = _header_bytes(ctx, "http1.1")
    if said is None or abs(said - want) > HEADER_BAND * want:
        # the letter is the same for all: it counts beside the student's own HTTP/1.1 bytes
        return failed("the reason counts beside your own header_bytes.http1.1")
    return passed("right") if right else failed("; ".join(notes))

