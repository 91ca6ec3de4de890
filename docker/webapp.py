"""The lab web server, an ASGI app run by hypercorn over HTTP/1.1, HTTP/2 (TLS and h2c) and
HTTP/3 (QUIC).  Every answer says which backend and which protocol served it, so a test
checks what was negotiated instead of assuming it.

Environment: NETDOJO_BACKEND (name), NETDOJO_OBJECTS ("N:SIZE": the page links N objects of
SIZE bytes).  Faults for failover labs: a file /run/netdojo-fault containing "5xx" makes every
path answer 503 (health included); "slow:SECONDS" delays every answer.
"""

import asyncio
import base64
import gzip
import json
import os
import random
import re


def _resumable_quic() -> None:
    """hypercorn makes its QUIC connections without a TLS session ticket store, so no client
    could resume and none could send 0-RTT data.  Give them one: tickets in memory, each good
    once (RFC 8446 8.1's single-use tickets, a replay defence for 0-RTT).  aioquic then issues
    tickets that allow early data (RFC 9001 4.6.1)."""
    try:
        import hypercorn.protocol.quic as quic
    except ImportError:  # imported outside hypercorn (a test of the app alone)
        return
    tickets: dict = {}
    make = quic.QuicConnection

    def with_tickets(*args, **kwargs):
        kwargs.setdefault("session_ticket_fetcher", lambda label: tickets.pop(label, None))
        kwargs.setdefault("session_ticket_handler", lambda t: tickets.__setitem__(t.ticket, t))
        return make(*args, **kwargs)

    if make.__name__ != "with_tickets":
        quic.QuicConnection = with_tickets


_resumable_quic()
BACKEND = os.environ.get("NETDOJO_BACKEND", os.uname().nodename)
COUNT, _, SIZE = os.environ.get("NETDOJO_OBJECTS", "10:10240").partition(":")
COUNT, SIZE = int(COUNT), int(SIZE or 10240)
# "K:W": the page at /hol/ is "/"'s with object K answered W ms late (a lab's own slow object)
HOL = os.environ.get("NETDOJO_HOL", "")
FAULT = "/run/netdojo-fault"


def _fault() -> str:
    try:
        with open(FAULT) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def _sized(path: str):
    """/obj/I → SIZE bytes, /obj/I/S → S bytes (at most 100 MB), /obj/I/S/W → S bytes after
    W ms (at most 10 s: a slow object, for head-of-line blocking); (size, wait_s) or None."""
    parts = path.split("/")[2:]
    try:
        size = int(parts[1]) if len(parts) > 1 else SIZE
        wait_ms = int(parts[2]) if len(parts) > 2 else 0
        int(parts[0])
    except (ValueError, IndexError):
        return None
    ok = 0 <= size <= 100_000_000 and 0 <= wait_ms <= 10_000 and len(parts) <= 3
    return (size, wait_ms / 1000) if ok else None


def _code(kind: str) -> bytes:
    """A stylesheet or script as people write it: comments, indentation, long names.  Seeded,
    so every server sends the same bytes."""
    rnd = random.Random(kind)
    words = ["header", "menu", "item", "button", "card", "price", "image", "footer", "panel",
             "search", "result", "user", "cart", "label", "title", "active", "hidden"]
    out = []
    for i in range(900 if kind == "css" else 1100):
        a, b = rnd.choice(words), rnd.choice(words)
        if kind == "css":
            out.append(f"/* {a} {b}: layout for the {a} block */\n.{a}-{b}-{i} {{\n"
                       f"    margin: {rnd.randint(0, 40)}px {rnd.randint(0, 40)}px;\n"
                       f"    color: #{rnd.randrange(16 ** 6):06x};\n}}\n\n")
        else:
            out.append(f"// {a} {b}: handles the {b} of the {a}\nfunction {a}_{b}_{i}"
                       f"(element, value) {{\n    if (value > {rnd.randint(0, 999)}) {{\n"
                       f"        element.classList.add('{a}-{b}');\n    }}\n"
                       f"    return value * {rnd.randint(2, 9)};\n}}\n\n")
    return "".join(out).encode()


def _minify(code: bytes) -> bytes:
    text = code.decode()
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("//", "/*")):
            continue
        lines.append(line.replace(": ", ":").replace(" {", "{").replace(", ", ","))
    return "".join(lines).encode()


ASSETS = {"style.css": _code("css"), "app.js": _code("js")}
ASSETS["style.min.css"] = _minify(ASSETS["style.css"])
ASSETS["app.min.js"] = _minify(ASSETS["app.js"])
TRICKS = ("separate", "sprite", "inline", "minified")


