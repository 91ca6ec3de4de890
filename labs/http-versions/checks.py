"""Checks of the http-versions lab: the textbook's round trips for the student's page, their
load-time table and header bytes against the checker's own page loads, the TLS handshake
against the checker's openssl, HTTP/2 and HTTP/3 under loss, and why each version behaves as
it does (multiple choice)."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed, within_band
from netdojo.measure.pageload import load_pages
from netdojo.measure.tls_text import parse_date, parse_s_client

CA = "/etc/netdojo/ca.pem"  # the run's CA inside client (the loader, curl and openssl trust it)
# answers.yaml's names for the five loads, and how each is made
LOADS = {"http1.0": ("http", "http1.0"), "http1.1": ("http", "http1.1"),
         "http2": ("http", "http2"), "https_http2": ("https", "http2"),
         "http3": ("https", "http3")}
LOAD_BAND = 0.25   # the student's median against the checker's: a shared 2-core machine
LOSS_BAND = 0.40   # medians under loss swing more: which loads lose a packet is chance
HEADER_BAND = 0.05  # header bytes hardly vary: the same client sends the same requests
LOSS_LOADS = 20


def derive(values: dict) -> dict:
    """web's certificate end date: the student's own, the same on every day they run the lab
    (a certificate made afresh each run used to end 7 days after that run)."""
    return {"cert_expires": (date(2031, 1, 1) + timedelta(days=values["cert_day"])).isoformat()}


CHOICES = {  # question → (right letter, what the right answer says)
    "keepalive": ("b", "HTTP/1.1 reuses one TCP connection: no new handshake per object"),
    "http2_loss": ("c", "TCP hands bytes over in order, so one lost segment holds back every "
                        "HTTP/2 stream behind it (head-of-line blocking in TCP)"),
    "http3_setup": ("a", "QUIC's handshake carries TLS 1.3's in the same round trip"),
    "sprite_http2": ("b", "HTTP/2 sends every request at once: removing requests saves few "
                          "round trips"),
    "hpack": ("d", "HPACK sends a header the connection has already seen as an index into a "
                   "shared table, and Huffman-codes the rest"),
}


def round_trips(version: str, n: int) -> int:
    """The textbook's count for a page with n objects (no TLS unless the name says so)."""
    return {"http1.0": 2 * (n + 1), "http1.1": n + 2, "http2": 3, "https_http2": 4,
            "http3": 3}[version]


def setup(ctx):
    # The client trusts the run's CA: curl and openssl through the system store, the page
    # loader and aioquic through the file itself.
    ca = ctx.net.run.dir / "ca" / "ca.pem"
    ctx.sh("client", ["mkdir", "-p", "/etc/netdojo", "/usr/local/share/ca-certificates"])
    ctx.net.copy(str(ca), f"client:{CA}")
    ctx.sh("client", ["sh", "-c", f"cp {CA} /usr/local/share/ca-certificates/netdojo-lab.crt "
                      "&& update-ca-certificates >/dev/null 2>&1"], timeout=60)


def _block(ctx, key: str) -> dict:
    block = ctx.answers().get(key)
    if not isinstance(block, dict) or not block:
        raise CheckFailure(f"answers.yaml: {key} needs one value per version — fill it in")
    return block


def _number(block: dict, key: str, where: str) -> float | None:
    value = block.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CheckFailure(f"answers.yaml: {where}.{key} = {value!r} is not a number") from None


def _loads(ctx, url: str, version: str, count: int) -> list[float]:
    return [x.total_s for x in load_pages(ctx.net, "client", url, version, loads=count,
                                          timeout=300)]


def _against_checker(ctx, label: str, answer: float, url: str, version: str, count: int,
                     band: float) -> tuple[bool, str, dict]:
    """The student's median against the checker's own loads of `url` (one retry)."""
    res = within_band(lambda: _loads(ctx, url, version, count), answer * (1 - band),
                      answer * (1 + band))
    note = (f"{label}: you {answer:.3f} s, checker {res.median:.3f} s"
            + ("" if res.ok else f" (off by more than {band:.0%})"))
    return res.ok, note, {label: res.samples}


@check(points=2, title="round_trips: the textbook's count for your page",
       hint="With N objects: HTTP/1.0 opens a connection per object (2 round trips each, the page "
            "too); HTTP/1.1 connects once, then one round trip per request; HTTP/2 sends every "
            "request at once; TLS 1.3 adds one round trip to a TCP connection; QUIC's handshake "
            "includes TLS.", needs=["answers.yaml"])
