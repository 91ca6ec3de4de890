"""Open-loop HTTP load at a fixed rate, every request logged.  Runs inside a lab container.

    /opt/web/bin/python /opt/web/loadgen.py URL --rate 200 --duration 30 --protocols h1,h2 \\
        --timeout 5 --out /tmp/requests.jsonl

Open loop: request i is due at start + i/rate whether or not earlier ones have answered, and its
latency counts from that due time, so a stalled server shows up as latency, never as a slower
offered load (no coordinated omission).  Requests alternate over the protocols: h1 (HTTP/1.1,
a keep-alive connection pool) and h2 (HTTP/2 prior knowledge, streams multiplexed on as few
connections as the server's stream limit allows).  Each request has one deadline; on expiry
its h1 connection is closed or its h2 stream reset, as a browser would.

The clients are small and written here on asyncio + h2 (no general-purpose HTTP library) so
that the generator stays cheap and predictable while thousands of requests hang.

stdout: "start EPOCH" at once, "done N max_late_ms X" at the end; a progress line per second
on stderr; the log is JSON lines with the wall-clock due time.
"""

import argparse
import asyncio
import json
import socket
import sys
import time
from urllib.parse import urlsplit

import h2.config
import h2.connection
import h2.errors
import h2.events


class Failed(Exception):
    pass


class H1Pool:
    def __init__(self, host: str, port: int, authority: str):
        self.host, self.port, self.authority = host, port, authority
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, path: str) -> tuple[int, dict]:
        if self.idle:
            reader, writer = self.idle.pop()
        else:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        ok = False
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.authority}\r\n"
                         "User-Agent: netdojo-loadgen\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.strip().lower(): v.strip()
                       for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
            await reader.readexactly(int(headers.get("content-length", "0")))
            ok = headers.get("connection", "").lower() != "close"
            return status, headers
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError) as e:
            raise Failed(type(e).__name__) from None
        finally:
            if ok:
                self.idle.append((reader, writer))
            else:  # also on cancellation: a half-read connection is never reused
                writer.close()


class H2Conn:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.flush()
        self.pending: dict[int, asyncio.Future] = {}
        self.headers: dict[int, dict] = {}
        self.dead = False
        self.task = asyncio.create_task(self.pump())

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.writer.write(data)

    @property
    def capacity(self) -> int:
        return min(self.conn.remote_settings.max_concurrent_streams, 100) - len(self.pending)

    async def pump(self) -> None:
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                for ev in self.conn.receive_data(data):
                    sid = getattr(ev, "stream_id", None)
                    if isinstance(ev, h2.events.ResponseReceived):
                        self.headers[sid] = dict(ev.headers)
                    elif isinstance(ev, h2.events.DataReceived):
                        self.conn.acknowledge_received_data(ev.flow_controlled_length, sid)
                    elif isinstance(ev, h2.events.StreamEnded):
                        fut = self.pending.pop(sid, None)
                        if fut and not fut.done():
                            fut.set_result(self.headers.pop(sid, {}))
                    elif isinstance(ev, h2.events.StreamReset):
                        fut = self.pending.pop(sid, None)
                        if fut and not fut.done():
                            fut.set_exception(Failed("StreamReset"))
                    elif isinstance(ev, h2.events.ConnectionTerminated):
                        raise Failed("GoAway")
                self.flush()
        except (Failed, ConnectionError, h2.exceptions.ProtocolError):
            pass
        finally:
            self.dead = True
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(Failed("ConnectionClosed"))
            self.pending.clear()
            self.writer.close()

    async def get(self, authority: str, path: str) -> tuple[int, dict]:
        sid = self.conn.get_next_available_stream_id()
        fut = asyncio.get_running_loop().create_future()
        self.pending[sid] = fut
        self.conn.send_headers(sid, [(":method", "GET"), (":scheme", "http"),
                                     (":authority", authority), (":path", path),
                                     ("user-agent", "netdojo-loadgen")], end_stream=True)
        self.flush()
        try:
            headers = await fut
        except asyncio.CancelledError:
            if not self.dead and sid in self.pending:
                del self.pending[sid]
                self.conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
                self.flush()
            raise
        return int(headers.get(":status", 0)), headers


class H2Pool:
    def __init__(self, host: str, port: int, authority: str):
        self.host, self.port, self.authority = host, port, authority
        self.conns: list[H2Conn] = []
        self.opening: asyncio.Lock = asyncio.Lock()

    async def get(self, path: str) -> tuple[int, dict]:
        self.conns = [c for c in self.conns if not c.dead]
        conn = next((c for c in self.conns if c.capacity > 0), None)
        if conn is None:
            async with self.opening:
                conn = next((c for c in self.conns if c.capacity > 0 and not c.dead), None)
                if conn is None:
                    try:
                        r, w = await asyncio.open_connection(self.host, self.port)
                    except OSError as e:
                        raise Failed(type(e).__name__) from None
                    conn = H2Conn(r, w)
                    self.conns.append(conn)
        return await conn.get(self.authority, path)


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--protocols", default="h1,h2")
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--out", default="/tmp/requests.jsonl")
    a = ap.parse_args()
    u = urlsplit(a.url)
    port = u.port or 80
    host = socket.getaddrinfo(u.hostname, port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    path = (u.path or "/") + (f"?{u.query}" if u.query else "")
    pools = {}
    for p in a.protocols.split(","):
        if p not in ("h1", "h2"):
            print(f"unknown protocol {p!r}", file=sys.stderr)
            return 2
        pools[p] = (H1Pool if p == "h1" else H2Pool)(host, port, u.netloc)
    names = list(pools)
    total = int(a.rate * a.duration)
    records: list[dict] = []
    counts = {"ok": 0, "err": 0, "late_ms": 0.0, "sent": 0}
    start_wall, start = time.time(), time.monotonic()
    print(f"start {start_wall:.6f}", flush=True)

    async def one(i: int, due: float) -> None:
        proto = names[i % len(names)]
        rec = {"i": i, "t": round(start_wall + (due - start), 6), "proto": proto}
        try:
            status, headers = await asyncio.wait_for(pools[proto].get(path), a.timeout)
            rec.update(status=status, backend=headers.get("x-backend"),
                       http="HTTP/1.1" if proto == "h1" else "HTTP/2")
        except TimeoutError:
            rec.update(status=0, error="Timeout")
        except (Failed, OSError) as e:
            rec.update(status=0, error=str(e) or type(e).__name__)
        rec["latency_ms"] = round((time.monotonic() - due) * 1000, 3)
        counts["ok" if 0 < rec["status"] < 500 else "err"] += 1
        records.append(rec)

    async def progress() -> None:
        while True:
            await asyncio.sleep(1)
            done = counts["ok"] + counts["err"]
            print(f"t={time.monotonic() - start:5.1f}s sent={counts['sent']} ok={counts['ok']} "
                  f"failed={counts['err']} in-flight={counts['sent'] - done}",
                  file=sys.stderr, flush=True)

    ticker = asyncio.create_task(progress())
    tasks = []
    for i in range(total):
        due = start + i / a.rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:  # the generator itself is behind: report it rather than hide it
            counts["late_ms"] = max(counts["late_ms"], -delay * 1000)
        tasks.append(asyncio.create_task(one(i, due)))
        counts["sent"] += 1
    await asyncio.gather(*tasks)
    ticker.cancel()
    records.sort(key=lambda r: r["i"])
    with open(a.out, "w") as f:
        for rec in records:
            f.write(json.dumps(rec) + "\n")
    print(f"done {len(records)} max_late_ms {counts['late_ms']:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
