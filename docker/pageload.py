"""Load a page and the objects it links the way each HTTP version does, and time every step.
Runs inside a lab container (the image's /opt/web venv):

    pageload URL --version http1.1 [--parallel 6] [--loads 5]
    (= /opt/web/bin/python /opt/web/pageload.py …)

URL is http:// (clear) or https:// (TLS, verified against --ca when given).  Versions:
http1.0 (a new connection per document and object), http1.1 (one keep-alive connection,
objects in turn), http1.1-parallel (the page, then --parallel keep-alive connections sharing
the objects, as browsers do), http1.1-pipelined (one connection, every object's request sent
at once, the answers in order: head-of-line blocking in HTTP/1.1), http2 (one connection,
every object multiplexed at once; h2c with prior knowledge in clear, ALPN h2 over TLS),
http2-push (the same, asking the lab's web app to push the objects with the page), http3
(QUIC; https:// only), http3-0rtt (QUIC resuming an earlier session: the page's request goes
in the first flight as 0-RTT data; an untimed first visit fetches the session ticket).

Prints one JSON line per load: total_s, connections, handshake_s (each connection's TCP and
TLS setup), request/response header bytes as they crossed the wire, and per object its start
and end (a waterfall).  The HTTP/1.x client (pageload_http1.py) is written on asyncio
streams, so every header byte is counted exactly; HTTP/2 uses the h2 library (the protocol
engine Python's httpx builds on), with frames counted as it serialises and parses them;
HTTP/3 uses aioquic (QUIC, H3 and QPACK), its HEADERS frames counted as it encodes and parses
them.
"""

import argparse
import asyncio
import json
import os
import ssl
import sys

import h2.config
import h2.connection
import h2.events
from aioquic.asyncio.client import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3 import connection as h3c
from aioquic.h3.events import DataReceived, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import HandshakeCompleted
from pageload_http1 import Load, Target, links, load_http10, load_http11, load_http11_pipelined

# where a lab puts its run's CA for the client (curl and openssl use the system store; aioquic
# does not, so the loader reads this file itself)
DEFAULT_CA = "/etc/netdojo/ca.pem"


# ----- HTTP/2 ------------------------------------------------------------------------------------
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"  # a client's first 24 bytes: not a frame


def _header_frame_bytes(data: bytes) -> int:
    """Bytes of HEADERS and CONTINUATION frames (9-byte frame header included) in a stream of
    whole frames.  The client's first flush starts with the connection preface: read as a frame
    it hid the page's own request, HPACK's largest (its headers all new to the table)."""
    n, i = 0, len(PREFACE) if data.startswith(PREFACE) else 0
    while i + 9 <= len(data):
        length = int.from_bytes(data[i:i + 3], "big")
        if data[i + 3] in (0x1, 0x9):
            n += 9 + length
        i += 9 + length
    return n


async def load_http2(target: Target, load: Load, push: bool = False) -> None:
    reader, writer = await target.connect(load, ["h2"])
    if target.tls and writer.get_extra_info("ssl_object").selected_alpn_protocol() != "h2":
        raise SystemExit("the server did not agree to h2 by ALPN")
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    # a large window: the objects must not wait for WINDOW_UPDATEs (a browser opens it too)
    conn.increment_flow_control_window(2 ** 24)
    pending: dict[int, dict] = {}
    done = asyncio.Event()
    inbound = bytearray()

    def flush() -> None:
        data = conn.data_to_send()
        if data:
            load.req_header_bytes += _header_frame_bytes(data)
            writer.write(data)

    def request(path: str) -> None:
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, [(":method", "GET"), (":scheme", "https" if target.tls else "http"),
                                (":authority", target.host), (":path", path),
                                ("user-agent", "netdojo-pageload"), ("accept", "*/*")],
                          end_stream=True)
        pending[sid] = {"path": path, "start_s": round(load.now(), 6), "body": bytearray()}

    async def pump() -> None:  # reads until cancelled: the page first, then the objects
        while True:
            data = await reader.read(65536)
            if not data:
                raise SystemExit("the server closed the HTTP/2 connection")
            inbound.extend(data)
            whole = _whole_frames(inbound)
            load.resp_header_bytes += _header_frame_bytes(bytes(inbound[:whole]))
            del inbound[:whole]
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.PushedStreamReceived):  # server push (5.3)
                    path = dict(ev.headers).get(b":path", b"?").decode()
                    pending[ev.pushed_stream_id] = {"path": path, "start_s": round(load.now(), 6),
                                                    "body": bytearray(), "pushed": True}
                elif isinstance(ev, h2.events.DataReceived):
                    pending[ev.stream_id]["body"] += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    finished(ev.stream_id)
            flush()
            await writer.drain()

    results: dict[int, bytes] = {}

    def finished(sid: int) -> None:
        p = pending.pop(sid)
        body = bytes(p["body"])
        load.body_bytes += len(body)
        load.objects.append({"path": p["path"], "start_s": p["start_s"],
                             "end_s": round(load.now(), 6), "bytes": len(body), "conn": 1,
                             "stream": sid, **({"pushed": True} if p.get("pushed") else {})})
        results[sid] = body
        if not pending:
            done.set()

    request(target.path + ("&" if "?" in target.path else "?") + "push" if push else target.path)
    flush()
    pump_task = asyncio.ensure_future(pump())
    await done.wait()
    page = results[1]
    pushed = {o["path"] for o in load.objects if o.get("pushed")}
    todo = [p for p in links(page) if p not in pushed]  # a pushed object is not asked for
    if todo:
        done.clear()
        for path in todo:  # every object at once: multiplexed on the one connection
            request(path)
        flush()
        await writer.drain()
        await done.wait()
    pump_task.cancel()
    writer.close()


