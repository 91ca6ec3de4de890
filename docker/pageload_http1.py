"""The page loader's shared parts and its HTTP/1.x clients, written on asyncio streams so every
header byte is counted exactly (pageload.py's docstring says what each version does)."""

import asyncio
import re
import ssl
import time
from urllib.parse import urlsplit

LINK = re.compile(rb'(?:src|href)="(/(?:obj|asset)/[^"]+)"')


class Load:
    def __init__(self, version: str):
        self.version = version
        self.t0 = time.perf_counter()
        self.connections = 0
        self.handshakes: list[float] = []
        self.req_header_bytes = 0
        self.resp_header_bytes = 0
        self.body_bytes = 0
        self.objects: list[dict] = []
        self.done_s: float | None = None
        self.early_data: bool | None = None  # HTTP/3 with 0-RTT: did the server take it?

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def result(self) -> dict:
        return {"version": self.version, "total_s": round(self.done_s or self.now(), 6),
                "connections": self.connections,
                "handshake_s": [round(h, 6) for h in self.handshakes],
                "header_bytes": {"request": self.req_header_bytes,
                                 "response": self.resp_header_bytes},
                "body_bytes": self.body_bytes, "objects": self.objects,
                **({} if self.early_data is None else {"early_data": self.early_data})}


class Target:
    def __init__(self, url: str, ca: str | None):
        u = urlsplit(url)
        self.tls = u.scheme == "https"
        self.host = u.hostname or ""
        self.port = u.port or (443 if self.tls else 80)
        self.path = (u.path or "/") + (f"?{u.query}" if u.query else "")
        self.ca = ca

    def ssl_context(self, alpn: list[str]) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        ctx = ssl.create_default_context(cafile=self.ca) if self.ca else \
            ssl._create_unverified_context()  # noqa: S323 - timing only, no CA given
        ctx.set_alpn_protocols(alpn)
        return ctx

    async def connect(self, load: Load, alpn: list[str]):
        t = load.now()
        reader, writer = await asyncio.open_connection(
            self.host, self.port, ssl=self.ssl_context(alpn),
            server_hostname=self.host if self.tls else None)
        load.connections += 1
        load.handshakes.append(load.now() - t)
        return reader, writer


def links(page: bytes) -> list[str]:
    return [m.decode() for m in LINK.findall(page)]


# ----- HTTP/1.x ----------------------------------------------------------------------------------
def h1_request(target: Target, load: Load, path: str, version: str) -> bytes:
    keep = "keep-alive" if version == "1.1" else "close"
    req = (f"GET {path} HTTP/{version}\r\nHost: {target.host}\r\nUser-Agent: netdojo-pageload"
           f"\r\nAccept: */*\r\nConnection: {keep}\r\n\r\n").encode()
    load.req_header_bytes += len(req)
    return req


async def h1_response(load: Load, reader, path: str, start: float, conn: int) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    load.resp_header_bytes += len(head)
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    body = await reader.readexactly(int(m.group(1))) if m else await reader.read()
    load.body_bytes += len(body)
    load.objects.append({"path": path, "start_s": round(start, 6), "end_s": round(load.now(), 6),
                         "bytes": len(body), "conn": conn})
    return body


async def h1_get(target: Target, load: Load, reader, writer, path: str, version: str,
                 conn: int) -> bytes:
    start = load.now()
    writer.write(h1_request(target, load, path, version))
    await writer.drain()
    return await h1_response(load, reader, path, start, conn)


async def load_http10(target: Target, load: Load) -> None:
    async def one(path: str) -> bytes:
        reader, writer = await target.connect(load, ["http/1.1"])
        try:
            return await h1_get(target, load, reader, writer, path, "1.0", load.connections)
        finally:
            writer.close()
    page = await one(target.path)
    for path in links(page):  # one at a time, as the chapter's HTTP/1.0 does
        await one(path)


async def load_http11(target: Target, load: Load, parallel: int) -> None:
    reader, writer = await target.connect(load, ["http/1.1"])
    page = await h1_get(target, load, reader, writer, target.path, "1.1", 1)
    todo = links(page)
    conns = [(reader, writer, 1)]
    if parallel > 1 and len(todo) > 1:
        more = await asyncio.gather(*(target.connect(load, ["http/1.1"])
                                      for _ in range(min(parallel, len(todo)) - 1)))
        conns += [(r, w, i + 2) for i, (r, w) in enumerate(more)]
    queue = list(todo)

    async def worker(r, w, conn):
        while queue:
            await h1_get(target, load, r, w, queue.pop(0), "1.1", conn)
    await asyncio.gather(*(worker(*c) for c in conns))
    for _, w, _ in conns:
        w.close()

async def load_http11_pipelined(target: Target, load: Load) -> None:
    """HTTP/1.1 pipelining (RFC 9112 section 9.3.2): the page, then every object's request
    written at once on the one connection; the answers must come back in the order asked, so
    one slow answer holds back every answer behind it (head-of-line blocking in HTTP)."""
    reader, writer = await target.connect(load, ["http/1.1"])
    page = await h1_get(target, load, reader, writer, target.path, "1.1", 1)
    todo, start = links(page), load.now()
    writer.write(b"".join(h1_request(target, load, path, "1.1") for path in todo))
    await writer.drain()
    for path in todo:
        await h1_response(load, reader, path, start, 1)
    writer.close()