def _tricks(path: str):
    """/tricks/VARIANT/N/S → the same page of N images of S bytes, built as HTTP/1.x sites did
    to save round trips: separate (N images, a stylesheet, a script), sprite (one image holding
    all N), inline (the images as base64 inside the HTML), minified (N images, the code minified
    and gzip-compressed).  None if malformed."""
    parts = path.split("/")[2:]
    try:
        variant, n, size = parts[0], int(parts[1]), int(parts[2])
    except (ValueError, IndexError):
        return None
    if variant not in TRICKS or not (0 <= n <= 200 and 0 <= size <= 1_000_000):
        return None
    code = ('<link rel="stylesheet" href="/asset/style.min.css">'
            '<script src="/asset/app.min.js"></script>' if variant == "minified" else
            '<link rel="stylesheet" href="/asset/style.css"><script src="/asset/app.js"></script>')
    if variant == "sprite":
        images = (f'<img src="/obj/0/{n * size}" class="sprite">'
                  + "".join(f'<i class="icon" style="background-position:-{i * 32}px 0"></i>'
                            for i in range(n)))
    elif variant == "inline":
        data = base64.b64encode(b"x" * size).decode()
        images = "".join(f'<img alt="{i}" src="data:image/png;base64,{data}">' for i in range(n))
    else:
        images = "".join(f'<img src="/obj/{i}/{size}">' for i in range(n))
    return f"<html><head>{code}</head><body><h1>{variant}</h1>{images}</body></html>".encode()


def _page(path: str):
    """/page/N or /page/N/S → (N, S, None); /hol/N/S/K/W → (N, S, (K, W)): the same page whose
    object K comes W ms late (head-of-line blocking); None if malformed."""
    parts = path.split("/")[2:]
    try:
        n = int(parts[0])
        size = int(parts[1]) if len(parts) > 1 and parts[1] else SIZE
        slow = (int(parts[2]), int(parts[3])) if path.startswith("/hol/") else None
    except (ValueError, IndexError):
        return None
    ok = 0 <= n <= 1000 and 0 <= size <= 100_000_000 and (
        slow is None or (0 <= slow[0] < n and 0 <= slow[1] <= 10_000))
    return (n, size, slow) if ok else None


def _html(proto: str, n: int, size: int, slow: tuple[int, int] | None) -> bytes:
    """A page of n objects of `size` bytes; with slow = (K, W), object K comes W ms late."""
    links = "".join(f'<img src="/obj/{i}/{size}' + (f"/{slow[1]}" if slow and i == slow[0]
                                                   else "") + '">' for i in range(n))
    return f"<html><body><h1>{BACKEND}</h1><p>HTTP/{proto}</p>{links}</body></html>".encode()


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    path = scope["path"]
    proto = scope.get("http_version", "?")
    fault = _fault()
    if fault.startswith("slow:"):
        await asyncio.sleep(float(fault[5:]))
    status, ctype = 200, "text/plain"
    extra = []
    if fault == "5xx":
        status, body = 503, b"fault injected\n"
    elif path == "/health":
        body = b"ok\n"
    elif path.endswith("/whoami"):  # also under a routed prefix such as /api/whoami
        ctype = "application/json"
        body = json.dumps({"backend": BACKEND, "http_version": proto,
                           "scheme": scope.get("scheme"),
                           "client": (scope.get("client") or ["?"])[0],
                           "host": dict(scope["headers"]).get(b"host", b"").decode()}).encode()
    elif path.startswith("/obj/") and _sized(path) is not None:
        size, wait_s = _sized(path)
        await asyncio.sleep(wait_s)
        body = b"x" * size
        ctype = "application/octet-stream"
    elif path.startswith("/asset/") and path[7:] in ASSETS:
        name = path[7:]
        ctype = "text/css" if name.endswith(".css") else "text/javascript"
        body = ASSETS[name]
        if ".min." in name:  # minified and compressed, as a build step would ship it
            body = gzip.compress(body, mtime=0)
            extra = [(b"content-encoding", b"gzip")]
    elif path.startswith("/tricks/") and _tricks(path) is not None:
        ctype, body = "text/html", _tricks(path)
    elif path in ("/hol", "/hol/") and HOL:
        ctype, body = "text/html", _html(proto, COUNT, SIZE, tuple(map(int, HOL.split(":"))))
    elif path == "/" or (path.startswith(("/page/", "/hol/")) and _page(path) is not None):
        # "/" links COUNT objects of SIZE bytes; /page/N/S links N objects of S bytes, so one
        # server serves every page a measurement asks for
        ctype = "text/html"
        body = _html(proto, *((COUNT, SIZE, None) if path == "/" else _page(path)))
    else:
        status, body = 404, b"not found\n"
    if (b"push" in scope.get("query_string", b"").split(b"&") and ctype == "text/html"
            and "http.response.push" in scope.get("extensions", {})):
        # HTTP/2 server push (RFC 9113 8.4): the page's objects promised before the page
        # itself, so they come without being asked (browsers have since removed it)
        for link in re.findall(rb'src="(/obj/[^"]+)"', body):
            await send({"type": "http.response.push", "path": link.decode(), "headers": []})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"x-backend", BACKEND.encode()),
                            (b"x-protocol", proto.encode()), *extra]})
    await send({"type": "http.response.body", "body": body})