def round_trip_counts(ctx):
    block, n = _block(ctx, "round_trips"), ctx.params["objects"]
    right, wrong = 0, []
    for version in LOADS:
        got = _number(block, version, "round_trips")
        if got == round_trips(version, n):
            right += 1
        else:
            wrong.append(f"{version}: you said {got if got is not None else 'nothing'}")
    msg = f"{right} of {len(LOADS)} right for a page of {n} objects"
    return partial(right, len(LOADS), msg + (" — " + "; ".join(wrong) if wrong else ""))


@check(points=1, title="rtt_ms: the round-trip time from client to web",
       hint="`client ping -c 20 web` and take the median.", needs=["answers.yaml"])
def rtt(ctx):
    answer = ctx.answer("rtt_ms")
    tol = 1 + 0.10 * answer
    res = within_band(lambda: ctx.ping("client", "web", count=10, interval=0.05).rtts_ms,
                      answer - tol, answer + tol)
    return (passed if res.ok else failed)(f"you said {answer:g} ms; the checker measured "
                                          f"{res.describe('ms')}", res.samples)


@check(points=3, title="load_s: your median load times agree with the checker's page loads",
       hint="`client pageload http://web/ --version http1.0 --loads 5` (http1.1 and http2 too; "
            "https://web/ for https_http2 with --version http2, and for http3); give the median "
            "of total_s.", needs=["answers.yaml"])
def load_table(ctx):
    block = _block(ctx, "load_s")
    right, notes, samples = 0, [], []
    for name, (scheme, version) in LOADS.items():
        answer = _number(block, name, "load_s")
        if answer is None or answer <= 0:
            notes.append(f"{name}: no time given")
            continue
        ok, note, sample = _against_checker(ctx, name, answer, f"{scheme}://web/", version, 3,
                                            LOAD_BAND)
        right += ok
        notes.append(note)
        samples.append(sample)
    return partial(right, len(LOADS), "; ".join(notes), samples)


TRICKS = ("separate", "sprite")


@check(points=2, title="tricks_s: one page as separate images and as a sprite, HTTP/1.1 and 2",
       hint="`client pageload http://web/tricks/separate/N/10240 --version http1.1 --loads 5` "
            "with your N, then sprite instead of separate, then both with --version http2.",
       needs=["answers.yaml"])
def tricks(ctx):
    block = _block(ctx, "tricks_s")
    n, right, notes, samples = ctx.params["objects"], 0, [], []
    for variant in TRICKS:
        per = block.get(variant) if isinstance(block.get(variant), dict) else {}
        for version in ("http1.1", "http2"):
            answer = _number(per, version, f"tricks_s.{variant}")
            if answer is None or answer <= 0:
                notes.append(f"{variant} {version}: no time given")
                continue
            ok, note, sample = _against_checker(ctx, f"{variant} {version}", answer,
                                                f"http://web/tricks/{variant}/{n}/10240",
                                                version, 3, LOAD_BAND)
            right += ok
            notes.append(note)
            samples.append(sample)
    return partial(right, 4, "; ".join(notes), samples)


@check(points=2, title="header_bytes: request headers on the wire, HTTP/1.1 text against HPACK",
       hint="One load each of https://web/ with --version http1.1 and --version http2; the loader "
            "prints header_bytes.request, every request's headers as they crossed the wire.",
       needs=["answers.yaml"])
def header_bytes(ctx):
    block = _block(ctx, "header_bytes")
    got, notes = 0, []
    for version in ("http1.1", "http2"):
        answer = _number(block, version, "header_bytes")
        real = load_pages(ctx.net, "client", "https://web/", version, loads=1)[0]
        want = real.request_header_bytes
        if answer is not None and abs(answer - want) <= HEADER_BAND * want:
            got += 1
            notes.append(f"{version}: {answer:.0f} B, the checker's load sent {want} B")
        else:
            notes.append(f"{version}: you said {answer if answer is not None else 'nothing'}, "
                         f"the checker's load sent {want} B")
    return partial(got, 2, "; ".join(notes))


