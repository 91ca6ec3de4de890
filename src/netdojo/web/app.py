"""The web console's routes: pages and static files, the JSON API, and three WebSockets (link
rates at 1 Hz, terminals, "Check my work").  Every route is behind the token gate (auth.py);
the session it serves is held in a WebContext (context.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from netdojo.errors import NetdojoError
from netdojo.measure.pcap import read_pcap
from netdojo.net import runs
from netdojo.web.auth import TokenGate
from netdojo.web.context import MAX_FILE, WebContext
from netdojo.web.failover_routes import failover_routes
from netdojo.web.jobs import stream_job
from netdojo.web.panels import read_panels
from netdojo.web.stats import LinkMeter
from netdojo.web.summary import summarize
from netdojo.web.terminal import Terminal, shell_in

STATIC = Path(__file__).resolve().parent / "static"
MAX_FRAME = 64 * 1024  # a WebSocket message (typed or pasted text, a resize)
MAX_TERMINALS = 12


def _control(term: Terminal, data: bytes) -> None:
    """{"resize": [cols, rows]} or {"input": "text"}; anything else is typed as it is."""
    try:
        ctl = json.loads(data)
        if isinstance(ctl, dict) and "resize" in ctl:
            term.resize(*ctl["resize"][:2])
        elif isinstance(ctl, dict) and "input" in ctl:
            term.write(str(ctl["input"]).encode())
        else:
            term.write(data)
    except (ValueError, TypeError):
        term.write(data)


def _error(e: Exception, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": str(e)}, status_code=status)


class Console:
    """The live state behind the routes: the link meter's last sample, open terminals, the
    one check that may run at a time, the captures taken."""

    def __init__(self, ctx: WebContext, check=None):
        self.ctx = ctx
        self.meter = LinkMeter(ctx.session.net)
        self.sample: list[dict] = self.meter.sample()
        self.terminals: set[Terminal] = set()
        self.checking = threading.Lock()
        self.check = check  # (lab, student, folder, log) -> report dict; labs.runner by default
        self.work = Path(tempfile.mkdtemp(prefix="netdojo-web-"))  # removed on close
        self.captures = self.work / "captures"
        self.captures.mkdir()
        self.failover_lock = threading.Lock()

    async def sampler(self) -> None:
        while True:
            await asyncio.sleep(1)
            self.sample = self.meter.sample()

    def close(self) -> None:
        for t in list(self.terminals):
            t.close()
        # a check or a failover run still going in its thread built a lab of its own: this
        # process owns it, so it goes with the page (the page's own run is its owner's to end)
        for r in runs.all_runs():
            if r.owner_pid == os.getpid() and r.id != self.ctx.session.run_id:
                r.teardown()
        self.meter.close()
        shutil.rmtree(self.work, ignore_errors=True)


def build_app(ctx: WebContext, token: str, check=None) -> tuple[Any, Console]:
    con = Console(ctx, check)

    async def index(_: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    async def topology(_: Request) -> Response:
        return JSONResponse(ctx.topology())

    async def panels(_: Request) -> Response:
        return JSONResponse(await asyncio.to_thread(read_panels, ctx.session.net))

    async def link_action(req: Request) -> Response:
        name, action = req.path_params["name"], req.path_params["action"]
        if action not in ("cut", "restore"):
            return _error(ValueError(f"{action}: cut or restore"), 404)
        try:
            handle = ctx.session.link(name)
            await asyncio.to_thread(handle.cut if action == "cut" else handle.restore)
        except NetdojoError as e:
            return _error(e)
        return JSONResponse({"link": name, "failed": ctx.session.failed()})

    async def worksheet(req: Request) -> Response:
        lang = "ko" if req.query_params.get("lang") == "ko" else "en"
        try:
            return JSONResponse(ctx.worksheet(lang))
        except NetdojoError as e:
            return _error(e, 404)

    async def picture(req: Request) -> Response:
        try:
            data, mime = ctx.picture(req.path_params["name"])
        except (NetdojoError, FileNotFoundError):
            return Response("not a picture of this lab\n", 404)
        return Response(data, media_type=mime)

    async def files(_: Request) -> Response:
        try:
            return JSONResponse(ctx.files())
        except NetdojoError as e:
            return _error(e, 404)

    async def save(req: Request) -> Response:
        size = int(req.headers.get("content-length") or 0)
        if size > MAX_FILE:
            return _error(ValueError(f"{size} bytes: the page takes at most {MAX_FILE}"), 413)
        body = b""
        async for chunk in req.stream():
            body += chunk
            if len(body) > MAX_FILE:
                return _error(ValueError(f"more than {MAX_FILE} bytes"), 413)
        try:
            n = ctx.save_file(req.path_params["name"], body)
        except NetdojoError as e:
            return _error(e)
        return JSONResponse({"saved": req.path_params["name"], "bytes": n})

    async def capture(req: Request) -> Response:
        try:
            ask = json.loads(await req.body() or b"{}")
            node, ifname = str(ask["node"]), str(ask["ifname"])
            seconds = min(max(float(ask.get("seconds", 5)), 0.5), 30)
            count = min(max(int(ask.get("count", 200)), 1), 2000)
            ctx.session.node(node)
            if ifname not in {i for i, _ in ctx.session.net.addr.addresses_of(node)} | {
                    ep.ifname for lk in ctx.session.topology.links for ep in (lk.a, lk.b)
                    if ep.node == node}:
                raise NetdojoError(f"{node} has no interface {ifname!r}")
        except (KeyError, ValueError, TypeError) as e:
            return _error(ValueError(f"capture takes {{node, ifname, seconds, count}}: {e}"))
        except NetdojoError as e:
            return _error(e)
        name = f"{node}-{ifname}-{len(list(con.captures.iterdir())) + 1}.pcap"
        out = con.captures / name
        res = await asyncio.to_thread(ctx.session.capture, node, ifname, out, seconds, count)
        frames = read_pcap(out.read_bytes()) if out.stat().st_size else []
        t0 = frames[0].time if frames else 0.0
        return JSONResponse({"id": name, "packets": res.packets,
                             "rows": [summarize(f, t0) for f in frames[-200:]]})

    async def capture_file(req: Request) -> Response:
        name = req.path_params["name"]
        path = con.captures / name
        if "/" in name or not path.is_file():
            return Response("no such capture\n", 404)
        return FileResponse(path, media_type="application/vnd.tcpdump.pcap", filename=name)

    async def stats_ws(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                await ws.send_json({"links": con.sample, "failed": ctx.session.failed()})
                await asyncio.sleep(1)
        except (WebSocketDisconnect, RuntimeError):
            return

    async def term_ws(ws: WebSocket) -> None:
        node = ws.path_params["node"]
        await ws.accept()
        if node not in ctx.session.topology.nodes or len(con.terminals) >= MAX_TERMINALS:
            await ws.close(code=4404 if node not in ctx.session.topology.nodes else 4429)
            return
        cols = int(ws.query_params.get("cols", 100) or 100)
        rows = int(ws.query_params.get("rows", 30) or 30)
        term = Terminal(ctx.session.node(node).argv(shell_in(node), interactive=True),
                        cols, rows)
        con.terminals.add(term)
        loop = asyncio.get_running_loop()
        out: asyncio.Queue[bytes] = asyncio.Queue()

        def readable() -> None:
            data = term.read()
            if data is None:
                return
            out.put_nowait(data)
            if not data:
                loop.remove_reader(term.fd)

        loop.add_reader(term.fd, readable)

        async def pump() -> None:
            while (data := await out.get()):
                await ws.send_bytes(data)
            await ws.close(code=1000)

        task = asyncio.create_task(pump())
        try:
            while True:
                msg = await ws.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                data = msg.get("bytes") or (msg.get("text") or "").encode()
                if len(data) > MAX_FRAME:
                    await ws.close(code=1009)  # message too big
                    break
                if msg.get("text") and data.startswith(b"{"):
                    _control(term, data)  # text frames are control; keys come as bytes
                elif data:
                    term.write(data)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            task.cancel()
            with contextlib.suppress(Exception):
                loop.remove_reader(term.fd)
            await asyncio.to_thread(term.close)
            con.terminals.discard(term)

    async def check_ws(ws: WebSocket) -> None:
        await ws.accept()
        if ctx.lab is None or con.check is None:
            await ws.send_json({"type": "error", "message": "no lab here to check"})
            await ws.close()
            return
        wl = ctx.lab

        def job(put) -> None:
            def log(msg: str) -> None:
                put({"type": "progress", "line": msg})

            put({"type": "report", "report": con.check(wl.lab, wl.student, wl.folder, log)})

        await stream_job(ws, con.checking, "a check is running already: wait for its score",
                         job)

    routes = [
        Route("/", index), Route("/api/topology", topology), Route("/api/panels", panels),
        Route("/api/links/{name}/{action}", link_action, methods=["POST"]),
        Route("/api/worksheet", worksheet), Route("/lab/{name}", picture),
        Route("/api/files", files), Route("/api/files/{name}", save, methods=["PUT"]),
        Route("/api/capture", capture, methods=["POST"]),
        Route("/api/capture/{name}", capture_file),
        WebSocketRoute("/ws/stats", stats_ws), WebSocketRoute("/ws/term/{node}", term_ws),
        WebSocketRoute("/ws/check", check_ws),
        *failover_routes(con),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette):
        task = asyncio.create_task(con.sampler())
        try:
            yield
        finally:
            task.cancel()

    app = Starlette(routes=routes, lifespan=lifespan)
    return TokenGate(app, token), con
