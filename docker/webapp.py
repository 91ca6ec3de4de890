"""The lab web server, an ASGI app run by hypercorn over HTTP/1.1, HTTP/2 (TLS and h2c) and
HTTP/3 (QUIC).  Every answer says which backend and which protocol served it, so a test
checks what was negotiated instead of assuming it.

Environment: NETDOJO_BACKEND (name), NETDOJO_OBJECTS ("N:SIZE": the page links N objects of
SIZE bytes).  Faults for failover labs: a file /run/netdojo-fault containing "5xx" makes every
path answer 503 (health included); "slow:SECONDS" delays every answer.
"""

import asyncio
import json
import os

BACKEND = os.environ.get("NETDOJO_BACKEND", os.uname().nodename)
COUNT, _, SIZE = os.environ.get("NETDOJO_OBJECTS", "10:10240").partition(":")
COUNT, SIZE = int(COUNT), int(SIZE or 10240)
FAULT = "/run/netdojo-fault"


def _fault() -> str:
    try:
        with open(FAULT) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def _sized(path: str):
    """/obj/I → SIZE bytes, /obj/I/S → S bytes (at most 100 MB); None if malformed."""
    parts = path.split("/")[2:]
    try:
        size = int(parts[1]) if len(parts) > 1 else SIZE
        int(parts[0])
    except (ValueError, IndexError):
        return None
    return size if 0 <= size <= 100_000_000 else None


def _page(path: str):
    """/page/N or /page/N/S → (N, S); None if malformed."""
    parts = path.split("/")[2:]
    try:
        n = int(parts[0])
        size = int(parts[1]) if len(parts) > 1 and parts[1] else SIZE
    except (ValueError, IndexError):
        return None
    return (n, size) if 0 <= n <= 1000 and 0 <= size <= 100_000_000 else None


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
        body = b"x" * _sized(path)
        ctype = "application/octet-stream"
    elif path == "/" or (path.startswith("/page/") and _page(path) is not None):
        # "/" links COUNT objects of SIZE bytes; /page/N/S links N objects of S bytes, so one
        # server serves every page a measurement asks for
        n, size = (COUNT, SIZE) if path == "/" else _page(path)
        ctype = "text/html"
        links = "".join(f'<img src="/obj/{i}/{size}">' for i in range(n))
        body = (f"<html><body><h1>{BACKEND}</h1><p>HTTP/{proto}</p>{links}"
                "</body></html>").encode()
    else:
        status, body = 404, b"not found\n"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"x-backend", BACKEND.encode()),
                            (b"x-protocol", proto.encode())]})
    await send({"type": "http.response.body", "body": body})