# ----- HTTP/3 ------------------------------------------------------------------------------------
TICKETS: list = []  # TLS session tickets the servers gave us, newest last (for 0-RTT)


async def load_http3(target: Target, load: Load, zero_rtt: bool = False) -> None:
    """aioquic's QUIC client and H3 engine: one connection, every object on its own stream.
    QPACK-encoded HEADERS frames are counted as aioquic encodes and parses them.  With zero_rtt
    the connection resumes a session from an earlier ticket and sends the page's request in its
    first flight (0-RTT), without waiting for the handshake."""
    class Client(QuicConnectionProtocol):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.h3 = h3c.H3Connection(self._quic)
            encode, handle = self.h3._encode_headers, self.h3._handle_request_or_push_frame

            def counting_encode(stream_id, headers):
                data = encode(stream_id, headers)
                load.req_header_bytes += len(data)
                return data

            def counting_handle(frame_type, frame_data, stream, stream_ended):
                if frame_type == h3c.FrameType.HEADERS and frame_data is not None:
                    load.resp_header_bytes += len(frame_data)
                return handle(frame_type, frame_data, stream, stream_ended)
            self.h3._encode_headers = counting_encode
            self.h3._handle_request_or_push_frame = counting_handle
            self.streams: dict[int, dict] = {}

        def quic_event_received(self, event) -> None:
            if isinstance(event, HandshakeCompleted):
                load.handshakes.append(load.now() - t)
                if zero_rtt:
                    load.early_data = event.early_data_accepted
            for ev in self.h3.handle_event(event):
                st = self.streams.get(getattr(ev, "stream_id", -1))
                if st is None:
                    continue
                if isinstance(ev, DataReceived):
                    st["body"] += ev.data
                if isinstance(ev, (DataReceived, HeadersReceived)) and ev.stream_ended:
                    st["done"].set_result(bytes(st["body"]))

        async def get(self, path: str, record: bool = True) -> bytes:
            sid = self._quic.get_next_available_stream_id()
            start = load.now()
            self.h3.send_headers(sid, [(b":method", b"GET"), (b":scheme", b"https"),
                                       (b":authority", target.host.encode()),
                                       (b":path", path.encode()),
                                       (b"user-agent", b"netdojo-pageload"),
                                       (b"accept", b"*/*")], end_stream=True)
            self.streams[sid] = {"body": bytearray(),
                                 "done": asyncio.get_running_loop().create_future()}
            self.transmit()
            body = await self.streams[sid]["done"]
            if record:
                load.body_bytes += len(body)
                load.objects.append({"path": path, "start_s": round(start, 6),
                                     "end_s": round(load.now(), 6), "bytes": len(body),
                                     "conn": 1, "stream": sid})
            return body

    config = QuicConfiguration(is_client=True, alpn_protocols=h3c.H3_ALPN,
                               server_name=target.host)
    if target.ca:
        config.load_verify_locations(target.ca)
    else:
        config.verify_mode = ssl.CERT_NONE
    if zero_rtt and TICKETS:
        config.session_ticket = TICKETS.pop()
    t = load.now()
    async with connect(target.host, target.port, configuration=config, create_protocol=Client,
                       session_ticket_handler=TICKETS.append,
                       wait_connected=not zero_rtt) as client:
        load.connections += 1
        page = await client.get(target.path)
        await asyncio.gather(*(client.get(p) for p in links(page)))
        load.done_s = load.now()  # loaded; closing the connection is not part of the load
        if zero_rtt and not TICKETS:
            await client.get("/health", record=False)  # the ticket comes after the handshake


def _whole_frames(buf: bytearray) -> int:
    i = 0
    while i + 9 <= len(buf):
        length = int.from_bytes(buf[i:i + 3], "big")
        if i + 9 + length > len(buf):
            break
        i += 9 + length
    return i


async def one_load(args) -> dict:
    target = Target(args.url, args.ca)
    if args.version == "http3-0rtt" and not TICKETS:
        # a first visit, not timed: it leaves the session ticket the timed load resumes
        await load_http3(target, Load("prime"))
    load = Load(args.version)
    if args.version == "http1.0":
        await load_http10(target, load)
    elif args.version == "http1.1":
        await load_http11(target, load, 1)
    elif args.version == "http1.1-parallel":
        await load_http11(target, load, args.parallel)
    elif args.version == "http1.1-pipelined":
        await load_http11_pipelined(target, load)
    elif args.version == "http2":
        await load_http2(target, load)
    elif args.version == "http2-push":
        await load_http2(target, load, push=True)
    elif args.version == "http3":
        await load_http3(target, load)
    elif args.version == "http3-0rtt":
        await load_http3(target, load, zero_rtt=True)
    else:
        raise SystemExit(f"unknown version {args.version!r}")
    if load.done_s is None:
        load.done_s = max(o["end_s"] for o in load.objects)
    return load.result()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--version", required=True)
    ap.add_argument("--parallel", type=int, default=6)
    ap.add_argument("--loads", type=int, default=1)
    ap.add_argument("--ca", default=DEFAULT_CA if os.path.isfile(DEFAULT_CA) else None,
                    help=f"CA file to verify https:// against (default {DEFAULT_CA} if present)")
    args = ap.parse_args()
    for _ in range(args.loads):
        print(json.dumps(asyncio.run(one_load(args))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
