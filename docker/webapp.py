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
    elif path.startswith("/obj/"):
        body = b"x" * SIZE
        ctype = "application/octet-stream"
    elif path == "/":
        ctype = "text/html"
        links = "".join(f'<img src="/obj/{i}">' for i in range(COUNT))
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