def _s_client(ctx) -> dict:
    def run() -> dict:
        # the handshake as s_client prints it, then the certificate's own fields
        r = ctx.sh("client", ["sh", "-c", "openssl s_client -connect web:443 -servername web "
                              f"-CAfile {CA} </dev/null 2>&1 | tee /dev/stderr | "
                              "openssl x509 -noout -subject -issuer -enddate "
                              "-ext subjectAltName -nameopt utf8,sep_comma_plus"], timeout=30)
        return parse_s_client(r.stderr + "\n" + r.stdout)
    return ctx.once("s_client", run)


@check(points=3, title="tls: the handshake and the certificate as openssl shows them",
       hint="`client openssl s_client -connect web:443 -servername web </dev/null` shows the "
            "protocol, the cipher and the key exchange (Server Temp Key); pipe it into "
            "`openssl x509 -noout -subject -issuer -enddate -ext subjectAltName`.",
       needs=["answers.yaml"])
def tls(ctx):
    block, real = _block(ctx, "tls"), _s_client(ctx)
    right, wrong = 0, []
    for key in ("version", "cipher", "group", "issuer", "subject"):
        said = str(block.get(key, "")).strip()
        if said and said.lower() == real[key].lower():
            right += 1
        else:
            wrong.append(f"{key}: you said {said or 'nothing'!r}, openssl shows {real[key]!r}")
    said_san = block.get("san")
    said_san = {str(s).removeprefix("DNS:") for s in (said_san if isinstance(said_san, list)
                                                     else [said_san] if said_san else [])}
    if said_san and said_san <= set(real["san"]) and "web" in said_san:
        right += 1
    else:
        wrong.append(f"san: you said {sorted(said_san)}, the certificate has DNS names "
                     f"{real['san']}")
    mine, theirs = parse_date(block.get("not_after", "")), parse_date(real["not_after"])
    if mine and theirs and mine.date() == theirs.date():
        right += 1
    else:
        wrong.append(f"not_after: you said {block.get('not_after')!r}, the certificate says "
                     f"{real['not_after']!r}")
    msg = f"{right} of 7 right"
    return partial(right, 7, msg + (" — " + "; ".join(wrong) if wrong else ""))


@check(points=2, title="loss_s: 20 loads from lossy over HTTP/2 and HTTP/3, as the checker sees",
       hint="`client pageload https://lossy/ --version http2 --loads 20` and the same with http3; "
            "give every load's total_s as a list.", needs=["answers.yaml"])
def loss(ctx):
    block = _block(ctx, "loss_s")
    got, notes, samples = 0, [], []
    for version in ("http2", "http3"):
        xs = block.get(version)
        if not isinstance(xs, list) or len(xs) < LOSS_LOADS:
            notes.append(f"{version}: give {LOSS_LOADS} load times as a list "
                         f"(got {len(xs) if isinstance(xs, list) else 'none'})")
            continue
        try:
            mine = statistics.median(float(x) for x in xs)
        except (TypeError, ValueError):
            notes.append(f"{version}: the list holds something that is not a number")
            continue
        ok, note, sample = _against_checker(ctx, version, mine, "https://lossy/", version, 10,
                                            LOSS_BAND)
        got += ok
        notes.append(note)
        samples.append(sample)
    return partial(got, 2, "; ".join(notes), samples)


def _choices(ctx, keys: list[str]) -> tuple[int, list[str]]:
    block = _block(ctx, "why")
    right, notes = 0, []
    for key in keys:
        want, because = CHOICES[key]
        said = str(block.get(key, "")).strip().lower().rstrip(")")
        if said == want:
            right += 1
        else:
            notes.append(f"{key}: you chose {said or 'nothing'!r}")
    return right, notes


@check(points=4, title="why: the cause behind each version's numbers",
       hint="Look at your own table and waterfalls: what does HTTP/1.1 save per object; what do "
            "the objects of a slowed HTTP/2 load do; how many round trips does QUIC's first "
            "flight carry; what does a request cost once requests are multiplexed?",
       needs=["answers.yaml"])
def why(ctx):
    keys = ["keepalive", "http2_loss", "http3_setup", "sprite_http2"]
    right, notes = _choices(ctx, keys)
    msg = f"{right} of {len(keys)} right"
    return partial(right, len(keys), msg + (" — " + "; ".join(notes) if notes else ""))


@check(points=1, title="why HTTP/2's headers are smaller", hidden=True,
       hint="Send the same request twice on one HTTP/2 connection: what does the second cost?",
       needs=["answers.yaml"])
def hpack(ctx):
    right, notes = _choices(ctx, ["hpack"])
    return passed("right") if right else failed("; ".join(notes))

