"""The failover reproduction started from the page (issue 21.6): the scenarios to choose from,
a WebSocket that runs one and streams its timeline, and the finished report's files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from netdojo.failover.runner import run
from netdojo.failover.scenario import load_scenario
from netdojo.paths import data_dir
from netdojo.web.failover_live import event, scenarios
from netdojo.web.jobs import stream_job

if TYPE_CHECKING:
    from netdojo.web.app import Console

REPORT_FILES = {".html": "text/html", ".png": "image/png", ".md": "text/markdown",
                ".json": "application/json"}


def failover_routes(con: Console) -> list[Any]:
    reports = con.work / "failover"

    async def listing(_: Request) -> Response:
        return JSONResponse(sorted(scenarios(data_dir("scenarios"))))

    async def report_file(req: Request) -> Response:
        name = req.path_params["name"]
        path = reports / name
        if "/" in name or path.suffix not in REPORT_FILES or not path.is_file():
            return Response("no such report file\n", 404)
        return FileResponse(path, media_type=REPORT_FILES[path.suffix])

    async def live(ws: WebSocket) -> None:
        await ws.accept()
        known = scenarios(data_dir("scenarios"))
        name = ws.query_params.get("scenario", "")
        if name not in known:
            await ws.send_json({"type": "error", "message": f"no scenario {name!r} (known: "
                                f"{', '.join(sorted(known))})"})
            await ws.close()
            return
        def job(put) -> None:
            sc = load_scenario(known[name])
            put({"type": "scenario", "duration": sc.duration, "variants": sc.variants,
                 "backends": sc.backends,
                 "timeline": [{"at": e.at, "label": e.label} for e in sc.timeline]})
            run(sc, reports, log=lambda line: put(event(line)))
            put({"type": "report", "html": "/failover/report.html"})

        await stream_job(ws, con.failover_lock, "a failover run is going already", job)

    return [Route("/api/scenarios", listing), Route("/failover/{name}", report_file),
            WebSocketRoute("/ws/failover", live)]
